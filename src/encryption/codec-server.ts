/**
 * A codec server (Temporal's remote codec protocol): `POST .../encode` and `POST .../decode` take
 * `{ "payloads": [...] }` in protobuf JSON and answer the same with each payload encoded or
 * decoded, so the Temporal Web UI and the `temporal` CLI (`--codec-endpoint`) show encrypted runs
 * to the people allowed to see them.
 *
 * Who is allowed: browsers only from the listed Web UI origins (CORS; any other origin gets 403
 * before the codec runs), and, when a token is configured, only requests that carry it as
 * `Authorization: Bearer TOKEN` (the Web UI's "pass access token" setting, or the CLI's
 * `--codec-auth`). Node's own http server: two routes do not need a framework.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readLimitedBody } from '../http/read-body';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** A request body larger than this is refused (Temporal's own limit per payload is 2 MB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default 8888; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: put a TLS proxy in front to serve others. */
  host?: string;
  /** Browser origins allowed to call (the Web UI's, e.g. `http://localhost:8233`). Requests without an Origin header (the CLI) are not browser requests and are allowed. */
  allowedOrigins: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** One line per refused request (never payloads or tokens). */
  log?: (line: string) => void;
}

/** A running codec server. */
export interface RunningCodecServer {
  /** `http://host:port`: the codec endpoint to give the Web UI and the CLI. */
  url: string;
  close(): Promise<void>;
}

/** Starts the codec server; resolves once it listens. */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const origins = new Set(options.allowedOrigins.map(normalizeOrigin));
  const log = options.log ?? (() => undefined);
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`codec server: ${request.method} ${request.url}: ${(error as Error).message}`);
      if (!response.headersSent) answer(response, 500, { message: 'the codec failed on this request' });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(normalizeOrigin(origin))) {
        log(`codec server: refused origin ${origin} (allowed: ${[...origins].join(', ') || 'none'})`);
        answer(response, 403, { message: `origin ${origin} is not allowed: start the codec server with --origin ${origin}` });
        return;
      }
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
      response.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (request.method === 'OPTIONS') {
      response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      response.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      response.setHeader('Access-Control-Max-Age', '600');
      response.writeHead(204).end();
      return;
    }
    const route = /\/(encode|decode)\/?$/.exec(new URL(request.url ?? '/', 'http://codec').pathname)?.[1];
    if (request.method !== 'POST' || !route) {
      answer(response, 404, { message: 'POST /encode or /decode' });
      return;
    }
    if (options.token !== undefined && !bearerMatches(request.headers.authorization, options.token)) {
      log(`codec server: refused a request without the bearer token (${origin ?? 'no origin'})`);
      answer(response, 401, { message: 'a bearer token is required (Authorization: Bearer TOKEN)' });
      return;
    }
    const body = await readLimitedBody(request, MAX_BODY_BYTES);
    if (body === undefined) {
      answer(response, 413, { message: `the request is larger than ${MAX_BODY_BYTES} bytes` });
      return;
    }
    let payloads: Payload[];
    try {
      const parsed = JSON.parse(body) as { payloads?: unknown };
      if (!Array.isArray(parsed.payloads)) throw new Error('expected { "payloads": [...] }');
      payloads = parsed.payloads.map((payload) => temporal.api.common.v1.Payload.fromObject(payload as object) as Payload);
    } catch (error) {
      answer(response, 400, { message: `not a codec request: ${(error as Error).message}` });
      return;
    }
    const result = route === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    answer(response, 200, { payloads: result.map((payload) => temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(payload), { bytes: String })) });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** `http://localhost:8233/` and `http://LOCALHOST:8233` are the same origin. */
function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

