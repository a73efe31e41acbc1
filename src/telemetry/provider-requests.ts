/**
 * What every provider HTTP request leaves behind: a client span (OpenTelemetry's HTTP conventions,
 * a no-op unless tracing is installed, see tracing.ts) that passes the trace on in a `traceparent`
 * header, and a count of its outcome per endpoint and error type (agentrun-metrics.ts).
 *
 * It wraps the innermost `fetch` (below the provider budget), so each attempt the provider sees is
 * one span and one count: a 429 the budget absorbs and sends again shows as two.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { recordProviderFailure, recordProviderResponse } from './agentrun-metrics';

/** How a provider request ended, for `agentrun_provider_errors_total{type}`. */
export type ProviderErrorType = 'rate_limited' | 'server_error' | 'client_error' | 'timeout' | 'network';

/** The error type of an HTTP status, or undefined for a success. */
export function errorTypeOfStatus(status: number): ProviderErrorType | undefined {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return undefined;
}

/** A request that got no response: the client's timeout (or a cancellation) aborted it, or the network failed. */
function errorTypeOfFailure(error: unknown): ProviderErrorType {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'AbortError' || name === 'TimeoutError' ? 'timeout' : 'network';
}

/** Provider ids in paths (`thread_abc`, `resp_123`, `file-xyz`, ...) become `{id}`: span names stay few. */
const ID_SEGMENT = /^(?:[a-z]+_[A-Za-z0-9]+|file-[A-Za-z0-9]+|[0-9a-f]{8}-[0-9a-f-]{27,})$/;

/** `/v1/threads/thread_abc/runs` to `/v1/threads/{id}/runs`. */
export function pathTemplate(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
}

const tracer = () => trace.getTracer('agentrun');

/** `fetch` that traces and counts each request to `endpoint` (a label without credentials). */
export function observeProviderRequests(inner: typeof fetch, endpoint: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    return tracer().startActiveSpan(
      `${method} ${pathTemplate(url.pathname)}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          // The query carries no secrets here (api-version, pagination); keys travel in headers, never recorded.
          'url.full': url.href,
          'url.template': pathTemplate(url.pathname),
          'server.address': url.hostname,
          'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        },
      },
      async (span) => {
        // Only a traced request carries the trace on (untraced, the span is a no-op and the request goes as it came).
        let sent = init;
        if (span.isRecording()) {
          const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
          propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
          sent = { ...init, headers };
        }
        try {
          const response = await inner(input, sent);
          span.setAttribute('http.response.status_code', response.status);
          const requestId = response.headers.get('x-request-id') ?? response.headers.get('apim-request-id');
          if (requestId) span.setAttribute('agentrun.provider.request_id', requestId);
          const errorType = errorTypeOfStatus(response.status);
          recordProviderResponse(endpoint, response.status, errorType);
          if (errorType) {
            span.setAttribute('error.type', String(response.status));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          return response;
        } catch (error) {
          const errorType = errorTypeOfFailure(error);
          recordProviderFailure(endpoint, errorType);
          span.setAttribute('error.type', (error as { name?: string } | undefined)?.name ?? errorType);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | undefined)?.message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}
