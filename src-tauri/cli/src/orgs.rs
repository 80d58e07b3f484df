//! `zoom-connections orgs add|list|check|remove` (docs/cli.md, On a server): the window's org
//! settings from a terminal, with the same checks (`Engine::save_org`). A client secret comes
//! from a file, standard input or a prompt, never from an argument (which `ps` shows).

use zoom_connections_engine::model::{Org, RedirectMode};
use zoom_connections_engine::scopes::Capability;
use zoom_connections_engine::secret::Secret;
use zoom_connections_engine::setup_check::{SetupPart, SetupProblem};
use zoom_connections_engine::{registered_redirect_url, EngineError, ErrorCode};

use crate::args::{Cloud, OrgAddArgs, OrgsAction, OrgsArgs, RedirectKind};
use crate::setup_text::SetupText;
use crate::text::fill;
use crate::{exit, open_engine};

pub(crate) async fn run(args: OrgsArgs) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    let t = SetupText::current();
    match args.action {
        OrgsAction::List { json } => {
            let orgs = engine.orgs();
            let connections = engine.connections();
            if json {
                let rows: Vec<serde_json::Value> = orgs
                    .iter()
                    .map(|o| {
                        serde_json::json!({
                            "id": o.id, "name": o.name, "client_id": o.client_id, "confidential": o.confidential,
                            "sandbox": o.sandbox, "auth_base": o.auth_base, "redirect_url": registered_redirect_url(o),
                            "connections": connections.iter().filter(|c| c.org_id == o.id).count(),
                        })
                    })
                    .collect();
                crate::actions::print_json(&serde_json::json!({ "schema_version": 1, "orgs": rows }));
                return Ok(exit::OK);
            }
            if orgs.is_empty() {
                println!("{}", t.no_orgs);
                return Ok(exit::OK);
            }
            let rows: Vec<[String; 6]> = orgs
                .iter()
                .map(|o| {
                    let cloud =
                        if o.sandbox { t.sandbox_cloud.to_string() } else { o.auth_base.trim_start_matches("https://").trim_end_matches('/').to_string() };
                    let n = connections.iter().filter(|c| c.org_id == o.id).count();
                    [o.id.clone(), o.name.clone(), cloud, o.client_id.clone(), registered_redirect_url(o), n.to_string()]
                })
                .collect();
            println!("{}", crate::table::render(t.orgs_headers, &rows).trim_end());
            Ok(exit::OK)
        }
        OrgsAction::Add(add) => {
            let (org, secret) = new_org(add, t)?;
            let saved = engine.save_org(org, secret)?;
            println!("{}", fill(t.org_added, &[("name", &saved.name), ("id", &saved.id), ("redirect", &registered_redirect_url(&saved))]));
            Ok(exit::OK)
        }
        OrgsAction::Check { org } => {
            let org = find_org(&engine, &org)?;
            let check = engine.check_org_settings(&org.id).await?;
            match check.problem {
                None => {
                    let parts: Vec<&str> = check.at_sign_in.iter().map(|p| t.parts[part_index(*p)]).collect();
                    println!("{}", fill(t.check_ok, &[("parts", &parts.join(", "))]));
                    Ok(exit::OK)
                }
                Some(problem) => {
                    println!("{}", fill(t.check_problem, &[("problem", &describe(&problem))]));
                    Ok(exit::FAILURE)
                }
            }
        }
        OrgsAction::Remove { org } => {
            let org = find_org(&engine, &org)?;
            engine.remove_org(&org.id)?;
            println!("{}", fill(t.org_removed, &[("name", &org.name)]));
            Ok(exit::OK)
        }
    }
}

fn part_index(p: SetupPart) -> usize {
    match p {
        SetupPart::RedirectUrl => 0,
        SetupPart::AppType => 1,
        SetupPart::Scopes => 2,
        SetupPart::ClientSecret => 3,
        SetupPart::Role => 4,
        SetupPart::ScimAccount => 5,
    }
}

