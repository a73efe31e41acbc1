/** Keeps the Temporal worker's info-level lifecycle logs out of test output. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
