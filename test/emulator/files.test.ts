/**
 * The Files API: multipart upload (through the official `openai` client and raw forms), list with
 * `purpose` and cursors, get, download, delete; the service's 400s and 404s; every fault kind; the
 * three dialects; and every response valid against the official spec.
 */
import { randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { call, captureError, specViolations, upload } from '../support/emulator-http';

let emulator: RunningEmulator;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator({ fileProcessingMs: 10, queuedDelayMs: 5, recordResponses: true });
  client = new OpenAI({ baseURL: emulator.openaiBaseUrl, apiKey: emulator.apiKey, maxRetries: 0 });
});

afterAll(async () => {
  await emulator.close();
});

describe('upload, get, list, download, delete', () => {
  beforeEach(() => emulator.reset());

  test("the official client's files.create uploads, and the file object is the service's", async () => {
    const before = Math.floor(Date.now() / 1000);
    const file = await client.files.create({ file: await toFile(Buffer.from('Hello, file.'), 'a.txt'), purpose: 'assistants' });
    expect(file).toEqual({
      id: expect.stringMatching(/^file-[A-Za-z0-9]{22}$/),
      object: 'file',
      bytes: 12,
      created_at: expect.any(Number),
      filename: 'a.txt',
      purpose: 'assistants',
      status: 'processed',
    });
    expect(file.created_at).toBeGreaterThanOrEqual(before);
    await expect(client.files.retrieve(file.id)).resolves.toEqual(file);
    expect(emulator.stats().filesUploaded).toBe(1);
    expect(emulator.stats().requests).toMatchObject({ 'POST /files': 1, 'GET /files/{file_id}': 1 });
  });

  test('download returns the exact bytes as application/octet-stream', async () => {
    const bytes = randomBytes(200_000);
    const file = await client.files.create({ file: await toFile(bytes, 'blob.bin'), purpose: 'user_data' });
    const response = await client.files.content(file.id);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  test('expires_after sets expires_at', async () => {
    const response = await upload(emulator, 'batch.jsonl', '{}', {
      purpose: 'batch',
      fields: { 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '3600' },
    });
    expect(response.status).toBe(200);
    expect(response.body.expires_at).toBe(response.body.created_at + 3600);
  });

  test('list: every purpose by default (newest first), filtered by purpose, with cursors', async () => {
    const names = ['one.txt', 'two.txt', 'three.txt', 'four.txt'];
    const ids: string[] = [];
    for (const [index, name] of names.entries()) {
      ids.push((await upload(emulator, name, name, { purpose: index === 3 ? 'user_data' : 'assistants' })).body.id);
    }
    const all = await call(emulator, 'GET', '/files');
    expect(all.body.data.map((file: { id: string }) => file.id)).toEqual([...ids].reverse());
    expect(all.body).toMatchObject({ object: 'list', has_more: false, first_id: ids[3], last_id: ids[0] });

    const assistants = await call(emulator, 'GET', '/files?purpose=assistants&order=asc&limit=2');
    expect(assistants.body).toMatchObject({ first_id: ids[0], last_id: ids[1], has_more: true });
    const next = await call(emulator, 'GET', `/files?purpose=assistants&order=asc&limit=2&after=${ids[1]}`);
    expect(next.body.data.map((file: { id: string }) => file.id)).toEqual([ids[2]]);
    expect(next.body.has_more).toBe(false);

    const none = await call(emulator, 'GET', '/files?purpose=vision');
    expect(none.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    // The Files API allows up to 10,000 a page (not 100 like the others).
    expect((await call(emulator, 'GET', '/files?limit=10000')).status).toBe(200);
    const tooMany = await call(emulator, 'GET', '/files?limit=10001');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('integer_above_max_value');

    // The official client's auto-pagination walks the same cursors.
    const listed: string[] = [];
    for await (const file of client.files.list({ purpose: 'assistants', limit: 1, order: 'asc' })) listed.push(file.id);
    expect(listed).toEqual(ids.slice(0, 3));
  });

  test('delete answers the deletion object; the file is gone afterwards with the Files 404', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'assistants' });
    await expect(client.files.delete(file.id)).resolves.toEqual({ id: file.id, object: 'file', deleted: true });
    const error = await captureError(() => client.files.retrieve(file.id));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: `No such File object: ${file.id}`,
      type: 'invalid_request_error',
      param: 'id',
      code: null,
    });
    expect((await call(emulator, 'GET', `/files/${file.id}/content`)).status).toBe(404);
    expect((await call(emulator, 'DELETE', `/files/${file.id}`)).status).toBe(404);
  });
});

