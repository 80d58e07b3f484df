"""zoomus (a Zoom client library on PyPI nobody on this team wrote) against the sandbox, as a
new user would use it: a Server-to-Server token, then users and groups. Exits non-zero, saying
which call, when the sandbox answers otherwise than Zoom would (docs/zoom.md, Users, Groups).

usage: python zoomus_check.py SANDBOX_URL
"""

import json
import sys

from zoomus import ZoomClient


def check(what, response, status):
    if response.status_code != status:
        sys.exit(f"zoomus: {what}: HTTP {response.status_code}, expected {status}: {response.text[:300]}")
    return json.loads(response.content) if response.content else None


def main(base):
    client = ZoomClient(
        "sandbox-s2s",
        "sandbox-s2s-secret",
        "acct_contoso",
        base_uri=f"{base}/v2",
        oauth_uri=f"{base}/oauth/token",
    )
    # Every page of the account's users.
    users, token = [], ""
    while True:
        page = check("user.list", client.user.list(page_size=300, next_page_token=token), 200)
        users += page["users"]
        token = page["next_page_token"]
        if not token:
            break
    if len(users) != page["total_records"] or len(users) < 600:
        sys.exit(f"zoomus: user.list: {len(users)} users over the pages, total_records {page['total_records']}")
    # The call that answered 404 before the sandbox had it.
    one = check("user.get", client.user.get(id=users[0]["id"]), 200)
    if one["email"] != users[0]["email"]:
        sys.exit(f"zoomus: user.get: {one['email']} is not {users[0]['email']}")
    check("user.get by email", client.user.get(id="member@contoso.example"), 200)
    check("user.get of nobody", client.user.get(id="nobody@contoso.example"), 404)

    made = check(
        "user.create",
        client.user.create(action="custCreate", user_info={"email": "zoomus@contoso.example", "type": 1, "first_name": "Zoo", "last_name": "Mus"}),
        201,
    )
    check("user.update", client.user.update(id=made["id"], dept="Legal"), 204)
    if check("user.get", client.user.get(id=made["id"]), 200)["dept"] != "Legal":
        sys.exit("zoomus: user.update did not change the department")
    check("user.update_status", client.user.update_status(id=made["id"], action="deactivate"), 204)
    if check("user.get", client.user.get(id=made["id"]), 200)["status"] != "inactive":
        sys.exit("zoomus: user.update_status did not deactivate")

    groups = check("group.list", client.group.list(), 200)["groups"]
    sales = next(g for g in groups if g["name"] == "Sales")
    check("group.get", client.group.get(id=sales["id"]), 200)
    added = check("group.add_members", client.group.add_members(groupid=sales["id"], members=[{"id": made["id"]}]), 201)
    if made["id"] not in added["ids"]:
        sys.exit(f"zoomus: group.add_members: {added}")
    members = check("group.list_members", client.group.list_members(groupid=sales["id"], page_size=300), 200)["members"]
    if made["id"] not in [m["id"] for m in members]:
        sys.exit("zoomus: group.list_members does not list the member added")
    check("group.delete_member", client.group.delete_member(groupid=sales["id"], memberid=made["id"]), 204)

    check("user.delete", client.user.delete(id=made["id"], action="delete"), 204)
    check("user.get of the deleted", client.user.get(id=made["id"]), 404)
    print(f"zoomus {sys.modules['zoomus'].__version__ if hasattr(sys.modules['zoomus'], '__version__') else ''}: {len(users)} users over the pages, every call answered as Zoom would")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
