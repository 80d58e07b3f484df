//! What the window showed, kept by the shell while the window is closed: closing destroys the
//! webview (window.rs) and with it everything the page held, so the UI tells the shell where it
//! is as the user moves, and asks on load. In memory only: nothing here outlives the app. It
//! holds ids, the last sign-in the window started (its authorize URL, with that flow's `state`,
//! which the page showed anyway) and how that sign-in ended — never a token or a user's data.
//! A sign-in still waiting comes back with its waiting dialog; one that ended while the window
//! was closed (or while the new page loaded) comes back as its outcome, once the page asks.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use zoom_connections_engine::flows::FlowStarted;
use zoom_connections_engine::EngineError;

use crate::engine_state::AppEngine;
use crate::ipc::FlowEnded;

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
/// redirect has not come yet (the URL is the shell's own copy, not the page's), or else how
/// that sign-in ended.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RecalledView {
    pub view: RememberedView,
    pub flow: Option<FlowStarted>,
    pub ended: Option<FlowEnded>,
}

#[derive(Default)]
pub struct ViewMemory {
    view: Mutex<Option<RememberedView>>,
    /// The last sign-in the window started (begin_connect).
    flow: Mutex<Option<FlowStarted>>,
    /// How that sign-in ended.
    ended: Mutex<Option<FlowEnded>>,
}

/// Ids are short; anything longer is not one of ours.
const MAX_ID: usize = 256;

impl ViewMemory {
    pub fn started(&self, flow: &FlowStarted) {
        if let Ok(mut slot) = self.flow.lock() {
            *slot = Some(flow.clone());
        }
        if let Ok(mut slot) = self.ended.lock() {
            *slot = None;
        }
    }

    /// The sign-in page of the flow the window started, for *Open in browser again*: only that
    /// flow's own address, never one the page names.
    pub fn authorize_url_of(&self, flow_id: &str) -> Option<String> {
        self.flow.lock().ok()?.as_ref().filter(|f| f.flow_id == flow_id).map(|f| f.authorize_url.clone())
    }

    /// A sign-in ended: kept if it is the one the window started.
    pub fn ended(&self, ended: &FlowEnded) {
        let ours = self.flow.lock().is_ok_and(|f| f.as_ref().is_some_and(|f| f.flow_id == ended.flow_id));
        if let (true, Ok(mut slot)) = (ours, self.ended.lock()) {
            *slot = Some(ended.clone());
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

    /// The remembered view; the flow the page waited for while `pending` says the engine still
    /// waits for it, else how it ended. Only a flow the shell started, and only the one the page
    /// said it was showing.
    fn recall(&self, pending: impl Fn(&str) -> bool) -> Option<RecalledView> {
        let view = self.view.lock().ok()?.clone()?;
        let (mut flow, mut ended) = (None, None);
        if let Some(id) = &view.flow_id {
            if pending(id) {
                flow = self.flow.lock().ok()?.clone().filter(|f| &f.flow_id == id);
            } else {
                ended = self.ended.lock().ok()?.clone().filter(|e| &e.flow_id == id);
            }
        }
        Some(RecalledView { view, flow, ended })
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
        FlowStarted {
            flow_id: id.into(),
            authorize_url: format!("https://zoom.example/authorize?{id}"),
            redirect_uri: "r".into(),
            expires_at: 0,
            org_id: "sandbox".into(),
            reconnect_of: None,
        }
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
    fn open_in_browser_again_opens_only_the_sign_in_the_window_started() {
        let memory = ViewMemory::default();
        assert_eq!(memory.authorize_url_of("f1"), None);
        memory.started(&flow("f1"));
        assert_eq!(memory.authorize_url_of("f1").as_deref(), Some("https://zoom.example/authorize?f1"));
        assert_eq!(memory.authorize_url_of("f2"), None, "another flow's id opens nothing");
        memory.started(&flow("f2"));
        assert_eq!(memory.authorize_url_of("f1"), None, "an older sign-in is not opened again");
    }

    fn ended(id: &str) -> FlowEnded {
        FlowEnded { flow_id: id.into(), connection_id: Some("c1".into()), superseded: None, error: None }
    }

    #[test]
    fn a_sign_in_that_ended_while_the_window_was_closed_comes_back_as_its_outcome() {
        let memory = ViewMemory::default();
        memory.started(&flow("f1"));
        memory.remember(view(Some("f1")));
        memory.ended(&ended("f1"));
        let recalled = memory.recall(|_| false).unwrap();
        assert!(recalled.flow.is_none());
        assert_eq!(recalled.ended.unwrap().connection_id.as_deref(), Some("c1"));
        // The page handled it (its dialog closed): nothing to hand back again.
        memory.remember(view(None));
        assert!(memory.recall(|_| false).unwrap().ended.is_none());
    }

    #[test]
    fn the_end_of_a_flow_the_window_did_not_start_is_not_kept() {
        let memory = ViewMemory::default();
        memory.started(&flow("f1"));
        memory.ended(&ended("other"));
        memory.remember(view(Some("other")));
        assert!(memory.recall(|_| false).unwrap().ended.is_none());
        // A new sign-in forgets how the last one ended.
        memory.ended(&ended("f1"));
        memory.started(&flow("f2"));
        memory.remember(view(Some("f1")));
        assert!(memory.recall(|_| false).unwrap().ended.is_none());
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
