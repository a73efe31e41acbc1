import { invalidRequest } from './errors';

/** A file part of a multipart upload: its name and its bytes. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly content: Buffer,
  ) {}
}

/** Whether a request carries a multipart form (the Files API's upload encoding). */
export function isMultipart(contentType: string | undefined): boolean {
  return contentType !== undefined && /^multipart\/form-data\b/i.test(contentType.trim());
}

/**
 * Parses a `multipart/form-data` body into a plain object the request schemas can validate, with
 * Node's own parser (undici's `Request.formData()`): no dependency. File parts become
 * `UploadedFile`s; text parts stay strings. Bracketed names, the way openai-node encodes nested
 * objects (`expires_after[anchor]`, `expires_after[seconds]`), become nested objects.
 */
export async function parseMultipartForm(body: Buffer, contentType: string): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await new Request('http://emulator/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
  } catch {
    throw invalidRequest('Could not parse multipart form data. Check the boundary and the encoding of each part.');
  }
  const result: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    const parsed = typeof value === 'string' ? value : new UploadedFile(value.name, Buffer.from(await value.arrayBuffer()));
    assignPath(result, splitFieldName(name), parsed);
  }
  return result;
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
