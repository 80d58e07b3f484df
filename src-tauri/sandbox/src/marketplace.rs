//! The sandbox's copy of Zoom App Marketplace → Manage → Added Apps: the page the app's
//! "Uninstall from Zoom" button opens. Removing an app here is the same uninstall as the control
//! API's (`POST /_sandbox/uninstall`): every active grant of that user and app stops working, and
//! the app only learns it at its next call (docs/zoom.md, Deauthorization).
//! The real page is behind Zoom's sign-in; the sandbox lists every user's apps on one page.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::pages::{escape, page};
use crate::state::{GrantStatus, Shared};

pub const PATH: &str = "/marketplace/added-apps";

pub async fn added_apps(State(shared): State<Arc<Shared>>) -> Html<String> {
    let inner = shared.lock();
    // One row per (user, app) with an active grant, as the real page lists installed apps.
    let installed: BTreeSet<(String, String)> =
        inner.grants.iter().filter(|g| g.status == GrantStatus::Active).map(|g| (g.user_id.clone(), g.client_id.clone())).collect();
    let mut rows = String::new();
    for (user_id, client_id) in &installed {
        let email = inner.seed.users.iter().find(|u| &u.id == user_id).map(|u| u.email.as_str()).unwrap_or(user_id);
        let app = inner.seed.apps.iter().find(|a| &a.client_id == client_id).map(|a| a.name.as_str()).unwrap_or(client_id);
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><form method=\"post\" action=\"{PATH}\">\
             <input type=\"hidden\" name=\"form_token\" value=\"{}\">\
             <input type=\"hidden\" name=\"user_id\" value=\"{}\"><input type=\"hidden\" name=\"client_id\" value=\"{}\">\
             <button type=\"submit\" class=\"secondary\" aria-label=\"Remove {} for {}\">Remove</button></form></td></tr>",
            escape(app),
            escape(email),
            escape(&shared.form_token),
            escape(user_id),
            escape(client_id),
            escape(app),
            escape(email),
        ));
    }
    let table = if rows.is_empty() {
        "<p class=\"muted\" id=\"no-apps\">No apps are added.</p>".to_string()
    } else {
        format!("<table><thead><tr><th>App</th><th>User</th><th></th></tr></thead><tbody>{rows}</tbody></table>")
    };
    page(
        "Added Apps",
        &format!(
            "<main class=\"wide\"><p class=\"brand\">zoom sandbox · App Marketplace</p><h1>Manage › Added Apps</h1>\
             <p class=\"muted\">Removing an app deauthorizes it for that user: its tokens stop working at once.</p>{table}</main>"
        ),
    )
}

#[derive(Deserialize)]
pub struct Remove {
    /// This run's form token (state.rs): only the page itself can post the form.
    form_token: String,
    user_id: String,
    client_id: String,
}

pub async fn remove(State(shared): State<Arc<Shared>>, Form(r): Form<Remove>) -> Response {
    if r.form_token != shared.form_token {
        return (axum::http::StatusCode::FORBIDDEN, "This form did not come from the Added Apps page.").into_response();
    }
    let n = shared.lock().uninstall(&r.user_id, &r.client_id);
    tracing::info!(user = %r.user_id, client_id = %r.client_id, grants = n, "sandbox: app removed in Added Apps");
    Redirect::to(PATH).into_response()
}
