/**
 * Traces, as an operator turns them on: the standard OTEL_* variables point `agentrun run` and
 * `agentrun worker` (two real processes) at an OTLP/HTTP receiver the test runs. One trace goes
 * from the CLI's workflow start through the workflow and its activities (the tool call among them)
 * to each provider HTTP request, and the provider receives the trace in `traceparent`.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createOpenAIClient } from '../../src/providers';
import { eventually } from '../support/agentrun-harness';
import { connectTemporal, temporalAddress, temporalNamespace, type TemporalTestContext } from '../support/temporal';
import { requireBuiltCli, runCli, spawnCli, type CliProcess } from '../cli/cli-process';

const packageVersion = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** A span as OTLP/JSON carries it (ids in hex), with the service that sent it. */
interface ReceivedSpan {
  service: string;
  resource: Record<string, unknown>;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP trace receiver (JSON encoding), as a collector would run it. */
async function startTraceReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] }; scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'service' | 'resource' | 'attributes'> & { attributes?: OtlpAttribute[] }> }> }>;
        };
        for (const resourceSpans of body.resourceSpans) {
          const resource = attributesOf(resourceSpans.resource.attributes);
          const service = String(resource['service.name']);
          for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service, resource, attributes: attributesOf(span.attributes ?? []) });
        }
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number } };
function attributesOf(attributes: OtlpAttribute[]): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue))]));
}