describe("the service's 400s for a bad upload", () => {
  test.each([
    ['no file part', { omitFile: true }, "Missing required parameter: 'file'.", 'file', 'missing_required_parameter'],
    ['no purpose', { purpose: null }, "Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter'],
    [
      'an unknown purpose',
      { purpose: 'training' },
      "Invalid value: 'training'. Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', 'user_data', and 'evals'.",
      'purpose',
      'invalid_value',
    ],
    ['an unknown field', { fields: { colour: 'blue' } }, "Unknown parameter: 'colour'.", 'colour', 'unknown_parameter'],
    [
      'an expiry too short',
      { fields: { 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '60' } },
      "Invalid 'expires_after.seconds': integer below minimum value. Expected a value >= 3600, but got 60 instead.",
      'expires_after.seconds',
      'integer_below_min_value',
    ],
  ] as const)('%s', async (_label, options, message, param, code) => {
    const response = await upload(emulator, 'a.txt', 'a', options);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { message, type: 'invalid_request_error', param, code } });
  });

  test('a text field named file, a JSON body and a broken form', async () => {
    const form = new FormData();
    form.append('file', 'just text');
    form.append('purpose', 'assistants');
    const textField = await fetch(`${emulator.openaiBaseUrl}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.apiKey}` },
      body: form,
    });
    expect(textField.status).toBe(400);
    expect(((await textField.json()) as { error: { message: string } }).error.message).toBe(
      "Invalid type for 'file': expected a file, but got a string instead.",
    );
    const json = await call(emulator, 'POST', '/files', { body: { purpose: 'assistants' } });
    expect(json.status).toBe(400);
    expect(json.body.error.message).toBe("Missing required parameter: 'file'.");
    const broken = await call(emulator, 'POST', '/files', {
      rawBody: '--nope\r\ngarbage',
      headers: { 'content-type': 'multipart/form-data; boundary=other' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.type).toBe('invalid_request_error');
  });
});

/**
 * A multipart body built byte by byte, as Python's `requests` writes what Microsoft's SDKs hand it:
 * each part is `[name, content, filename?]`; a part without a filename has no `filename` parameter.
 */
