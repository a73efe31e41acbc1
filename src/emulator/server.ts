import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, handleAdminRequest, type AdminControls } from './admin';
import { authenticate, checkApiVersion, resolveDialect, unknownRouteError, type Dialect } from './dialects';
import type { ResolvedEmulatorOptions } from './emulator-options';
import { EmulatorHttpError, foundryV2Error, invalidRequest, invalidUrl, malformedJson, serverError } from './errors';
import { FaultInjector, faultResponse, parseFaultHeader, slowDelayMs, type FaultDecision, type FaultRule } from './faults';
import { FileOutcomeScript, type FileOutcomeRule } from './file-outcomes';
import { newId } from './ids';
import { Ledger, type EmulatorStats, type RecordedResponse } from './ledger';
import { isMultipart, parseMultipartForm } from './multipart';
import { matchRoute, type EmulatorServices, type HandlerResult, type HttpMethod, type RouteMatch } from './router';
import { PROTOCOL_ROUTES } from './routes';
import { RunEngine } from './run-engine';
import { EmulatorStore } from './store';
import { ResponseEngine } from './response-engine';
import { ResponseStore } from './response-store';
import type { EventStream } from './streaming';
import { TimerRegistry } from './timers';
import { VectorStoreEngine } from './vector-store-engine';
import { WebhookDispatcher, type WebhookSettings } from './webhooks';

/** Largest JSON request body accepted (the service's own limit is far larger; tests never need more). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Largest multipart upload accepted (the service takes 512 MB a file; the emulator keeps bytes in memory). */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** Where a request is in the pipeline once its dialect and route are known. */
interface RoutedRequest {
  method: string;
  dialect: Dialect;
  /** Route template (or the raw dialect-neutral path when no route matched), for logs and the ledger. */
  route: string;
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * The HTTP side of the emulator: one server for every dialect. A request goes through
 * dialect (path prefix) -> `api-version` -> route -> auth -> count -> fault -> JSON body -> handler;
 * every step answers with the real service's error for its failure.
 */
export class EmulatorServer implements AdminControls {
  private readonly timers = new TimerRegistry();
  private readonly store = new EmulatorStore();
  private readonly ledger: Ledger;
  private readonly faults: FaultInjector;
  private readonly engine: RunEngine;
  private readonly fileOutcomes = new FileOutcomeScript();
  private readonly vectorStores: VectorStoreEngine;
  private readonly services: EmulatorServices;
  private readonly responseStore = new ResponseStore();
  private readonly responseEngine: ResponseEngine;
  private readonly openStreams = new Set<EventStream>();
  private readonly webhooks: WebhookDispatcher;
  private readonly server: Server;

  constructor(private readonly options: ResolvedEmulatorOptions) {
    this.ledger = new Ledger(options.recordResponses);
    this.faults = new FaultInjector(options.seed);
    this.engine = new RunEngine(this.store, this.timers, {
      queuedDelayMs: options.queuedDelayMs,
      stepDelayMs: options.stepDelayMs,
      runExpirySeconds: options.runExpirySeconds,
      onStatus: (run) => this.ledger.updateRunStatus(run.id, run.status),
    });
    this.vectorStores = new VectorStoreEngine(this.store, this.timers, this.fileOutcomes, {
      fileProcessingMs: options.fileProcessingMs,
      vectorStoreDaySeconds: options.vectorStoreDaySeconds,
      cancelDelayMs: options.queuedDelayMs,
    });
    this.responseEngine = new ResponseEngine(this.responseStore, this.timers, this.ledger, {
      queuedDelayMs: options.queuedDelayMs,
      stepDelayMs: options.stepDelayMs,
      unstoredRetentionSeconds: options.unstoredRetentionSeconds,
      responseToolExpirySeconds: options.responseToolExpirySeconds,
    });
    this.webhooks = new WebhookDispatcher(this.timers, this.ledger, options.webhookRetryDelaysMs, options.webhooks);
    this.responseEngine.onEnded = (record) => {
      if (this.responseStore.isReadable(record)) this.webhooks.responseEnded(record);
    };
    this.services = {
      store: this.store,
      engine: this.engine,
      ledger: this.ledger,
      vectorStores: this.vectorStores,
      responses: this.responseStore,
      responseEngine: this.responseEngine,
      pollAfterMs: options.pollAfterMs,
    };
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch((error: unknown) => this.crash(response, error));
    };
    this.server = options.tls === undefined ? createHttpServer(listener) : createHttpsServer(options.tls, listener);
  }

