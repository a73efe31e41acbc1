/**
 * The words people know for a conversation and a turn, by the shape of their ids: a thread and a
 * run (threads/runs), a conversation and a response (Responses). For timelines and reports only:
 * code never branches on them.
 */

/** `thread` for a threads/runs thread, `conversation` otherwise. */
export function conversationWord(id: string): string {
  return id.startsWith('thread') ? 'thread' : 'conversation';
}

/** `run` for a threads/runs run, `response` otherwise. */
export function turnWord(id: string): string {
  return id.startsWith('run') ? 'run' : 'response';
}
