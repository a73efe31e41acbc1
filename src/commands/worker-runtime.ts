/**
 * The Temporal worker runtime for the commands that run a worker in this process (`worker`,
 * `dev`). Installed once, before the first native connection creates the runtime implicitly.
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { CommandError, ExitCode } from './command-support';

/** Log levels `--log-level` accepts. */
export const LOG_LEVELS: readonly LogLevel[] = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];

/** `--log-level` value to a Temporal log level, or a usage error naming the choices. */
export function logLevelOption(value: string): LogLevel {
  const level = value.toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new CommandError(`--log-level must be one of ${LOG_LEVELS.map((name) => name.toLowerCase()).join(', ')}, got "${value}"`, ExitCode.usage);
  return level;
}

/**
 * Installs the runtime with the worker's log level (logs go to stderr) and without its own
 * SIGINT/SIGTERM handlers: the commands stop their workers themselves, so they can stop the
 * other things they started in order and say what they are doing.
 */
export function installWorkerRuntime(level: LogLevel, options: { prometheusBindAddress?: string } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    shutdownSignals: [],
    // Core's own Prometheus exporter (its metrics start `temporal_`); `--metrics-port` serves them with agentrun's.
    ...(options.prometheusBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.prometheusBindAddress } } } } : {}),
  });
}
