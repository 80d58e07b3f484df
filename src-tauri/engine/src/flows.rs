//! Authorizations in progress: one per `state`, expiring after 10 minutes, usable once.

use std::collections::HashMap;

use oauth2::PkceCodeVerifier;
use serde::Serialize;

use crate::error::{EngineError, ErrorCode, Result};
use crate::loopback::LoopbackListener;
use crate::model::{ConnectionId, OrgId};

/// Pending flows expire after 10 minutes (docs/architecture.md, How a deep link becomes a connection).
pub const FLOW_LIFETIME: i64 = 10 * 60;

pub type FlowId = String;

pub struct PendingFlow {
    pub id: FlowId,
    pub org_id: OrgId,
    pub nickname: String,
    /// Reconnect in place: the connection whose tokens the new grant replaces.
    pub reconnect_of: Option<ConnectionId>,
    pub redirect_uri: String,
    pub verifier: PkceCodeVerifier,
    pub created_at: i64,
    /// The one-shot listener of a loopback flow; dropping the flow stops it.
    pub listener: Option<LoopbackListener>,
}

// By hand: the verifier must never be printed.
impl std::fmt::Debug for PendingFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingFlow")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("reconnect_of", &self.reconnect_of)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// What the shell tells the UI about a flow it started.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct FlowStarted {
    pub flow_id: FlowId,
    /// Opened in the system browser; shown so that the user can copy it.
    pub authorize_url: String,
    pub redirect_uri: String,
    pub expires_at: i64,
    /// Where it signs in, and which connection it reconnects: the waiting dialog says them,
    /// also when the window is opened again while it waits.
    pub org_id: String,
    pub reconnect_of: Option<String>,
}

#[derive(Default)]
pub struct Flows {
    by_state: HashMap<String, PendingFlow>,
}

impl Flows {
    /// The redirect address of a pending flow.
    pub fn redirect_of(&self, flow_id: &str) -> Option<String> {
        self.by_state.values().find(|f| f.id == flow_id).map(|f| f.redirect_uri.clone())
    }

    /// The flow a state belongs to, left pending.
    pub fn flow_of(&self, state: &str) -> Option<&str> {
        self.by_state.get(state).map(|f| f.id.as_str())
    }

    pub fn insert(&mut self, state: String, flow: PendingFlow) {
        self.by_state.insert(state, flow);
    }

    /// Takes the flow of a callback's `state`: it works once, and only while fresh.
    pub fn take(&mut self, state: &str, now: i64) -> Result<PendingFlow> {
        let flow = self.by_state.remove(state).ok_or_else(|| {
            EngineError::new(
                ErrorCode::StateMismatch,
                "This sign-in response does not belong to a sign-in in progress (it was already used, was \
                 cancelled, or did not come from this app). Nothing was changed.",
            )
        })?;
        if now - flow.created_at >= FLOW_LIFETIME {
            return Err(EngineError::new(ErrorCode::FlowExpired, "This sign-in took longer than 10 minutes and expired. Nothing was changed; start again."));
        }
        Ok(flow)
    }

    pub fn cancel(&mut self, flow_id: &str) -> bool {
        let before = self.by_state.len();
        self.by_state.retain(|_, f| f.id != flow_id);
        before != self.by_state.len()
    }

    /// Drops expired flows (and with them their loopback listeners); returns their ids.
    pub fn prune(&mut self, now: i64) -> Vec<FlowId> {
        let expired: Vec<String> = self.by_state.iter().filter(|(_, f)| now - f.created_at >= FLOW_LIFETIME).map(|(s, _)| s.clone()).collect();
        expired.iter().filter_map(|s| self.by_state.remove(s)).map(|f| f.id).collect()
    }

    /// Pending and not expired: an expired flow waiting to be pruned is not opened again.
    pub fn is_pending(&self, flow_id: &str, now: i64) -> bool {
        self.by_state.values().any(|f| f.id == flow_id && now - f.created_at < FLOW_LIFETIME)
    }

    pub fn len(&self) -> usize {
        self.by_state.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_state.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(id: &str, created_at: i64) -> PendingFlow {
        PendingFlow {
            id: id.into(),
            org_id: "o".into(),
            nickname: "n".into(),
            reconnect_of: None,
            redirect_uri: "r".into(),
            verifier: PkceCodeVerifier::new("v".repeat(43)),
            created_at,
            listener: None,
        }
    }

    #[test]
    fn a_state_works_once_and_only_while_fresh() {
        let mut flows = Flows::default();
        flows.insert("s1".into(), flow("f1", 1000));
        flows.insert("s2".into(), flow("f2", 1000));
        assert_eq!(flows.take("nope", 1001).unwrap_err().code, ErrorCode::StateMismatch);
        assert_eq!(flows.take("s1", 1001).unwrap().id, "f1");
        assert_eq!(flows.take("s1", 1001).unwrap_err().code, ErrorCode::StateMismatch);
        assert_eq!(flows.take("s2", 1000 + FLOW_LIFETIME).unwrap_err().code, ErrorCode::FlowExpired);
    }

    #[test]
    fn cancel_and_prune() {
        let mut flows = Flows::default();
        flows.insert("s1".into(), flow("f1", 0));
        flows.insert("s2".into(), flow("f2", 500));
        assert!(flows.cancel("f2"));
        assert!(!flows.cancel("f2"));
        assert_eq!(flows.prune(FLOW_LIFETIME), vec!["f1".to_string()]);
        assert!(flows.is_empty());
    }
}
