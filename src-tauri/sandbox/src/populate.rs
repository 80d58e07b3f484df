//! A large account on demand (control API `populate`, `zoom-sandbox --populate`): thousands of
//! users and hundreds of groups, made the same way every time, for the window's Users view and
//! the bulk benchmarks (README.md, Control API).

use crate::seed::{Group, Profile, Seed, User};

/// At most this many users and groups a call: enough for any benchmark, bounded for memory.
pub const MAX_USERS: usize = 200_000;
pub const MAX_GROUPS: usize = 5_000;

const FIRST: [&str; 16] =
    ["Aiko", "Ben", "Chen", "Dana", "Emil", "Fatima", "Goro", "Hannah", "Ivan", "Julia", "Kenji", "Lena", "Mateo", "Nina", "Omar", "Priya"];
const LAST: [&str; 12] = ["Sato", "Smith", "Garcia", "Müller", "Tanaka", "Nguyen", "Okafor", "Rossi", "Kim", "Dubois", "Suzuki", "Jones"];
const DEPTS: [&str; 6] = ["Sales", "Engineering", "Support", "Finance", "Marketing", "Operations"];

/// Adds `users` users (`user00001@…` in the domain of the account's first user) and `groups`
/// groups ("Team 1", …; user i in group i mod `groups`) to `account_id`. Users already there by
/// those emails are kept as they are, so a second call with more users only adds the rest.
pub fn populate(seed: &mut Seed, account_id: &str, users: usize, groups: usize) -> Result<usize, String> {
    if users > MAX_USERS || groups > MAX_GROUPS {
        return Err(format!("at most {MAX_USERS} users and {MAX_GROUPS} groups"));
    }
    if seed.account(account_id).is_none() {
        return Err(format!("unknown account {account_id}"));
    }
    let domain = seed
        .users
        .iter()
        .find(|u| u.account_id == account_id)
        .and_then(|u| u.email.split_once('@').map(|(_, d)| d.to_string()))
        .unwrap_or_else(|| format!("{account_id}.example"));
    for j in 0..groups {
        let id = format!("grp_{account_id}_{:04}", j + 1);
        if !seed.groups.iter().any(|g| g.id == id) {
            seed.groups.push(Group { id, account_id: account_id.to_string(), name: format!("Team {}", j + 1) });
        }
    }
    let existing: std::collections::HashSet<String> = seed.users.iter().map(|u| u.email.to_ascii_lowercase()).collect();
    let mut added = 0;
    for i in 0..users {
        let email = format!("user{:05}@{domain}", i + 1);
        if existing.contains(&email) {
            continue;
        }
        let group_ids = if groups > 0 { vec![format!("grp_{account_id}_{:04}", i % groups + 1)] } else { Vec::new() };
        seed.users.push(User {
            id: format!("u{account_id}{:06}", i + 1).replace("acct_", "_"),
            account_id: account_id.to_string(),
            email,
            password: "sandbox".into(),
            first_name: FIRST[i % FIRST.len()].into(),
            last_name: format!("{} {}", LAST[(i / FIRST.len()) % LAST.len()], i + 1),
            role_name: "Member".into(),
            role_id: "2".into(),
            manage_users: None,
            user_type: if i % 3 == 0 { 1 } else { 2 },
            status: if i % 50 == 49 { "inactive" } else { "active" }.into(),
            google: None,
            facebook: None,
            profile: Profile { dept: DEPTS[i % DEPTS.len()].into(), timezone: "UTC".into(), verified: 1, group_ids, ..Profile::default() },
        });
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populating_is_repeatable_and_consistent() {
        let mut seed = Seed::builtin();
        let before = seed.users.len();
        assert_eq!(populate(&mut seed, "acct_contoso", 1000, 30), Ok(1000));
        assert_eq!(populate(&mut seed, "acct_contoso", 1200, 30), Ok(200));
        assert_eq!(seed.users.len(), before + 1200);
        seed.check().unwrap();
        assert!(populate(&mut seed, "nope", 1, 1).is_err());
    }
}
