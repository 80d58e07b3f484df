//! The HTML pages a person sees at the sandbox: sign-in (four ways), Pre-Approve, Authorize,
//! errors, and the index that lists what is seeded. Plain forms, so that a test can drive them
//! with HTTP posts and a browser needs no script.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::seed::Seed;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;background:#f4f6f9;margin:0;color:#1c1f24}\
main{max-width:440px;margin:48px auto;background:#fff;border:1px solid #dde1e6;border-radius:12px;padding:28px 32px}\
h1{font-size:20px;margin:0 0 4px}.brand{color:#0b5cd5;font-weight:700;letter-spacing:.5px}\
label{display:block;margin:12px 0 4px}input[type=email],input[type=password],input[type=text]{width:100%;padding:8px;box-sizing:border-box}\
button{padding:9px 16px;margin:10px 8px 0 0;border-radius:8px;border:1px solid #0b5cd5;background:#0b5cd5;color:#fff;font-size:15px;cursor:pointer}\
button.secondary{background:#fff;color:#0b5cd5}.alt button{width:100%;background:#fff;color:#1c1f24;border-color:#c5cbd3}\
.error{background:#fdecec;color:#8a1f1f;padding:8px 12px;border-radius:6px}.muted{color:#5c6470;font-size:13px}.hint{background:#fff4d6;color:#5a4300;padding:8px 12px;border-radius:6px;font-size:13px}\
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #e5e8ec;padding:4px 6px;text-align:left}\
main.wide{max-width:980px}";

pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} - Zoom sandbox</title>\
         <style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    ))
}

fn error_box(error: Option<&str>) -> String {
    error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default()
}

fn hidden_req(req: &str) -> String {
    format!("<input type=\"hidden\" name=\"req\" value=\"{}\">", escape(req))
}

pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<main><p class=\"brand\">zoom sandbox</p><h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>\
         <p class=\"muted\">No redirect was made.</p></main>",
        escape(title),
        escape(message)
    );
    (status, page(title, &body)).into_response()
}

pub fn sign_in(req: &str, app_name: &str, error: Option<&str>) -> Html<String> {
    let r = escape(req);
    page(
        "Sign In",
        &format!(
            "<main><p class=\"brand\">zoom sandbox</p><h1>Sign In</h1>\
             <p class=\"muted\">to continue to {app}</p>{err}\
             <form method=\"post\" action=\"/oauth/signin\">{hidden}\
             <label for=\"email\">Email Address</label><input id=\"email\" type=\"email\" name=\"email\" required autofocus>\
             <label for=\"password\">Password</label><input id=\"password\" type=\"password\" name=\"password\" required>\
             <label><input type=\"checkbox\" name=\"robot\" value=\"yes\"> I'm not a robot</label>\
             <button type=\"submit\">Sign In</button></form>\
             <p class=\"hint\" data-testid=\"sandbox-who\">This is the sandbox, not Zoom: sign in as <b>owner@contoso.example</b> \
             or <b>admin@contoso.example</b> with the password <b>sandbox</b>, and tick \"I'm not a robot\". \
             <a href=\"/\">Every sandbox user</a> is listed on its home page.</p>\
             <p class=\"muted\">or sign in with</p><div class=\"alt\">\
             <form method=\"get\" action=\"/oauth/signin/sso\"><input type=\"hidden\" name=\"req\" value=\"{r}\"><button>SSO</button></form>\
             <form method=\"get\" action=\"/oauth/signin/google\"><input type=\"hidden\" name=\"req\" value=\"{r}\"><button>Google</button></form>\
             <form method=\"get\" action=\"/oauth/signin/facebook\"><input type=\"hidden\" name=\"req\" value=\"{r}\"><button>Facebook</button></form>\
             </div></main>",
            app = escape(app_name),
            err = error_box(error),
            hidden = hidden_req(req),
        ),
    )
}

pub fn sso_domain(req: &str, error: Option<&str>) -> Html<String> {
    page(
        "Sign In with SSO",
        &format!(
            "<main><p class=\"brand\">zoom sandbox</p><h1>Sign In with SSO</h1>{err}\
             <form method=\"post\" action=\"/oauth/signin/sso\">{hidden}\
             <label for=\"domain\">Company Domain</label><input id=\"domain\" type=\"text\" name=\"domain\" required autofocus>\
             <p class=\"muted\">.zoom.us</p><button type=\"submit\">Continue</button></form></main>",
            err = error_box(error),
            hidden = hidden_req(req),
        ),
    )
}

