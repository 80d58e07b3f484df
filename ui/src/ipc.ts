// The UI's door to the shell. Command names, payloads and types all come from
// `bindings.ts`, which is generated from the Rust types (src-tauri/src/ipc.rs; a test fails when
// it is stale). This file only gives the components short names and one error shape.
import type { UnlistenFn } from "@tauri-apps/api/event";
import { commands, events, type BulkEnded, type EngineError, type EventKind, type FlowEnded, type Progress } from "./bindings";

export type {
  AppSettings,
  Borrowed,
  BulkAction,
  BulkEnded,
  Plan,
  PlannedBulk,
  PlannedRow,
  Progress,
  Refusal,
  RunSummary,
  Verdict,
  ZoomGroup,
  ZoomUser,
  Capability,
  Connection,
  ConnectionKind,
  EngineError,
  ErrorCode,
  FlowEnded,
  FlowStarted,
  HistoryEvent,
  Org,
  OrgSettings,
  Overview,
  RedirectMode,
  SetupCheck,
  SetupPart,
  SetupProblem,
  Status,
  TestResult,
  WebhookInfo,
  WebhookKind,
  ZoomIdentity,
  RecalledView,
  RememberedView,
} from "./bindings";

/** What happened to a connection at one point of its timeline. */
export type HistoryKind = EventKind;

/** A rejected command carries the engine's `{code, message}`. */
export function asEngineError(e: unknown): EngineError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as EngineError;
  return { code: "zoom_error", message: String(e), reason: null };
}

export const ipc = {
  overview: commands.overview,
  settings: commands.getSettings,
  saveSettings: commands.saveSettings,
  setAlertWebhook: commands.setAlertWebhook,
  sendTestAlert: commands.sendTestAlert,
  runKeepaliveNow: commands.runKeepaliveNow,
  beginConnect: (orgId: string, nickname: string, reconnectOf: string | null = null) =>
    commands.beginConnect(orgId, nickname, reconnectOf),
  cancelFlow: commands.cancelFlow,
  deleteConnection: commands.deleteConnection,
  deleteConnectionLocally: commands.deleteConnectionLocally,
  testConnection: commands.testConnection,
  connectionHistory: commands.connectionHistory,
  orgSettings: commands.orgSettings,
  checkOrgSettings: commands.checkOrgSettings,
  saveOrg: commands.saveOrg,
  createS2sConnection: commands.createS2sConnection,
  rotateS2sSecret: commands.rotateS2sSecret,
  openZoomAddedApps: commands.openZoomAddedApps,
  reopenSignIn: commands.reopenSignIn,
  renameConnection: commands.renameConnection,
  removeOrg: commands.removeOrg,
  lastBorrowed: commands.lastBorrowed,
  brokerSocket: commands.brokerSocket,
  listUsers: commands.listUsers,
  listGroups: commands.listGroups,
  getUser: commands.getUser,
  userAction: commands.userAction,
  removeFromGroup: commands.removeFromGroup,
  planBulk: commands.planBulk,
  startBulk: commands.startBulk,
  resumeBulk: commands.resumeBulk,
  controlBulk: commands.controlBulk,
  undoBulk: commands.undoBulk,
  bulkRuns: commands.bulkRuns,
  exportBulk: commands.exportBulk,
  rememberView: commands.rememberView,
  recallView: commands.recallView,
  onBulkProgress: (handler: (p: Progress) => void): Promise<UnlistenFn> => events.bulkProgress.listen((e) => handler(e.payload)),
  onBulkEnded: (handler: (e: BulkEnded) => void): Promise<UnlistenFn> => events.bulkEnded.listen((e) => handler(e.payload)),
  onConnectionsChanged: (handler: () => void): Promise<UnlistenFn> => events.connectionsChanged.listen(() => handler()),
  onFlowEnded: (handler: (e: FlowEnded) => void): Promise<UnlistenFn> => events.flowEnded.listen((e) => handler(e.payload)),
};
