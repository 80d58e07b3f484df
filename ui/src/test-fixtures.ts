// Shared by the UI's tests: the sandbox org and a connection as the shell lists them.
import type { Capability, Connection, ZoomIdentity } from "./ipc";

export const sandboxOrg = {
  id: "sandbox",
  name: "Sandbox",
  client_id: "c",
  confidential: false,
  sandbox: true,
  required: ["manage_users"] as Capability[],
  extra_scopes: [],
  auth_base: "",
  api_base: "",
  redirect: { kind: "deep_link" as const },
};

/** An active sandbox connection of the owner (or of `identity`), its token valid 50 minutes. */
export function connection(id: string, nickname: string, identity: Partial<ZoomIdentity> = {}): Connection {
  return {
    id,
    org_id: "sandbox",
    nickname,
    identity: { user_id: "u", email: "owner@contoso.example", display_name: "O", account_id: "a", account_number: 1, role_name: "Owner", user_type: 2, ...identity },
    granted_scopes: [],
    api_url: "",
    status: "active",
    status_reason: null,
    created_at: 0,
    access_expires_at: Math.floor(Date.now() / 1000) + 3000,
    last_success_at: null,
    last_failure_at: null,
    next_attempt_at: null,
    consecutive_failures: 0,
  } as Connection;
}
