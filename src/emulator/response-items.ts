import { invalidRequest } from './errors';
import { newHexId } from './ids';
import type { InputItemInput } from './response-request-schemas';
import type { ResponseStore } from './response-store';
import type { OutputMessageItem, OutputTextPart, ResponseItem } from './response-wire-types';

/**
 * Input items as the service stores them: every item gets an id, a message's string content becomes
 * a text part, an assistant turn becomes an output message, an `item_reference` becomes the item it
 * names. Conversations store the same shapes, so `GET .../items` and `input_items` list them as the
 * spec's `ConversationItem` / `ItemResource`.
 */
export function storeInputItems(items: readonly InputItemInput[], store: ResponseStore, paramPrefix: string): ResponseItem[] {
  return items.map((item, index) => storeInputItem(item, store, `${paramPrefix}[${index}]`));
}

/** A plain text input: one user message. */
export function textInput(text: string): ResponseItem[] {
  return [{ type: 'message', id: newHexId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text }] }];
}

function storeInputItem(item: InputItemInput, store: ResponseStore, param: string): ResponseItem {
  switch (item.type) {
    case 'message': {
      const id = item.id ?? newHexId('msg');
      if (item.role === 'assistant') {
        // An assistant turn sent back is an output message: its text parts are `output_text`.
        const parts = typeof item.content === 'string' ? [{ type: 'output_text', text: item.content }] : item.content;
        const content = parts
          .filter((part): part is { type: 'input_text' | 'output_text'; text: string } => 'text' in part && typeof part.text === 'string')
          .map((part) => outputText(part.text));
        return { type: 'message', id, role: 'assistant', status: 'completed', content };
      }
      const content = typeof item.content === 'string' ? [{ type: 'input_text' as const, text: item.content }] : item.content;
      return { type: 'message', id, role: item.role, status: 'completed', content };
    }
    case 'function_call':
      return {
        type: 'function_call',
        id: item.id ?? newHexId('fc'),
        call_id: item.call_id,
        name: item.name,
        arguments: item.arguments,
        status: item.status ?? 'completed',
      };
    case 'function_call_output':
      return { type: 'function_call_output', id: item.id ?? newHexId('fco'), call_id: item.call_id, output: item.output, status: 'completed' };
    case 'mcp_approval_response':
      return {
        type: 'mcp_approval_response',
        id: item.id ?? newHexId('mcpa'),
        approval_request_id: item.approval_request_id,
        approve: item.approve,
        reason: item.reason ?? null,
      };
    case 'mcp_approval_request':
      return { type: 'mcp_approval_request', id: item.id, server_label: item.server_label, name: item.name, arguments: item.arguments };
    case 'mcp_call':
      return {
        type: 'mcp_call',
        id: item.id,
        server_label: item.server_label,
        name: item.name,
        arguments: item.arguments,
        output: item.output ?? null,
        error: null,
        status: 'completed',
        approval_request_id: item.approval_request_id ?? null,
      };
    case 'item_reference': {
      const referenced = store.items.get(item.id);
      if (referenced === undefined) {
        // The emulator's wording, in the style of the service's other "not found" 400s.
        throw invalidRequest(`Item with id '${item.id}' not found.`, `${param}.id`, null);
      }
      return structuredClone(referenced);
    }
  }
}

/** An `output_text` part. */
export function outputText(text: string): OutputTextPart {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** A completed assistant message holding `text`. */
export function outputMessage(text: string): OutputMessageItem {
  return { type: 'message', id: newHexId('msg'), role: 'assistant', status: 'completed', content: [outputText(text)] };
}

/** The text an item contributes to the model's context (for token counts and the default answer). */
export function itemText(item: ResponseItem): string {
  switch (item.type) {
    case 'message':
      return item.content.map((part) => (typeof part['text'] === 'string' ? part['text'] : '')).join('');
    case 'function_call':
    case 'mcp_approval_request':
      return item.name + item.arguments;
    case 'function_call_output':
      return outputAsText(item.output);
    case 'mcp_call':
      return item.name + item.arguments + (item.output ?? '');
    case 'mcp_approval_response':
      return item.reason ?? '';
  }
}

/** A function output as text: a string as it is, content parts as JSON. */
export function outputAsText(output: string | unknown[]): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}

/** The answer when there is no script (or it ran out): echoes the last user message. */
export function defaultResponseAnswer(items: readonly ResponseItem[]): string {
  const lastUser = [...items].reverse().find((item) => item.type === 'message' && item.role === 'user');
  return lastUser === undefined ? 'Hello from the agentrun emulator.' : `You said: ${itemText(lastUser)}`;
}
