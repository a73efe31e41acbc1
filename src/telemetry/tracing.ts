/**
 * OpenTelemetry traces, configured the standard way (the `OTEL_*` variables), across the client
 * that starts a run, its workflow, its activities and every provider HTTP request.
 *
 * - Temporal's own interceptors (`@temporalio/interceptors-opentelemetry`) carry the trace from
 *   the client into the workflow and its activities; agentrun adds them to its worker and client.
 * - `traced-fetch.ts` adds a client span per provider HTTP request and passes the trace on in a
 *   `traceparent` header.
 *
 * Tracing is off unless asked for: an exporter endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an exporter (`OTEL_TRACES_EXPORTER`) is set, and
 * `OTEL_SDK_DISABLED` is not `true`. The exporters read the rest of their variables themselves
 * (headers, timeout, compression, `OTEL_BSP_*` batching), and the resource reads
 * `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
 *
 * The SDK packages load only when tracing is on: a worker that does not trace pays nothing for them.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK packages load only when tracing is on, see above */
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { SimplePlugin } from '@temporalio/plugin';

/** What a process traces with: its resource, the processor every span (workflow spans too) goes through. */
export interface AgentrunTracing {
  readonly resource: Resource;
  readonly spanProcessor: SpanProcessor;
  /** Sends what is buffered and stops; call before the process exits. */
  shutdown(): Promise<void>;
}

/** A tracing configuration that cannot work, named by its variable. */
export class TracingConfigurationError extends Error {
  override readonly name = 'TracingConfigurationError';
}

const EXPORTERS = ['otlp', 'console', 'none'] as const;
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

/** Whether the environment asks for traces. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = exporterNames(env);
  if (exporters !== undefined) return exporters.some((name) => name !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** `OTEL_TRACES_EXPORTER` as a list, checked; undefined when unset. */
function exporterNames(env: NodeJS.ProcessEnv): Array<(typeof EXPORTERS)[number]> | undefined {
  const raw = env.OTEL_TRACES_EXPORTER?.trim();
  if (!raw) return undefined;
  const names = raw.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  for (const name of names) {
    if (!(EXPORTERS as readonly string[]).includes(name)) {
      throw new TracingConfigurationError(
        `OTEL_TRACES_EXPORTER: agentrun exports traces with ${EXPORTERS.join(', ')}; got "${name}". Send OTLP to an OpenTelemetry Collector to reach other backends.`,
      );
    }
  }
  return names as Array<(typeof EXPORTERS)[number]>;
}

/** The OTLP exporter for `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` (or `OTEL_EXPORTER_OTLP_PROTOCOL`; default http/protobuf, as the specification says). */
function otlpExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[variable]?.trim() || 'http/protobuf';
  switch (protocol) {
    case 'http/protobuf':
      return new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
    case 'http/json':
      return new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'grpc':
      return new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    default:
      throw new TracingConfigurationError(`${variable} must be one of ${PROTOCOLS.join(', ')}; got "${protocol}".`);
  }
}

let installed: { tracing: AgentrunTracing; provider: NodeTracerProvider } | undefined;

/**
 * Starts tracing for this process when the environment asks for it (once: later calls return the
 * same), registering the tracer provider, the W3C trace-context propagator and the async context
 * manager globally, as OpenTelemetry's own SDK does. Undefined when tracing is not requested.
 */
export function installTracing(options: { serviceName?: string; env?: NodeJS.ProcessEnv } = {}): AgentrunTracing | undefined {
  if (installed) return installed.tracing;
  const env = options.env ?? process.env;
  if (!tracingRequested(env)) return undefined;
  const exporters = (exporterNames(env) ?? ['otlp']).filter((name) => name !== 'none');
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider: Provider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const version = (require('../../package.json') as { version: string }).version;
  // Ours first, then what the environment says (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) wins.
  const resource = resources.Resource.default()
    .merge(new resources.Resource({ 'service.name': options.serviceName ?? 'agentrun', 'service.version': version }))
    .merge(resources.envDetectorSync.detect());
  // The batch processor reads OTEL_BSP_* (delay, queue and batch sizes) itself.
  const processors = exporters.map((name) => (name === 'console' ? new base.SimpleSpanProcessor(new base.ConsoleSpanExporter()) : new base.BatchSpanProcessor(otlpExporter(env))));
  const provider = new Provider({ resource, spanProcessors: processors });
  provider.register();
  // Workflow spans reach the processors through this one (Temporal's sink takes a single processor).
  const spanProcessor: SpanProcessor =
    processors.length === 1
      ? processors[0]!
      : {
          onStart: (span, context) => processors.forEach((processor) => processor.onStart(span, context)),
          onEnd: (span) => processors.forEach((processor) => processor.onEnd(span)),
          forceFlush: async () => void (await Promise.all(processors.map((processor) => processor.forceFlush()))),
          shutdown: async () => void (await Promise.all(processors.map((processor) => processor.shutdown()))),
        };
  const tracing: AgentrunTracing = {
    resource,
    spanProcessor,
    shutdown: async () => {
      if (installed?.provider !== provider) return;
      installed = undefined;
      await provider.shutdown();
    },
  };
  installed = { tracing, provider };
  return tracing;
}

/** Flushes and stops this process's tracing, if it was installed. */
export async function shutdownTracing(): Promise<void> {
  await installed?.tracing.shutdown();
}

/** Temporal's OpenTelemetry package, or an error that says to install it. */
function temporalOpenTelemetry(): typeof import('@temporalio/interceptors-opentelemetry') {
  try {
    return require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  } catch {
    const sdkVersion = (require('@temporalio/common/package.json') as { version: string }).version;
    throw new TracingConfigurationError(
      `Tracing is configured (OTEL_* variables) but @temporalio/interceptors-opentelemetry is not installed. Run: npm install @temporalio/interceptors-opentelemetry@${sdkVersion} (the version of your Temporal SDK), or unset the OTEL_* variables.`,
    );
  }
}

/**
 * Temporal's OpenTelemetry plugin for a worker: workflow and activity spans, carried from the
 * client that started the run; workflow spans leave the sandbox through a sink into `tracing`'s processor.
 */
export function tracingWorkerPlugin(tracing: Pick<AgentrunTracing, 'resource' | 'spanProcessor'>): SimplePlugin {
  return new (temporalOpenTelemetry().OpenTelemetryPlugin)({ resource: tracing.resource, spanProcessor: tracing.spanProcessor });
}

/** The client interceptors that start a trace with each workflow start, signal, update and query. */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return [new (temporalOpenTelemetry().OpenTelemetryWorkflowClientInterceptor)()];
}