/// Zoom's refusal, as the engine read it (its codes are documented in docs/zoom.md).
fn describe(p: &SetupProblem) -> String {
    match p {
        SetupProblem::UnknownClientId => "Invalid client_id (4702): check the client ID".into(),
        SetupProblem::RedirectNotRegistered { redirect_url } => {
            format!("Invalid redirect (4700): add {redirect_url} to the app's redirect URLs and allow list")
        }
        SetupProblem::UserManagedApp { scope } => format!("{scope} needs an admin-managed app"),
        SetupProblem::ScopeNotOnApp => "a required scope is not on the app".into(),
        SetupProblem::NoClientSecret => "the client secret is missing".into(),
        SetupProblem::Unreachable { detail, .. } => format!("Zoom could not be reached: {detail}"),
        SetupProblem::Unrecognized { status, excerpt } => format!("HTTP {status}: {excerpt}"),
    }
}

/// An org by id or name (case-insensitive).
pub(crate) fn find_org(engine: &zoom_connections_engine::Engine, key: &str) -> Result<Org, EngineError> {
    let orgs = engine.orgs();
    orgs.iter().find(|o| o.id == key).or_else(|| orgs.iter().find(|o| o.name.eq_ignore_ascii_case(key.trim()))).cloned().ok_or_else(|| {
        EngineError::new(ErrorCode::NotFound, format!("No org is called {} (see: zoom-connections orgs list).", zoom_connections_engine::summary::quoted(key)))
    })
}

/// An id from a name: lower-case letters and digits, others as `-`.
fn id_from(name: &str) -> String {
    let id: String = name.trim().chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let id = id.trim_matches('-').chars().take(64).collect::<String>();
    if id.is_empty() {
        format!("org-{}", std::process::id())
    } else {
        id
    }
}

/// The client secret from where the admin put it.
pub(crate) fn client_secret(file: Option<&std::path::Path>, stdin: bool, t: &SetupText) -> Result<Option<Secret>, EngineError> {
    let secret = if let Some(path) = file {
        // A client secret is a line; a larger "file" (a device, a log) is not read whole.
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| std::io::Read::read_to_string(&mut std::io::Read::take(f, 4096), &mut text))
            .map_err(|e| EngineError::new(ErrorCode::InvalidSettings, format!("{}: {e}", path.display())))?;
        Some(text.lines().next().unwrap_or("").trim().to_string())
    } else if stdin {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            Some(rpassword::prompt_password(t.secret_prompt).map_err(|e| EngineError::new(ErrorCode::InvalidSettings, e.to_string()))?)
        } else {
            crate::secret_store::stdin_lines::next()
        }
    } else {
        None
    };
    match secret {
        Some(s) if s.trim().is_empty() => Err(EngineError::new(ErrorCode::InvalidSettings, t.secret_needed)),
        Some(s) => Ok(Some(Secret::new(s.trim()))),
        None => Ok(None),
    }
}

fn new_org(add: OrgAddArgs, t: &SetupText) -> Result<(Org, Option<Secret>), EngineError> {
    let secret = client_secret(add.client_secret_file.as_deref(), add.client_secret_stdin, t)?;
    let (auth_base, api_base) = match (add.sandbox, add.cloud) {
        (true, _) => (String::new(), String::new()),
        (false, Cloud::Zoom) => ("https://zoom.us".to_string(), "https://api.zoom.us".to_string()),
        (false, Cloud::Zoomgov) => ("https://zoomgov.com".to_string(), "https://api.zoomgov.com".to_string()),
    };
    let redirect = match (&add.relay_url, add.redirect) {
        (Some(url), _) => RedirectMode::Relay { url: url.trim().to_string() },
        (None, RedirectKind::Loopback) => RedirectMode::Loopback,
        (None, RedirectKind::DeepLink) => RedirectMode::DeepLink,
    };
    let mut required = vec![Capability::ManageUsers];
    if add.scim {
        required.push(Capability::Scim);
    }
    let org = Org {
        id: add.id.unwrap_or_else(|| id_from(&add.name)),
        name: add.name.trim().to_string(),
        client_id: add.client_id.trim().to_string(),
        confidential: secret.is_some(),
        auth_base,
        api_base,
        redirect,
        required,
        extra_scopes: Vec::new(),
        sandbox: add.sandbox,
    };
    Ok((org, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_made_of_the_name_in_what_ids_allow() {
        assert_eq!(id_from("Contoso Ltd."), "contoso-ltd");
        assert_eq!(id_from("  ACME/EU "), "acme-eu");
        assert!(id_from("日本").starts_with("org-"));
    }
}
