//! What the window showed, kept by the shell while the window is closed: closing destroys the
//! webview (window.rs) and with it everything the page held, so the UI tells the shell where it
//! is as the user moves, and asks on load. In memory only: nothing here outlives the app, and it
//! holds ids, never a token or a user's data. A sign-in still waiting comes back with its
//! waiting dialog; one that ended while the window was closed shows in the list as usual.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use zoom_connections_engine::flows::FlowStarted;
use zoom_connections_engine::EngineError;

use crate::engine_state::AppEngine;

/// The page the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ViewPage {
    Connections,
    Settings,
    Users,
}

/// Where the user is, as the UI reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct RememberedView {
    pub page: ViewPage,
    /// The org shown (the list's org picker, or the org in Settings).
    pub org_id: Option<String>,
    /// The connection whose details (or Users view) were open.
    pub connection_id: Option<String>,
    /// The sign-in the waiting dialog was showing.
    pub flow_id: Option<String>,
}

/// What the window finds on load: the view, and the sign-in it was waiting for if Zoom's
/// redirect has not come yet (the URL is the shell's own copy, not the page's).
#[derive(Debug, Clone, Serialize, Type)]
pub struct RecalledView {
    pub view: RememberedView,
    pub flow: Option<FlowStarted>,
}

#[derive(Default)]
pub struct ViewMemory {
    view: Mutex<Option<RememberedView>>,
    /// The last sign-in the window started (begin_connect).
    flow: Mutex<Option<FlowStarted>>,
}

/// Ids are short; anything longer is not one of ours.
const MAX_ID: usize = 256;

impl ViewMemory {
    pub fn started(&self, flow: &FlowStarted) {
        if let Ok(mut slot) = self.flow.lock() {
            *slot = Some(flow.clone());
        }
    }

    fn remember(&self, view: RememberedView) -> bool {
        let too_long = [&view.org_id, &view.connection_id, &view.flow_id].iter().any(|id| id.as_ref().is_some_and(|s| s.len() > MAX_ID));
        if too_long {
            return false;
        }
        match self.view.lock() {
            Ok(mut slot) => {
                *slot = Some(view);
                true
            }
            Err(_) => false,
        }
    }

    /// The remembered view; its flow only while `pending` says the engine still waits for it.
    fn recall(&self, pending: impl Fn(&str) -> bool) -> Option<RecalledView> {
        let view = self.view.lock().ok()?.clone()?;
        let flow = match &view.flow_id {
            Some(id) if pending(id) => self.flow.lock().ok()?.clone().filter(|f| &f.flow_id == id),
            _ => None,
        };
        Some(RecalledView { view, flow })
    }
}

/// The UI reports where the user is (each page change, details opened, a sign-in started).
#[tauri::command]
#[specta::specta]
pub async fn remember_view(memory: State<'_, ViewMemory>, view: RememberedView) -> Result<bool, EngineError> {
    Ok(memory.remember(view))
}

/// The UI asks where it was when it loads: None on the app's first window.
#[tauri::command]
#[specta::specta]
pub async fn recall_view(memory: State<'_, ViewMemory>, engine: State<'_, AppEngine>) -> Result<Option<RecalledView>, EngineError> {
    // The page asks once it has loaded the list: `make bench` times a reopened window by this line.
    tracing::info!("window: the page is shown");
    let engine = engine.get().ok();
    Ok(memory.recall(|id| engine.as_ref().is_some_and(|e| e.is_flow_pending(id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(id: &str) -> FlowStarted {
        FlowStarted { flow_id: id.into(), authorize_url: format!("https://zoom.example/authorize?{id}"), redirect_uri: "r".into(), expires_at: 0 }
    }

    fn view(flow_id: Option<&str>) -> RememberedView {
        RememberedView { page: ViewPage::Users, org_id: Some("org".into()), connection_id: Some("c1".into()), flow_id: flow_id.map(Into::into) }
    }

    #[test]
    fn nothing_is_recalled_before_the_window_said_where_it_was() {
        assert!(ViewMemory::default().recall(|_| true).is_none());
    }

    #[test]
    fn the_view_comes_back_as_it_was_told() {
        let memory = ViewMemory::default();
        assert!(memory.remember(view(None)));
        let recalled = memory.recall(|_| true).unwrap();
        assert_eq!(recalled.view, view(None));
        assert!(recalled.flow.is_none());
    }

    #[test]
    fn a_waiting_sign_in_comes_back_only_while_the_engine_still_waits_for_it() {
        let memory = ViewMemory::default();
        memory.started(&flow("f1"));
        memory.remember(view(Some("f1")));
        assert_eq!(memory.recall(|id| id == "f1").unwrap().flow.unwrap().flow_id, "f1");
        // Zoom's redirect came (or the flow expired) while the window was closed.
        assert!(memory.recall(|_| false).unwrap().flow.is_none());
    }

    #[test]
    fn the_page_cannot_name_a_flow_the_shell_did_not_start() {
        let memory = ViewMemory::default();
        memory.started(&flow("f1"));
        memory.remember(view(Some("f2")));
        assert!(memory.recall(|_| true).unwrap().flow.is_none());
    }

    #[test]
    fn an_id_longer_than_any_of_ours_is_refused_and_the_last_view_kept() {
        let memory = ViewMemory::default();
        memory.remember(view(None));
        let mut odd = view(None);
        odd.connection_id = Some("x".repeat(MAX_ID + 1));
        assert!(!memory.remember(odd));
        assert_eq!(memory.recall(|_| true).unwrap().view, view(None));
    }
}
