import { invalidRequest } from './errors';

/** A file part of a multipart upload: its name and its bytes. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly content: Buffer,
  ) {}
}

/** One part of a `multipart/form-data` body, as sent. */
export interface FormPart {
  /** The field name (`name` of its `Content-Disposition`). */
  name: string;
  /** The part's own `filename`; undefined when it has none (a text field, to a browser). */
  filename: string | undefined;
  /** The part's bytes, exactly as sent. */
  content: Buffer;
}

/** Whether a request carries a multipart form (the Files API's upload encoding). */
export function isMultipart(contentType: string | undefined): boolean {
  return contentType !== undefined && /^multipart\/form-data\b/i.test(contentType.trim());
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Parses a `multipart/form-data` body (RFC 7578) into its parts, keeping every part's bytes.
 *
 * Why not Node's own `Request.formData()`: it turns a part without a filename into a UTF-8 string,
 * which loses binary bytes, and Microsoft's Python SDKs send the uploaded file exactly so (the name
 * travels in a separate `filename` field). Throws the service's 400 for a body that is not a form.
 */
export function parseMultipartForm(body: Buffer, contentType: string): FormPart[] {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) throw unparsable();
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.concat([CRLF, delimiter]);
  // The first delimiter opens the body or ends a preamble line; later ones follow a CRLF.
  let position = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : indexAfterCrlf(body, separator, 0);
  const parts: FormPart[] = [];
  for (;;) {
    if (position === -1) throw unparsable();
    const afterDelimiter = position + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') return parts;
    // Only transport padding (spaces, tabs) may follow a delimiter on its line.
    const lineEnd = body.indexOf(CRLF, afterDelimiter);
    if (lineEnd === -1 || body.subarray(afterDelimiter, lineEnd).toString('latin1').trim() !== '') throw unparsable();
    const next = body.indexOf(separator, lineEnd + 2);
    if (next === -1) throw unparsable();
    parts.push(parsePart(body.subarray(lineEnd + 2, next)));
    position = next + CRLF.length;
  }
}

/**
 * The form as a plain object the request schemas can validate: parts with a filename become
 * `UploadedFile`s, parts without one UTF-8 strings (as a browser reads them). Bracketed names, the
 * way openai-node encodes nested objects (`expires_after[anchor]`), become nested objects. A
 * repeated name keeps its last part.
 */
export function formFields(parts: readonly FormPart[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const part of parts) {
    const value = part.filename === undefined ? part.content.toString('utf8') : new UploadedFile(part.filename, part.content);
    assignPath(result, splitFieldName(part.name), value);
  }
  return result;
}

function unparsable() {
  return invalidRequest('Could not parse multipart form data. Check the boundary and the encoding of each part.');
}

function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary !== undefined && boundary.length <= 70 ? boundary : undefined;
}

/** Index of `--boundary` where `separator` (`CRLF--boundary`) occurs, or -1. */
function indexAfterCrlf(body: Buffer, separator: Buffer, from: number): number {
  const index = body.indexOf(separator, from);
  return index === -1 ? -1 : index + CRLF.length;
}

/** One part: headers up to the blank line, then the content. */
function parsePart(raw: Buffer): FormPart {
  let headerText = '';
  let content: Buffer;
  if (raw.subarray(0, CRLF.length).equals(CRLF)) {
    content = raw.subarray(CRLF.length);
  } else {
    const headerEnd = raw.indexOf(HEADER_END);
    if (headerEnd === -1) throw unparsable();
    headerText = raw.subarray(0, headerEnd).toString('utf8');
    content = raw.subarray(headerEnd + HEADER_END.length);
  }
  const disposition = headerText
    .split('\r\n')
    .map((line) => /^content-disposition\s*:\s*(.*)$/i.exec(line)?.[1])
    .find((value) => value !== undefined);
  if (disposition === undefined || !/^form-data\b/i.test(disposition)) throw unparsable();
  const parameters = dispositionParameters(disposition);
  const name = parameters.get('name');
  if (name === undefined) throw unparsable();
  return { name, filename: parameters.get('filename*') ?? parameters.get('filename'), content };
}

/**
 * `Content-Disposition` parameters. Quoted values are unescaped; the HTML form encoding's `%22`,
 * `%0D`, `%0A` (how fetch's FormData escapes `"`, CR and LF) are decoded; `filename*=UTF-8''...`
 * (RFC 5987) is percent-decoded.
 */
function dispositionParameters(disposition: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const pattern = /;\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of disposition.matchAll(pattern)) {
    const key = (match[1] ?? '').toLowerCase();
    if (match[2] !== undefined) {
      const unescaped = match[2].replace(/\\(.)/g, '$1');
      parameters.set(key, unescaped.replace(/%22/gi, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n'));
    } else {
      const token = (match[3] ?? '').trim();
      parameters.set(key, key.endsWith('*') ? decodeExtendedValue(token) : token);
    }
  }
  return parameters;
}

/** `UTF-8''na%C3%AFve.txt` -> `naïve.txt`; a malformed value is kept as sent. */
function decodeExtendedValue(value: string): string {
  const match = /^[^']*'[^']*'(.*)$/.exec(value);
  try {
    return decodeURIComponent(match?.[1] ?? value);
  } catch {
    return value;
  }
}

/** `expires_after[seconds]` -> `['expires_after', 'seconds']`. */
function splitFieldName(name: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (match === null || match[2] === '') return [name];
  const nested = [...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1] ?? '');
  return [match[1] ?? name, ...nested];
}

function assignPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const [index, key] of path.entries()) {
    if (index === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || next instanceof UploadedFile) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else {
      node = next as Record<string, unknown>;
    }
  }
}
