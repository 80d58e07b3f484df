//! Where Zoom's pages disagree or say nothing, which reading the sandbox plays (control API
//! `settings`; docs/zoom.md says which pages say what; README.md, Behaviour).

/// The readings of Zoom's behaviour that the sandbox can switch between.
#[derive(Debug, Clone, Default)]
pub struct Readings {
    /// An authorize request with a bad redirect URL or scopes goes to the sign-in page first,
    /// and its error page shows only after sign-in (other integrations report this order);
    /// off: the error page at once.
    pub authorize_errors_after_sign_in: bool,
    /// A Member may authorize an admin-managed app; off (Zoom's pages): Zoom's page refuses
    /// them at sign-in, "An account admin is required to install this type of app".
    pub members_authorize_admin_apps: bool,
    /// Refresh tokens end after this many seconds (Zoom: 15 years in one place, ~90 days in
    /// another), counted from the grant or from each rotation; None: never.
    pub refresh_token_lifetime: Option<(i64, LifetimeFrom)>,
    /// The token endpoint knows the device grant as `device_auth` (the name on Zoom's error
    /// page) and not as RFC 8628's URN; off: the URN (Zoom's examples).
    pub device_grant_named_device_auth: bool,
    /// A refresh token rotated out less than this many seconds ago gets the answer its rotation
    /// got, again (the grace some OAuth servers give a lost answer; docs/zoom.md, Tokens: Zoom
    /// documents none, and its staff say the old token dies at once); None (Zoom's words): dead.
    pub refresh_reuse_grace: Option<i64>,
}

/// What a refresh token's fixed lifetime is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifetimeFrom {
    Grant,
    Rotation,
}
