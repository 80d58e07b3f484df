//! `zoom-connections connect`, `reconnect` and `delete` (docs/cli.md, On a server): the window's
//! New Connection, Reconnect and Delete from a terminal, with the same rules (the engine's).

use zoom_connections_engine::model::{Connection, ConnectionKind, Org};
use zoom_connections_engine::s2s::NewS2s;
use zoom_connections_engine::{EngineError, ErrorCode};

use crate::args::{ConnectArgs, DeleteArgs, ReconnectArgs};
use crate::setup_text::SetupText;
use crate::sign_in::{sign_in, Start};
use crate::text::fill;
use crate::{exit, open_engine};

/// The org named, or the only one there is (besides the built-in sandbox org).
fn pick_org(engine: &zoom_connections_engine::Engine, named: Option<&str>, t: &SetupText) -> Result<Org, EngineError> {
    if let Some(key) = named {
        return crate::orgs::find_org(engine, key);
    }
    // The built-in sandbox org is there on every machine: it counts only when it is alone.
    let orgs = engine.orgs();
    let own: Vec<Org> = orgs.iter().filter(|o| o.id != zoom_connections_engine::model::SANDBOX_ORG_ID).cloned().collect();
    match if own.is_empty() { orgs.as_slice() } else { own.as_slice() } {
        [] => Err(EngineError::new(ErrorCode::NotFound, t.no_org)),
        [one] => Ok(one.clone()),
        many => Err(EngineError::new(
            ErrorCode::InvalidSettings,
            fill(t.choose_org, &[("orgs", &many.iter().map(|o| o.id.as_str()).collect::<Vec<_>>().join(", "))]),
        )),
    }
}

fn report(conn: &Connection, org: &Org, json: bool, t: &SetupText) {
    if json {
        let summary = serde_json::json!({
            "schema_version": 1, "id": conn.id, "nickname": conn.nickname, "org": org.id,
            "email": conn.identity.email, "role": conn.identity.role_name, "account_id": conn.identity.account_id,
            "kind": conn.kind,
        });
        crate::actions::print_json(&summary);
        return;
    }
    let line = match conn.kind {
        ConnectionKind::ServerToServer => fill(t.s2s_connected, &[("nickname", &conn.nickname), ("org", &org.name), ("account", &conn.identity.account_id)]),
        _ => fill(
            t.connected,
            &[
                ("nickname", &conn.nickname),
                ("org", &org.name),
                ("email", &conn.identity.email),
                ("role", t.role(&conn.identity.role_name)),
                ("account", &conn.identity.account_id),
            ],
        ),
    };
    println!("{line}");
}

pub(crate) async fn connect(args: ConnectArgs) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    let t = SetupText::current();
    let org = pick_org(&engine, args.org.as_deref(), t)?;
    if args.server_to_server {
        let secret = crate::orgs::client_secret(args.client_secret_file.as_deref(), args.client_secret_stdin, t)?
            .ok_or_else(|| EngineError::new(ErrorCode::InvalidSettings, t.secret_needed))?;
        let new = NewS2s {
            org_id: org.id.clone(),
            nickname: args.nickname,
            account_id: args.account_id.unwrap_or_default(),
            client_id: args.client_id.unwrap_or_default(),
        };
        let conn = engine.create_s2s(new, secret).await?;
        report(&conn, &org, args.json, t);
        return Ok(exit::OK);
    }
    // Checked before Zoom is asked: a taken nickname should not cost a sign-in.
    let nickname = engine.check_nickname(&org.id, &args.nickname, None)?;
    let outcome = sign_in(&engine, &org, Start::New { org_id: org.id.clone(), nickname }, args.sign_in, t).await?;
    report(&outcome.connection, &org, args.json, t);
    Ok(exit::OK)
}

pub(crate) async fn reconnect(args: ReconnectArgs) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    let t = SetupText::current();
    let conn = engine.find_connection(&args.connection)?;
    let org = engine.org(&conn.org_id)?;
    let outcome = sign_in(&engine, &org, Start::Reconnect { connection_id: conn.id.clone() }, args.sign_in, t).await?;
    report(&outcome.connection, &org, false, t);
    Ok(exit::OK)
}

pub(crate) async fn delete(args: DeleteArgs) -> Result<i32, EngineError> {
    let engine = open_engine()?;
    let t = SetupText::current();
    let conn = engine.find_connection(&args.connection)?;
    let org = engine.org(&conn.org_id)?;
    if !args.yes {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            eprintln!("zoom-connections: {}", t.delete_needs_yes);
            return Ok(exit::USAGE);
        }
        eprint!("{}", fill(t.delete_confirm, &[("nickname", &conn.nickname), ("org", &org.name), ("email", &conn.identity.email)]));
        let answer = crate::secret_store::stdin_lines::next().unwrap_or_default();
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "はい") {
            println!("{}", t.not_deleted);
            return Ok(exit::FAILURE);
        }
    }
    if args.local_only {
        let warning = engine.delete_locally(&conn.id).await?;
        println!("{warning}");
    } else {
        engine.delete(&conn.id).await?;
        println!("{}", fill(t.deleted, &[("nickname", &conn.nickname)]));
    }
    Ok(exit::OK)
}
