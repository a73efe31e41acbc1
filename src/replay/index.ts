/**
 * Replaying recorded histories against agentrun's workflow code (or a candidate version of it)
 * before an upgrade: what `agentrun replay` does, for code of your own (a deploy pipeline's check).
 * Worker-side: it loads `@temporalio/worker`.
 */
export { HistoryFileError, historyFilePaths, parseHistoryJson, readHistoryFile, type HistoryToReplay } from './history-files';
export {
  DEFAULT_REPLAY_QUERY,
  historiesFromVisibility,
  installedWorkflows,
  replayFailureReason,
  replayHistories,
  visibilityQuery,
  workflowsAt,
  type ReplayHistoriesOptions,
  type ReplayOutcome,
  type ReplayWorkflows,
  type VisibilitySource,
} from './replay-histories';