function rawForm(parts: Array<[string, string | Buffer, string?]>, boundary = '7567720a21c2feaef6985630e8d81b3a'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const [name, content, filename] of parts) {
    const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function postForm(base: string, query: string, form: { body: Buffer; contentType: string }) {
  const response = await fetch(`${base}/files${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': form.contentType },
    body: form.body,
  });
  return { status: response.status, body: (await response.json()) as { filename?: string; bytes?: number; id?: string; error?: { message: string; param: string | null } } };
}

describe("the form Microsoft's Python SDKs send: a file part without a filename, and a filename field", () => {
  const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x80]), randomBytes(4096), Buffer.from('\r\n--not-the-boundary\r\n')]);

  test.each([
    ['a Foundry project', () => emulator.foundryEndpoint(), '?api-version=v1'],
    ['a hub-based project', () => emulator.foundryHubEndpoint(), '?api-version=2024-12-01-preview'],
  ])('%s takes the name from the field and keeps every byte', async (_label, base, query) => {
    const uploaded = await postForm(base(), query, rawForm([['purpose', 'assistants'], ['filename', 'notes.bin'], ['file', binary]]));
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ filename: 'notes.bin', bytes: binary.length, purpose: 'assistants' });
    const content = await fetch(`${emulator.openaiBaseUrl}/files/${uploaded.body.id}/content`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
    expect(Buffer.from(await content.arrayBuffer()).equals(binary)).toBe(true);
  });

  test("the field wins over the part's own filename, which is the fallback", async () => {
    const both = await postForm(emulator.foundryEndpoint(), '?api-version=v1', rawForm([['purpose', 'assistants'], ['filename', 'field.txt'], ['file', 'x', 'part.txt']]));
    expect(both.body.filename).toBe('field.txt');
    const partOnly = await postForm(emulator.foundryEndpoint(), '?api-version=v1', rawForm([['purpose', 'assistants'], ['file', 'x', 'part.txt']]));
    expect(partOnly.body.filename).toBe('part.txt');
  });

  test('with neither, the upload is refused as the service refuses a text field named file', async () => {
    const neither = await postForm(emulator.foundryEndpoint(), '?api-version=v1', rawForm([['purpose', 'assistants'], ['file', 'x']]));
    expect(neither.status).toBe(400);
    expect(neither.body.error).toEqual({
      message: "Invalid type for 'file': expected a file, but got a string instead.",
      type: 'invalid_request_error',
      param: 'file',
      code: 'invalid_type',
    });
  });

  test('OpenAI has no filename field: it is an unknown parameter there', async () => {
    const openai = await postForm(emulator.openaiBaseUrl, '', rawForm([['purpose', 'assistants'], ['filename', 'a.txt'], ['file', 'x', 'a.txt']]));
    expect(openai.status).toBe(400);
    expect(openai.body.error?.message).toBe("Unknown parameter: 'filename'.");
  });
});

describe('multipart parsing', () => {
  test("fetch's FormData escaping, non-ASCII names, RFC 5987 names, a preamble and a quoted boundary", async () => {
    const escaped = await upload(emulator, 'say "hi"\n.txt', 'a');
    expect(escaped.body.filename).toBe('say "hi"\n.txt');
    const accented = await upload(emulator, 'café – résumé.txt', 'b');
    expect(accented.body.filename).toBe('café – résumé.txt');

    const boundary = 'b0undary';
    const body = Buffer.from(
      'this preamble is ignored\r\n' +
        `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''na%C3%AFve.txt\r\nContent-Type: text/plain\r\n\r\nc\r\n` +
        `--${boundary}--`,
    );
    const extended = await postForm(emulator.openaiBaseUrl, '', { body, contentType: `multipart/form-data; boundary="${boundary}"` });
    expect(extended.status).toBe(200);
    expect(extended.body.filename).toBe('naïve.txt');
  });

  test.each([
    ['no closing delimiter', '--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants'],
    ['a part without Content-Disposition', '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--'],
    ['a part without a name', '--b\r\nContent-Disposition: form-data; filename="a.txt"\r\n\r\nx\r\n--b--'],
    ['no blank line after the headers', '--b\r\nContent-Disposition: form-data; name="file"\r\n--b--'],
  ])('%s is a 400, not a crash', async (_label, text) => {
    const response = await postForm(emulator.openaiBaseUrl, '', { body: Buffer.from(text), contentType: 'multipart/form-data; boundary=b' });
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toBe('Could not parse multipart form data. Check the boundary and the encoding of each part.');
  });
});

describe('faults on the Files API', () => {
  beforeEach(() => emulator.reset());

  const newFile = async () => toFile(Buffer.from('content'), 'f.txt');

  test('rate_limit, quota, server_error, unavailable: the error, and nothing stored', async () => {
    const expected: Array<[Parameters<RunningEmulator['addFault']>[0], number, string | null]> = [
      [{ kind: 'rate_limit', retryAfterMs: 1200 }, 429, 'rate_limit_exceeded'],
      [{ kind: 'quota' }, 429, 'insufficient_quota'],
      [{ kind: 'server_error' }, 500, null],
      [{ kind: 'unavailable', retryAfterMs: 100 }, 503, null],
    ];
    for (const [rule, status, code] of expected) {
      emulator.addFault({ ...rule, method: 'POST', route: '/files', times: 1 });
      const error = await captureError(async () => client.files.create({ file: await newFile(), purpose: 'assistants' }));
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect((error as InstanceType<typeof OpenAI.APIError>).code ?? null).toBe(code);
    }
    const stats = emulator.stats();
    expect(stats.filesUploaded).toBe(0);
    expect(stats.requests['POST /files']).toBe(4);
    expect(stats.faultsInjected).toEqual({ rate_limit: 1, quota: 1, server_error: 1, unavailable: 1 });
    expect((await client.files.list()).data).toEqual([]);
  });

  test('reset drops the upload; commit_then_drop stores it and still drops the connection', async () => {
    emulator.addFault({ kind: 'reset', route: '/files', method: 'POST', times: 1 });
    expect(await captureError(async () => client.files.create({ file: await newFile(), purpose: 'assistants' }))).toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
    expect(emulator.stats().filesUploaded).toBe(0);

    emulator.addFault({ kind: 'commit_then_drop', route: '/files', method: 'POST', times: 1 });
    expect(await captureError(async () => client.files.create({ file: await newFile(), purpose: 'assistants' }))).toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
    expect(emulator.stats().filesUploaded).toBe(1);
    expect((await client.files.list()).data.map((file) => file.filename)).toEqual(['f.txt']);
  });

  test('slow delays a download; a header fault hits one request', async () => {
    const file = await client.files.create({ file: await newFile(), purpose: 'assistants' });
    emulator.addFault({ kind: 'slow', route: '/files/{file_id}/content', delayMs: 100, times: 1 });
    const started = Date.now();
    expect(await (await client.files.content(file.id)).text()).toBe('content');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const faulted = await call(emulator, 'GET', `/files/${file.id}`, { headers: { 'x-emulator-fault': 'server_error' } });
    expect(faulted.status).toBe(500);
    expect((await call(emulator, 'GET', `/files/${file.id}`)).status).toBe(200);
  });
});

describe('dialects', () => {
  test('Azure OpenAI (api-key) and Foundry (bearer) upload and read the same files', async () => {
    const azure = await upload(emulator, 'azure.txt', 'from azure', {
      base: `${emulator.url}/openai`,
      query: '?api-version=2024-08-01-preview',
      headers: { authorization: '', 'api-key': emulator.apiKey },
    });
    expect(azure.status).toBe(200);
    const foundry = await upload(emulator, 'foundry.txt', 'from foundry', { base: emulator.foundryEndpoint(), query: '?api-version=v1' });
    expect(foundry.status).toBe(200);
    const fromOpenAI = await client.files.retrieve(azure.body.id);
    expect(fromOpenAI.filename).toBe('azure.txt');
    const viaFoundry = await call(emulator, 'GET', `/files/${azure.body.id}/content?api-version=v1`, { base: emulator.foundryEndpoint() });
    expect(viaFoundry.text).toBe('from azure');

    const unauthorised = await upload(emulator, 'x.txt', 'x', {
      base: emulator.foundryEndpoint(),
      query: '?api-version=v1',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.body.error.code).toBe('PermissionDenied');
    expect(unauthorised.body.error.message).toContain('`POST /api/projects/{projectName}/files`');
  });
});

test('every response recorded in this file matches the spec', () => {
  const responses = emulator.recordedResponses();
  expect(responses.length).toBeGreaterThan(0);
  expect(specViolations(responses)).toEqual([]);
});
