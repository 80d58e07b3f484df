// @zoom/rivet (Zoom's Node SDK, on npm; nobody on this team wrote it) against the sandbox,
// unchanged: its API host set with its `baseUrl` option, and — because it sends token requests
// to https://zoom.us alone — the Server-to-Server token minted from the sandbox's token endpoint
// as Zoom's would be and handed over through rivet's own `tokenStore` interface. Then users and
// groups. Exits non-zero, saying which call, when an answer is not what Zoom would give.
// usage: node rivet_check.mjs SANDBOX_URL
import { UsersS2SAuthClient } from "@zoom/rivet/users";

const base = process.argv[2].replace(/\/$/, "");
const fail = (what, detail) => {
  console.error(`rivet: ${what}: ${detail}`);
  process.exit(1);
};

const basic = Buffer.from("sandbox-s2s:sandbox-s2s-secret").toString("base64");
const minted = await fetch(`${base}/oauth/token?grant_type=account_credentials&account_id=acct_contoso`, {
  method: "POST",
  headers: { authorization: `Basic ${basic}` },
});
const token = await minted.json();
if (!minted.ok) fail("token", JSON.stringify(token));
const tokenStore = {
  getLatestToken: () => ({ accessToken: token.access_token, expirationTimeIso: new Date(Date.now() + token.expires_in * 1000).toISOString(), scopes: token.scope.split(" ") }),
  storeToken: () => undefined,
};
const client = new UsersS2SAuthClient({
  clientId: "sandbox-s2s",
  clientSecret: "sandbox-s2s-secret",
  accountId: "acct_contoso",
  tokenStore,
  baseUrl: `${base}/v2`,
  disableReceiver: true,
});
const { users, groups } = client.endpoints;

const call = async (what, promise, status) => {
  let answer;
  try {
    answer = await promise;
  } catch (e) {
    fail(what, String(e));
  }
  if (answer.statusCode !== status) fail(what, `HTTP ${answer.statusCode}, expected ${status}: ${JSON.stringify(answer.data)}`);
  return answer.data;
};
const refused = async (what, promise, pattern) => {
  try {
    await promise;
  } catch (e) {
    if (!pattern.test(String(e))) fail(what, `refused otherwise: ${e}`);
    return;
  }
  fail(what, "answered, where Zoom refuses");
};

let all = [];
let next = "";
for (;;) {
  const page = await call("users.listUsers", users.listUsers({ query: { page_size: 300, next_page_token: next } }), 200);
  all = all.concat(page.users);
  next = page.next_page_token;
  if (!next) {
    if (all.length !== page.total_records) fail("users.listUsers", `${all.length} over the pages, total_records ${page.total_records}`);
    break;
  }
}
const one = await call("users.getUser", users.getUser({ path: { userId: all[0].id } }), 200);
if (one.email !== all[0].email) fail("users.getUser", `${one.email} is not ${all[0].email}`);
await refused("users.getUser of nobody", users.getUser({ path: { userId: "nobody@contoso.example" } }), /404\/1001/);
const made = await call("users.createUsers", users.createUsers({ body: { action: "custCreate", user_info: { email: "rivet@contoso.example", type: 1, first_name: "Ri", last_name: "Vet" } } }), 201);
await call("users.updateUser", users.updateUser({ path: { userId: made.id }, body: { dept: "Legal" } }), 204);
await call("users.updateUserStatus", users.updateUserStatus({ path: { userId: made.id }, body: { action: "deactivate" } }), 204);
const after = await call("users.getUser", users.getUser({ path: { userId: made.id } }), 200);
if (after.status !== "inactive" || after.dept !== "Legal") fail("users.getUser", JSON.stringify(after));
await refused("users.updateUserStatus of the owner", users.updateUserStatus({ path: { userId: "owner@contoso.example" }, body: { action: "deactivate" } }), /400\/200/);
const list = await call("groups.listGroups", groups.listGroups({}), 200);
const it = list.groups.find((g) => g.name === "IT");
await call("groups.addGroupMembers", groups.addGroupMembers({ path: { groupId: it.id }, body: { members: [{ email: "rivet@contoso.example" }] } }), 201);
const members = await call("groups.listGroupMembers", groups.listGroupMembers({ path: { groupId: it.id }, query: { page_size: 300 } }), 200);
if (!members.members.some((m) => m.id === made.id)) fail("groups.listGroupMembers", "the member added is not listed");
await call("groups.deleteGroupMember", groups.deleteGroupMember({ path: { groupId: it.id, memberId: made.id } }), 204);
await call("users.deleteUser", users.deleteUser({ path: { userId: made.id }, query: { action: "delete" } }), 204);
console.log(`@zoom/rivet: ${all.length} users over the pages, every call answered as Zoom would`);
