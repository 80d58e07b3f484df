//! A person at the browser, for tests and benchmarks of clients: given an authorize URL, goes
//! through the sandbox's pages with plain HTTP (one of the four sign-in choices, Pre-Approve,
//! Authorize or Decline) and returns the redirect the browser would follow.

use reqwest::redirect::Policy;
use url::Url;

/// How the person signs in.
#[derive(Debug, Clone)]
pub enum SignIn {
    Password { email: String, password: String },
    Sso { domain: String, user_id: String },
    Google { user_id: String },
    Facebook { user_id: String },
}

impl SignIn {
    pub fn password(email: &str) -> Self {
        SignIn::Password { email: email.into(), password: "sandbox".into() }
    }
}

pub struct UserAgent {
    http: reqwest::Client,
}

impl Default for UserAgent {
    fn default() -> Self {
        Self::new()
    }
}

fn request_id(html: &str) -> Result<String, String> {
    let marker = "name=\"req\" value=\"";
    let start = html.find(marker).ok_or("the page has no sign-in request (an error page?)")? + marker.len();
    Ok(html[start..].split('"').next().unwrap_or_default().to_string())
}

impl UserAgent {
    pub fn new() -> Self {
        // Redirects are not followed: the last one leads to the app, which is the result.
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap_or_default();
        Self { http }
    }

    /// Goes from the authorize URL to the final redirect (`…?code=…&state=…` or
    /// `…?error=access_denied…`).
    pub async fn authorize(&self, authorize_url: &str, sign_in: &SignIn, approve: bool) -> Result<Url, String> {
        let err = |e: reqwest::Error| e.to_string();
        let base = Url::parse(authorize_url).map_err(|e| e.to_string())?;
        let mut page = self.http.get(authorize_url).send().await.map_err(err)?;
        // Zoom sends a browser that is not signed in on to its sign-in page.
        if page.status().is_redirection() {
            let location = page.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            page = self.http.get(base.join(&location).map_err(|e| e.to_string())?).send().await.map_err(err)?;
        }
        let done = self.through_pages(&base, page, sign_in, approve).await?;
        let location =
            done.headers().get("location").and_then(|v| v.to_str().ok()).ok_or_else(|| format!("no redirect after Authorize: HTTP {}", done.status()))?;
        Url::parse(location).map_err(|e| e.to_string())
    }

    /// The device sign-in (RFC 8628) as the admin does it on their phone: opens the verification
    /// page, types the user code, signs in and decides. Returns the page's heading ("Device
    /// connected" or "Not connected").
    pub async fn authorize_device(&self, verification_uri: &str, user_code: &str, sign_in: &SignIn, approve: bool) -> Result<String, String> {
        let err = |e: reqwest::Error| e.to_string();
        let base = Url::parse(verification_uri).map_err(|e| e.to_string())?;
        let form = self.http.get(verification_uri).send().await.map_err(err)?;
        if !form.status().is_success() {
            return Err(format!("verification page: HTTP {}", form.status()));
        }
        let typed = self.http.post(verification_uri).form(&[("user_code", user_code)]).send().await.map_err(err)?;
        let location =
            typed.headers().get("location").and_then(|v| v.to_str().ok()).ok_or_else(|| format!("user code refused: HTTP {}", typed.status()))?.to_string();
        let page = self.http.get(base.join(&location).map_err(|e| e.to_string())?).send().await.map_err(err)?;
        let done = self.through_pages(&base, page, sign_in, approve).await?;
        let html = done.text().await.map_err(err)?;
        let heading = html.split("<h1>").nth(1).and_then(|h| h.split("</h1>").next()).unwrap_or_default();
        Ok(heading.to_string())
    }

    /// From the sign-in page to the answer to Authorize or Decline.
    async fn through_pages(&self, base: &Url, page: reqwest::Response, sign_in: &SignIn, approve: bool) -> Result<reqwest::Response, String> {
        let err = |e: reqwest::Error| e.to_string();
        let at = |path: &str| base.join(path).map(|u| u.to_string()).map_err(|e| e.to_string());
        if !page.status().is_success() {
            let status = page.status();
            return Err(format!("authorize page: HTTP {status}: {}", page.text().await.unwrap_or_default()));
        }
        let req = request_id(&page.text().await.map_err(err)?)?;
        let r = req.as_str();
        let signed_in = match sign_in {
            SignIn::Password { email, password } => {
                let form = [("req", r), ("email", email), ("password", password), ("robot", "yes")];
                self.http.post(at("/oauth/signin")?).form(&form).send().await.map_err(err)?
            }
            SignIn::Sso { domain, user_id } => {
                self.http.post(at("/oauth/signin/sso")?).form(&[("req", r), ("domain", domain)]).send().await.map_err(err)?;
                let form = [("req", r), ("provider", "sso"), ("user_id", user_id)];
                self.http.post(at("/oauth/signin/choose")?).form(&form).send().await.map_err(err)?
            }
            SignIn::Google { user_id } | SignIn::Facebook { user_id } => {
                let provider = if matches!(sign_in, SignIn::Google { .. }) { "google" } else { "facebook" };
                self.http.get(at(&format!("/oauth/signin/{provider}?req={r}"))?).send().await.map_err(err)?;
                let form = [("req", r), ("provider", provider), ("user_id", user_id)];
                self.http.post(at("/oauth/signin/choose")?).form(&form).send().await.map_err(err)?
            }
        };
        if !signed_in.status().is_redirection() {
            // What the person reads on Zoom's page (an error shown only after sign-in).
            let status = signed_in.status();
            let page = signed_in.text().await.unwrap_or_default();
            return Err(format!("sign-in refused: HTTP {status}: {page}"));
        }
        self.http.post(at("/oauth/preapprove")?).form(&[("req", r)]).send().await.map_err(err)?;
        let decision = if approve { "authorize" } else { "decline" };
        let done = self.http.post(at("/oauth/consent")?).form(&[("req", r), ("decision", decision)]).send().await.map_err(err)?;
        Ok(done)
    }
}