/// An identity chooser: the simulated Google, Facebook or SSO identity provider.
pub fn chooser(req: &str, provider: &str, heading: &str, choices: &[(String, String)]) -> Html<String> {
    let mut items = String::new();
    for (user_id, label) in choices {
        items.push_str(&format!(
            "<form method=\"post\" action=\"/oauth/signin/choose\">{hidden}\
             <input type=\"hidden\" name=\"provider\" value=\"{p}\"><input type=\"hidden\" name=\"user_id\" value=\"{u}\">\
             <button>{l}</button></form>",
            hidden = hidden_req(req),
            p = escape(provider),
            u = escape(user_id),
            l = escape(label),
        ));
    }
    if choices.is_empty() {
        items.push_str("<p class=\"muted\">No identities here.</p>");
    }
    page(heading, &format!("<main><p class=\"brand\">{}</p><h1>Choose an account</h1><div class=\"alt\">{items}</div></main>", escape(heading)))
}

pub fn pre_approve(req: &str, app_name: &str, account_name: &str, email: &str) -> Html<String> {
    page(
        "Pre-Approve",
        &format!(
            "<main><p class=\"brand\">zoom sandbox</p><h1>Pre-Approve {app}</h1>\
             <p>Signed in as <b>{email}</b> ({account}).</p>\
             <p>Pre-approve this app so that users of your account may add it.</p>\
             <form method=\"post\" action=\"/oauth/preapprove\">{hidden}<button>Pre-Approve</button></form></main>",
            app = escape(app_name),
            email = escape(email),
            account = escape(account_name),
            hidden = hidden_req(req),
        ),
    )
}

pub fn consent(req: &str, app_name: &str, scopes: &[String]) -> Html<String> {
    let list: String = scopes.iter().map(|s| format!("<li><code>{}</code></li>", escape(s))).collect();
    page(
        "Authorize",
        &format!(
            "<main><p class=\"brand\">zoom sandbox</p><h1>{app} would like to access your Zoom account</h1>\
             <p>It asks for these scopes:</p><ul>{list}</ul>\
             <form method=\"post\" action=\"/oauth/consent\">{hidden}\
             <button name=\"decision\" value=\"authorize\">Authorize</button>\
             <button class=\"secondary\" name=\"decision\" value=\"decline\">Decline</button></form></main>",
            app = escape(app_name),
            hidden = hidden_req(req),
        ),
    )
}

pub fn index(seed: &Seed, base_url: &str) -> Html<String> {
    let mut users = String::new();
    for u in &seed.users {
        let account = seed.account(&u.account_id).map(|a| a.name.as_str()).unwrap_or("?");
        let kind = match u.user_type {
            1 => "Basic",
            2 => "Licensed",
            3 => "On-Prem",
            4 => "Unassigned",
            99 => "None",
            _ => "Other",
        };
        let mut ways = vec!["password".to_string()];
        if seed.account(&u.account_id).and_then(|a| a.sso_domain.as_ref()).is_some() {
            ways.push("SSO".into());
        }
        if let Some(g) = &u.google {
            ways.push(format!("Google ({g})"));
        }
        if let Some(f) = &u.facebook {
            ways.push(format!("Facebook ({f})"));
        }
        users.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&u.email),
            escape(&u.password),
            escape(&u.role_name),
            kind,
            escape(&u.status),
            escape(account),
            escape(&ways.join(", "))
        ));
    }
    let mut apps = String::new();
    for a in &seed.apps {
        apps.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.client_id),
            if a.is_public() { "public (PKCE)" } else { "confidential" },
            escape(&a.redirect_uris.join(" ")),
            if a.strict_mode { "strict" } else { "base URLs allowed" },
            escape(&a.scopes.join(" "))
        ));
    }
    page(
        "Zoom sandbox",
        &format!(
            "<main class=\"wide\"><p class=\"brand\">zoom sandbox</p><h1>Zoom sandbox</h1>\
             <p>An emulator of Zoom's OAuth and API endpoints at <code>{base}</code>, used by Zoom Connections in \
             sandbox mode and by its tests. Sign in with any of these users:</p>\
             <table><tr><th>email</th><th>password</th><th>role</th><th>type</th><th>status</th><th>account</th><th>sign-in</th></tr>{users}</table>\
             <h2>Registered Zoom apps</h2>\
             <table><tr><th>client id</th><th>kind</th><th>redirect allow list</th><th>matching</th><th>scopes</th></tr>{apps}</table>\
             <p class=\"muted\">SSO company domains: {domains}.</p></main>",
            base = escape(base_url),
            domains = escape(&seed.accounts.iter().filter_map(|a| a.sso_domain.clone()).collect::<Vec<_>>().join(", ")),
        ),
    )
}
