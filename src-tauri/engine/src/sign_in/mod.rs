//! Signing in without the window, for a machine without a desktop (docs/cli.md, On a server).
//! Three ways, each ending in the same rules and store as the window's (`connect.rs`,
//! `finish_flow`):
//! - a browser on this machine: the loopback redirect, as the window does (`begin_create`);
//! - no browser here (`paste.rs`): the admin opens the authorize URL on any other device and
//!   pastes back the address their browser ended on. The loopback redirect fails there, but its
//!   address bar holds `code` and `state`, and the pasted address is checked exactly as the
//!   redirect would be: this flow's state, this flow's redirect address, the PKCE verifier only
//!   this process holds;
//! - the device authorization grant (`device.rs`, RFC 8628), where Zoom has enabled it for the
//!   org's app: a short code typed on any device, while this process polls.

pub mod device;
pub mod paste;