  /** Starts listening; resolves to the origin URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.options.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`;
  }

  /** Stops every timer, ends open streams and closes the server and its sockets at once. */
  async close(): Promise<void> {
    this.timers.cancelAll();
    this.webhooks.stop();
    this.responseEngine.forgetAll();
    this.abandonStreams();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** {@inheritDoc AdminControls.stats} */
  stats(): EmulatorStats {
    return this.ledger.stats();
  }

  /** {@inheritDoc AdminControls.addFault} */
  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /** {@inheritDoc AdminControls.clearFaults} */
  clearFaults(): void {
    this.faults.clear();
  }

  /** {@inheritDoc AdminControls.addFileOutcome} */
  addFileOutcome(rule: FileOutcomeRule): void {
    this.fileOutcomes.add(rule);
  }

  /** {@inheritDoc AdminControls.clearFileOutcomes} */
  clearFileOutcomes(): void {
    this.fileOutcomes.clear();
  }

  /** {@inheritDoc AdminControls.setWebhooks} */
  setWebhooks(settings: WebhookSettings | undefined): void {
    this.webhooks.configure(settings);
  }

  /** {@inheritDoc AdminControls.webhookSettings} */
  webhookSettings(): WebhookSettings | undefined {
    return this.webhooks.current();
  }

  /** {@inheritDoc AdminControls.recordedResponses} */
  recordedResponses(): RecordedResponse[] {
    return this.ledger.recordedResponses();
  }

  /**
   * Forgets all state (threads, runs, files, vector stores, responses, conversations, agents),
   * counters, faults and file outcome rules; stops every run's and response's clock, every file's
   * processing and every webhook delivery, ends open streams, and puts the webhook settings back to
   * the ones the emulator started with.
   */
  reset(): void {
    this.timers.cancelAll();
    this.webhooks.reset();
    this.vectorStores.clear();
    this.responseEngine.forgetAll();
    this.abandonStreams();
    this.store.clear();
    this.responseStore.clear();
    this.ledger.clear();
    this.faults.reset();
    this.fileOutcomes.clear();
  }

  private abandonStreams(): void {
    for (const stream of this.openStreams) stream.abandon();
    this.openStreams.clear();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = (request.method ?? 'GET').toUpperCase();
    const rawBody = await readRawBody(request, isMultipart(request.headers['content-type']) ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES);
    if (rawBody === undefined) {
      response.writeHead(413).end();
      return;
    }
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      handleAdminRequest(request, response, url.pathname, rawBody.toString('utf8'), this);
      return;
    }
    const dialectMatch = resolveDialect(url.pathname);
    if (dialectMatch === undefined) {
      this.sendError({ method, dialect: 'openai', route: url.pathname, request, response }, invalidUrl(method, url.pathname));
      return;
    }
    const { dialect } = dialectMatch;
    const match = matchRoute(PROTOCOL_ROUTES, method, dialectMatch.path, dialect);
    const routed: RoutedRequest = { method, dialect, route: match?.route.template ?? dialectMatch.path, request, response };
    // Credentials are checked before the route is judged: a bad key gets a 401 even on a bad path.
    const rejection =
      checkApiVersion(dialect, url.searchParams) ?? authenticate(dialect, request.headers, this.options.apiKey, method, routed.route);
    if (rejection !== undefined) {
      this.sendError(routed, rejection);
      return;
    }
    if (match === undefined) {
      this.sendError(routed, unknownRouteError(dialect, method, url.pathname));
      return;
    }
    // Counted before faults: a test that injects a 429 still sees the attempt in the stats.
    this.ledger.countRequest(method, routed.route, typeof request.headers.traceparent === 'string' ? request.headers.traceparent : undefined);
    await this.dispatch(routed, match, url.searchParams, rawBody);
  }