describe('OpenTelemetry traces', () => {
  let temporal: TemporalTestContext;
  let emulator: RunningEmulator;
  let receiver: Awaited<ReturnType<typeof startTraceReceiver>>;
  let worker: CliProcess | undefined;

  beforeAll(async () => {
    requireBuiltCli();
    temporal = await connectTemporal('tracing');
    emulator = await startEmulator({ stepDelayMs: 30, queuedDelayMs: 5, pollAfterMs: 0 });
    receiver = await startTraceReceiver();
  });
  afterAll(async () => {
    if (worker?.child.exitCode === null) worker.child.kill('SIGKILL');
    await receiver?.close();
    await emulator?.close();
    await temporal?.close();
  });

  it('follows a run with a tool round from the CLI that starts it to each provider request', async () => {
    const taskQueue = `test-tracing-${randomUUID().slice(0, 8)}`;
    const environment = {
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: temporalNamespace(),
      AGENTRUN_PROVIDER: 'emulator',
      AGENTRUN_EMULATOR_URL: emulator.url,
      AGENTRUN_EMULATOR_API_KEY: emulator.apiKey,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
    };
    worker = spawnCli(['worker', '--tools', 'examples/tools.js', '--task-queue', taskQueue, '--log-level', 'warn', '--metrics-port', '0'], { env: environment, timeoutMs: 120_000 });
    await worker.waitForOutput(/agentrun worker: ready/, 90_000);

    const openai = createOpenAIClient({ kind: 'emulator', baseUrl: emulator.url, apiKey: emulator.apiKey, timeoutMs: 5_000 });
    const script = { steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Lisbon' } }] }, { answer: 'Sunny in Lisbon.' }] };
    const assistant = await openai.beta.assistants.create({ model: 'gpt-4o', metadata: { emulator_script: JSON.stringify(script) } });
    const workflowId = `traced-${randomUUID().slice(0, 8)}`;
    // One provider error on the way: startRun's first look for a run of its own answers 500 (the activity retries).
    emulator.addFault({ kind: 'server_error', method: 'GET', route: '/threads/{thread_id}/runs', times: 1 });
    const run = await runCli(['run', '--assistant', assistant.id, '--message', 'Weather in Lisbon?', '--task-queue', taskQueue, '--workflow-id', workflowId, '--poll-interval', '100ms', '--json'], {
      env: { ...environment, OTEL_SERVICE_NAME: 'checkout-service' },
      timeoutMs: 60_000,
    });
    expect(run.exitCode).toBe(0);

    // The CLI flushed its spans before it exited; the worker's come in batches.
    const start = await eventually(async () => receiver.spans.find((span) => span.service === 'checkout-service' && span.name === 'StartWorkflow:agentRunWorkflow'), 10_000, "the CLI's start span");
    const trace = () => receiver.spans.filter((span) => span.traceId === start.traceId);
    const named = (pattern: RegExp) => trace().filter((span) => pattern.test(span.name));
    await eventually(async () => named(/^RunActivity:runTool$/).length === 1 && named(/^RunWorkflow:agentRunWorkflow$/).length === 1 && named(/^POST \/v1\/threads\/\{id\}\/runs\/\{id\}\/submit_tool_outputs$/).length === 1, 20_000, 'the worker spans of the run');

    // One trace, in the order of causes: client start, workflow run, activity start, activity run, provider request.
    const byId = new Map(trace().map((span) => [span.spanId, span]));
    const ancestry = (span: ReceivedSpan) => {
      const names: string[] = [];
      for (let current: ReceivedSpan | undefined = span; current; current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined) names.push(current.name);
      return names.reverse();
    };
    const submit = named(/submit_tool_outputs$/)[0]!;
    expect(ancestry(submit)).toEqual(['StartWorkflow:agentRunWorkflow', 'RunWorkflow:agentRunWorkflow', 'StartActivity:submitToolOutputs', 'RunActivity:submitToolOutputs', 'POST /v1/threads/{id}/runs/{id}/submit_tool_outputs']);
    expect(ancestry(named(/^RunActivity:runTool$/)[0]!)).toEqual(['StartWorkflow:agentRunWorkflow', 'RunWorkflow:agentRunWorkflow', 'StartActivity:runTool', 'RunActivity:runTool']);
    // The provider request spans follow HTTP's conventions, with ids out of their names.
    expect(submit).toMatchObject({
      service: 'agentrun-worker',
      kind: 3, // CLIENT
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200, 'server.address': '127.0.0.1' },
      // OTEL_RESOURCE_ATTRIBUTES reaches the resource; the worker's version is agentrun's.
      resource: { 'deployment.environment': 'test', 'service.version': packageVersion },
    });
    expect(String(submit.attributes['url.full'])).toMatch(/\/v1\/threads\/thread_\w+\/runs\/run_\w+\/submit_tool_outputs$/);
    // Every provider request of the run is in the trace: creating the thread and run, reading it, submitting.
    const providerSpans = trace().filter((span) => span.kind === 3 && /^(GET|POST) \//.test(span.name));
    expect(providerSpans.length).toBeGreaterThanOrEqual(4);
    expect(new Set(providerSpans.map((span) => span.service))).toEqual(new Set(['agentrun-worker']));

    // The provider got the trace too (a traceparent header), so its own logs can be joined to it.
    expect(emulator.stats().requestsByTraceId[start.traceId]).toBe(providerSpans.length);

    // The worker's metrics: provider errors by type, and how late the watcher noticed each turn's end.
    const metricsUrl = (await worker.waitForOutput(/agentrun worker: metrics at (http:\/\/\S+)\/metrics/))[1]!;
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    const sample = (pattern: string) => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('agentrun_provider_errors_total\\{endpoint="[^"]+",type="server_error"\\}')).toBe(1);
    expect(sample('agentrun_provider_responses_total\\{endpoint="[^"]+",status_class="2xx"\\}')).toBeGreaterThanOrEqual(providerSpans.length - 1);
    // Two turns (before and after the tool round) were watched to their end by polling.
    expect(sample('agentrun_turn_notice_delay_seconds_count\\{mode="poll"\\}')).toBe(2);
    expect(sample('agentrun_turn_notice_delay_seconds_sum\\{mode="poll"\\}')).toBeGreaterThan(0);
  });

  it('refuses an exporter or protocol it cannot serve, naming the variable, before it connects', async () => {
    const zipkin = await runCli(['status', 'any-run', '--address', '127.0.0.1:1'], { env: { OTEL_TRACES_EXPORTER: 'zipkin' } });
    expect(zipkin.exitCode).toBe(2);
    expect(zipkin.stderr).toContain('OTEL_TRACES_EXPORTER: agentrun exports traces with otlp, console, none; got "zipkin"');
    const protocol = await runCli(['status', 'any-run', '--address', '127.0.0.1:1'], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' } });
    expect(protocol.exitCode).toBe(2);
    expect(protocol.stderr).toContain('OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json, grpc; got "thrift"');
    // Turned off, nothing is checked or exported: the command fails only for the unreachable server.
    const disabled = await runCli(['status', 'any-run', '--address', '127.0.0.1:1'], { env: { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'zipkin' } });
    expect(disabled.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
  });
});
