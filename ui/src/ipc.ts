// The one place that knows the shell's command and event names and payload shapes. Components
// call these functions; none builds a command name or payload itself. (To be generated from the
// Rust types — see the window issue; until then this file mirrors src-tauri/src/commands.rs.)
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export type Status = "active" | "refreshing" | "retrying" | "needs_reconnect" | "superseded";

export interface ZoomIdentity {
  user_id: string;
  email: string;
  display_name: string;
  account_id: string;
  account_number: number | null;
  role_name: string;
  user_type: number | null;
}

export interface Connection {
  id: string;
  org_id: string;
  nickname: string;
  identity: ZoomIdentity;
  granted_scopes: string[];
  api_url: string;
  status: Status;
  status_reason: string | null;
  created_at: number;
  access_expires_at: number;
  last_success_at: number | null;
  last_failure_at: number | null;
  next_attempt_at: number | null;
  consecutive_failures: number;
}

export interface Org {
  id: string;
  name: string;
  client_id: string;
  confidential: boolean;
  sandbox: boolean;
  scopes: string[];
}

export interface EngineError {
  code: string;
  message: string;
}

export interface Overview {
  orgs: Org[];
  connections: Connection[];
  warning: EngineError | null;
}

export interface AppSettings {
  refresh_margin_secs: number;
  notifications: boolean;
  launch_at_login: boolean;
  language: string | null;
}

export interface FlowStarted {
  flow_id: string;
  authorize_url: string;
  redirect_uri: string;
  expires_at: number;
}

export interface FlowEnded {
  kind: "flow_ended";
  flow_id: string;
  connection_id: string | null;
  superseded: string | null;
  error: EngineError | null;
}

export interface TestResult {
  probe: "scim" | "users_me";
  summary: string;
}

export type HistoryKind = "refreshed" | "failed" | "needs_reconnect" | "superseded" | "recovered" | "authorized";

export interface HistoryEvent {
  at: number;
  kind: HistoryKind;
  detail?: string;
}

/** A rejected command carries the engine's `{code, message}`. */
export function asEngineError(e: unknown): EngineError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as EngineError;
  return { code: "zoom_error", message: String(e) };
}

export const ipc = {
  overview: () => invoke<Overview>("overview"),
  settings: () => invoke<AppSettings>("get_settings"),
  saveSettings: (settings: AppSettings) => invoke<AppSettings>("save_settings", { settings }),
  runKeepaliveNow: () => invoke<void>("run_keepalive_now"),
  beginConnect: (orgId: string, nickname: string, reconnectOf: string | null = null) =>
    invoke<FlowStarted>("begin_connect", { orgId, nickname, reconnectOf }),
  cancelFlow: (flowId: string) => invoke<boolean>("cancel_flow", { flowId }),
  deleteConnection: (id: string) => invoke<void>("delete_connection", { id }),
  deleteConnectionLocally: (id: string) => invoke<string>("delete_connection_locally", { id }),
  testConnection: (id: string) => invoke<TestResult>("test_connection", { id }),
  connectionHistory: (id: string) => invoke<HistoryEvent[]>("connection_history", { id }),
  onConnectionsChanged: (handler: () => void): Promise<UnlistenFn> => listen("connections-changed", () => handler()),
  onFlowEnded: (handler: (e: FlowEnded) => void): Promise<UnlistenFn> => listen<FlowEnded>("flow-ended", (e) => handler(e.payload)),
};