  /** Applies a fault if one is due, then runs the handler. */
  private async dispatch(routed: RoutedRequest, match: RouteMatch, query: URLSearchParams, rawBody: Buffer): Promise<void> {
    let fault: FaultDecision | undefined;
    try {
      fault = parseFaultHeader(headerText(routed.request, 'x-emulator-fault')) ?? this.faults.decide(routed.method, routed.route);
    } catch (error) {
      this.sendError(routed, invalidRequest((error as Error).message, null, null));
      return;
    }
    if (fault !== undefined) {
      this.ledger.recordFault(fault.kind);
      this.options.log?.(`fault ${fault.kind} on ${routed.method} ${routed.route}`);
      const faultError = faultResponse(fault);
      if (faultError !== undefined) {
        this.sendError(routed, faultError);
        return;
      }
      if (fault.kind === 'reset') {
        routed.request.socket.destroy();
        return;
      }
      if (fault.kind === 'slow') {
        await this.timers.sleep(slowDelayMs(fault));
      }
    }
    let result: HandlerResult;
    try {
      // Only POST carries a body in this protocol; anything sent with GET or DELETE is ignored.
      // A multipart body (a file upload) is parsed into form fields instead of JSON.
      const contentType = headerText(routed.request, 'content-type');
      const multipart = routed.method === 'POST' && isMultipart(contentType);
      const form = multipart ? parseMultipartForm(rawBody, contentType ?? '') : undefined;
      const body = routed.method === 'POST' && !multipart ? parseJsonBody(rawBody.toString('utf8')) : undefined;
      result = match.route.handler(
        { method: routed.method as HttpMethod, dialect: routed.dialect, params: match.params, query, body, form },
        this.services,
      );
    } catch (error) {
      if (error instanceof EmulatorHttpError) {
        this.sendError(routed, error);
        return;
      }
      throw error;
    }
    if (fault?.kind === 'commit_then_drop') {
      // The write happened; the client just never hears about it.
      if (result.kind === 'stream') result.stream.abandon();
      routed.request.socket.destroy();
      return;
    }
    await this.sendResult(routed, result);
  }

  private async sendResult(routed: RoutedRequest, result: HandlerResult): Promise<void> {
    if (result.kind === 'deferred') {
      // A non-background response answers once it has ended; the client may have gone meanwhile.
      const settled = await result.result;
      if (routed.response.destroyed || routed.response.writableEnded) return;
      await this.sendResult(routed, settled);
      return;
    }
    if (result.kind === 'json') {
      this.sendJson(routed, result.status ?? 200, result.body, result.headers);
      return;
    }
    if (result.kind === 'bytes') {
      this.sendBytes(routed, result.body, result.contentType);
      return;
    }
    const stream = result.stream;
    this.openStreams.add(stream);
    stream.onFinish((events) => {
      this.openStreams.delete(stream);
      this.ledger.recordResponse({ method: routed.method, route: routed.route, dialect: routed.dialect, status: 200, events });
      this.log(routed, 200, 'stream');
    });
    // A client that goes away mid-stream does not stop the run, as with the real service. What it
    // was sent is recorded all the same, so that those events are validated too.
    routed.response.on('close', () => {
      if (!stream.isFinished) {
        this.ledger.recordResponse({ method: routed.method, route: routed.route, dialect: routed.dialect, status: 200, events: [...stream.events] });
        stream.abandon();
      }
      this.openStreams.delete(stream);
    });
    stream.attach(routed.response, { 'x-request-id': newId('req') });
  }

  private sendError(routed: RoutedRequest, error: EmulatorHttpError): void {
    // Foundry's v2 endpoints add `details` and `additionalInfo` to OpenAI's error object.
    const foundryV2 = routed.dialect === 'foundry-openai-v1' || (routed.dialect === 'foundry' && routed.route.startsWith('/agents'));
    const sent = foundryV2 ? foundryV2Error(error, randomBytes(16).toString('hex')) : error;
    this.sendJson(routed, sent.status, sent.body, sent.headers);
  }

  private sendJson(routed: RoutedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    routed.response.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'x-request-id': newId('req'),
    });
    routed.response.end(text);
    this.ledger.recordResponse({
      method: routed.method,
      route: routed.route,
      dialect: routed.dialect,
      status,
      body: JSON.parse(text) as unknown,
    });
    this.log(routed, status);
  }

  /** Raw bytes (a file download). The recorded copy holds them as text, which the spec types as `string`. */
  private sendBytes(routed: RoutedRequest, body: Buffer, contentType: string): void {
    routed.response.writeHead(200, {
      'content-type': contentType,
      'content-length': String(body.length),
      'x-request-id': newId('req'),
    });
    routed.response.end(body);
    this.ledger.recordResponse({
      method: routed.method,
      route: routed.route,
      dialect: routed.dialect,
      status: 200,
      body: body.toString('utf8'),
    });
    this.log(routed, 200, `${body.length} bytes`);
  }

  private log(routed: RoutedRequest, status: number, note?: string): void {
    this.options.log?.(`${routed.method} ${routed.request.url ?? ''} -> ${status}${note === undefined ? '' : ` (${note})`}`);
  }

  /** A bug in the emulator: answer 500 (the client must not hang) and report it. */
  private crash(response: ServerResponse, error: unknown): void {
    this.options.log?.(`emulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (!response.headersSent) {
      const failure = serverError();
      response.writeHead(failure.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(failure.body));
    } else {
      response.destroy();
    }
  }
}

/** The request body's bytes, or undefined when it is larger than `maxBytes`. */
async function readRawBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; an empty body is "no body". */
function parseJsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') return undefined;
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    throw malformedJson();
  }
}

function headerText(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
