/**
 * The Temporal worker runtime for the commands that run a worker in this process (`worker`,
 * `dev`). Installed once, before the first native connection creates the runtime implicitly.
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { CommandError, ExitCode, printLine } from './command-support';

/** Log levels `--log-level` accepts. */
export const LOG_LEVELS: readonly LogLevel[] = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];

/** `--log-level` value to a Temporal log level, or a usage error naming the choices. */
export function logLevelOption(value: string): LogLevel {
  const level = value.toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new CommandError(`--log-level must be one of ${LOG_LEVELS.map((name) => name.toLowerCase()).join(', ')}, got "${value}"`, ExitCode.usage);
  return level;
}

/** `--log-format` values: `text` for people (the SDK's lines on stderr), `json` for log pipelines. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `--log-format` value, or a usage error naming the choices. */
export function logFormatOption(value: string): LogFormat {
  const format = value.toLowerCase() as LogFormat;
  if (!LOG_FORMATS.includes(format)) throw new CommandError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${value}"`, ExitCode.usage);
  return format;
}

/**
 * One log entry as one JSON object on one line (stderr): `time`, `level`, `message`, then the
 * entry's attributes (the SDK adds workflowId, activityType, taskQueue, ... in workflow and
 * activity context; agentrun adds its own). What log pipelines (Loki, Elastic, CloudWatch) ingest.
 */
export function jsonLogLine(entry: LogEntry): string {
  const { level, message, meta, timestampNanos } = entry;
  const record = { time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(), level, message, ...meta };
  return `${JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Error ? { name: value.name, message: value.message } : value))}\n`;
}

/**
 * Where the worker's own messages go: in text format, lines on stdout as the command always printed
 * them; in json format, the runtime's logger (the SDK logger every workflow, activity and core log
 * goes through), at `level`, with `attributes`.
 */
export function workerSay(format: LogFormat): (message: string, attributes?: LogMetadata, level?: 'info' | 'warn') => void {
  if (format === 'text') return (message) => printLine(message);
  return (message, attributes, level = 'info') => Runtime.instance().logger[level](message, { component: 'agentrun', ...attributes });
}

/**
 * Installs the runtime with the worker's log level (logs go to stderr) and without its own
 * SIGINT/SIGTERM handlers: the commands stop their workers themselves, so they can stop the
 * other things they started in order and say what they are doing.
 */
export function installWorkerRuntime(level: LogLevel, options: { prometheusBindAddress?: string; logFormat?: LogFormat } = {}): void {
  Runtime.install({
    logger: options.logFormat === 'json' ? new DefaultLogger(level, (entry) => process.stderr.write(jsonLogLine(entry))) : new DefaultLogger(level),
    shutdownSignals: [],
    // Core's own Prometheus exporter (its metrics start `temporal_`); `--metrics-port` serves them with agentrun's.
    ...(options.prometheusBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.prometheusBindAddress } } } } : {}),
  });
}
