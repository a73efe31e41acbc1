/**
 * `agentrun replay` as a child process of the built CLI, against the suite's Temporal server: agent
 * runs made with today's code (two completed, one waiting for a person) replay against today's
 * workflows and break against a deliberately changed one; exported files (the temporal CLI's JSON,
 * and release 0.2.0's committed histories) replay too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTemporalCli } from '../../src/dev-server/temporal-cli';
import { exampleTools } from '../../src/examples/example-tools';
import type { ReplayOutcome } from '../../src/replay/replay-histories';
import { eventually, startHarness, type Harness } from '../support/agentrun-harness';
import { historyFiles } from '../support/histories';
import { temporalAddress, temporalNamespace } from '../support/temporal';
import { parseJsonOutput, requireBuiltCli, runCli, type CliOptions } from './cli-process';

const CHANGED_WORKFLOWS = 'test/fixtures/workflows/changed-agent-run-workflow.ts';
const weatherScript = { steps: [{ tools: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }, { answer: 'Oslo looks fine.' }] };
const bookingScript = { steps: [{ tools: [{ name: 'book_meeting_room', arguments: { room: 'Lovelace', start: '15:00' } }] }, { answer: 'Booked.' }] };

interface ReplayJson {
  workflows: { path: string; kind: string };
  source: { query?: string; matched?: number; files?: string[]; count: number };
  results: Array<Omit<ReplayOutcome, 'error'>>;
  summary: { replayed: number; ok: number; broken: number };
}

describe('agentrun replay', () => {
  let harness: Harness;
  let cli: CliOptions;
  let ofThisFile: string;
  const completed: string[] = [];
  let waiting: string;
  let exports: string;

  beforeAll(async () => {
    requireBuiltCli();
    harness = await startHarness('cli-replay', { tools: exampleTools });
    cli = { env: { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace() }, timeoutMs: 90_000 };
    // Other test files share the server: the queries keep to this file's task queue.
    ofThisFile = `WorkflowType = 'agentRunWorkflow' AND TaskQueue = '${harness.temporal.taskQueue}'`;

    for (const script of [{ steps: [{ answer: 'Hello there.' }] }, weatherScript]) {
      const { handle } = await harness.client.start(harness.input(await harness.assistant(script)));
      expect((await handle.result()).status).toBe('completed');
      completed.push(handle.workflowId);
    }
    waiting = (await harness.client.start(harness.input(await harness.assistant(bookingScript)))).workflowId;
    await eventually(async () => (await harness.client.status(waiting)).pendingApprovals.length === 1, 15_000, 'the run waiting for an approval');
    // Visibility is eventually consistent: wait until it lists all three, the completed ones closed.
    await eventually(async () => (await harness.temporal.client.workflow.count(`${ofThisFile} AND ExecutionStatus = 'Running'`)).count === 1 && (await harness.temporal.client.workflow.count(ofThisFile)).count === 3, 15_000, 'visibility');
    exports = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-replay-'));
  }, 60_000);
  afterAll(async () => {
    if (waiting) await harness?.client.cancel(waiting).catch(() => undefined);
    await harness?.close();
    if (exports) fs.rmSync(exports, { recursive: true, force: true });
  });

  it('finds the runs of a query (completed and waiting) all replaying against the installed workflows: exit 0', async () => {
    const result = await runCli(['replay', '--query', ofThisFile], cli);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Replaying 3 workflows matching ${ofThisFile} against dist/workflow-bundle.js (prebuilt bundle)`);
    for (const workflowId of [...completed, waiting]) expect(result.stdout).toMatch(new RegExp(`^ok {6}${workflowId} {2}\\(run [0-9a-f-]+, \\d+ events, \\d+ ms\\)$`, 'm'));
    expect(lines[lines.length - 1]).toBe('3 of 3 replay: this code can take over these runs.');

    // The default narrows to the running ones; --since and --limit narrow further.
    const running = parseJsonOutput<ReplayJson>(await runCli(['replay', '--query', `${ofThisFile} AND ExecutionStatus = 'Running'`, '--since', '1h', '--json'], cli));
    expect(running.source.query).toMatch(new RegExp(`^\\(${ofThisFile.replace(/[()']/g, '.')} AND ExecutionStatus = .Running.\\) AND StartTime >= '\\d{4}-\\d\\d-\\d\\dT`));
    expect(running.results).toEqual([expect.objectContaining({ workflowId: waiting, ok: true })]);
    const limited = await runCli(['replay', '--query', ofThisFile, '--limit', '2'], cli);
    expect(limited.exitCode).toBe(0);
    expect(limited.stdout).toContain('2 of 2 replay');
    expect(limited.stdout).toContain('1 more match: --limit checked the newest 2.');
  }, 120_000);

  it('reports each run as breaking against a changed workflow, with the workflow id and the reason: exit 1', async () => {
    const result = await runCli(['replay', '--query', ofThisFile, '--workflows', CHANGED_WORKFLOWS], cli);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`against ${CHANGED_WORKFLOWS} (workflows module)`);
    for (const workflowId of [...completed, waiting]) {
      expect(result.stdout).toMatch(
        new RegExp(`^BREAKS {2}${workflowId} {2}\\(run [0-9a-f-]+, \\d+ events, \\d+ ms\\): DeterminismViolationError: \\[TMPRL1100\\] Nondeterminism error: .+$`, 'm'),
      );
    }
    expect(result.stdout).toContain('3 of 3 would break: a worker with this code fails their next workflow task');

    const json = parseJsonOutput<ReplayJson>(await runCli(['replay', '--query', ofThisFile, '--workflows', CHANGED_WORKFLOWS, '--json'], cli));
    expect(json.summary).toEqual({ replayed: 3, ok: 0, broken: 3 });
    expect(json.results.map((outcome) => outcome.workflowId).sort()).toEqual([...completed, waiting].sort());
    for (const outcome of json.results) expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/^DeterminismViolationError: /) });
  }, 120_000);

  it('replays files: a run exported with "temporal workflow show --output json", and every history of release 0.2.0', async () => {
    const temporal = await findTemporalCli({ install: false });
    const exported = spawnSync(temporal.path, ['workflow', 'show', '--workflow-id', waiting, '--address', temporalAddress(), '--namespace', temporalNamespace(), '--output', 'json'], { encoding: 'utf8' });
    expect(exported.status).toBe(0);
    // Named unlike the workflow: the id comes from the history itself.
    fs.writeFileSync(path.join(exports, 'waiting-run.json'), exported.stdout);
    const fromExport = parseJsonOutput<ReplayJson>(await runCli(['replay', '--files', path.join(exports, 'waiting-run.json'), '--json'], cli));
    expect(fromExport.results).toEqual([expect.objectContaining({ workflowId: waiting, file: path.join(exports, 'waiting-run.json'), ok: true })]);
    const broken = await runCli(['replay', '--files', exports, '--workflows', CHANGED_WORKFLOWS], cli);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^BREAKS {2}.*waiting-run\\.json {2}\\(${waiting}, \\d+ events, \\d+ ms\\): DeterminismViolationError`, 'm'));

    // TypeScript sources as the candidate: a folder resolves to its index.ts.
    const fromSources = await runCli(['replay', '--files', 'test/histories/0.2.0/completed-no-tools.json', '--workflows', 'src/workflows'], cli);
    expect(fromSources.exitCode).toBe(0);
    expect(fromSources.stdout).toContain('against src/workflows/index.ts (workflows module)');

    const released = await runCli(['replay', '--files', 'test/histories/0.2.0'], cli);
    expect(released.stderr).toBe('');
    expect(released.exitCode).toBe(0);
    const count = historyFiles('0.2.0').length;
    expect(released.stdout.match(/^ok {6}test\/histories\/0\.2\.0\/.+\.json {2}\(/gm)).toHaveLength(count);
    expect(released.stdout).toContain(`${count} of ${count} replay`);
  }, 120_000);

  it('refuses bad options with exit 2 and says why', async () => {
    const cases: Array<[string[], string]> = [
      [['--since', 'lately'], '--since: "lately" is not a duration: use e.g. 7d, 12h, 30m'],
      [['--limit', '0'], '--limit must be a whole number above 0'],
      [['history.json'], 'history files go after --files'],
      [['--files', 'test/histories', '--query', ofThisFile], 'give --files or --query/--since, not both'],
      [['--files', 'package.json'], 'package.json is not a workflow history'],
      [['--files', 'no/such/file.json'], 'no/such/file.json does not exist'],
      [['--workflows', 'no/such/workflows'], '--workflows: no workflows module at no/such/workflows'],
      [['--query', 'NoSuchAttribute = 1'], 'the query failed: '],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['replay', ...args], cli);
      expect({ args, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ args, exitCode: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    }
    const help = await runCli(['replay', '--help'], cli);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("(default: WorkflowType = 'agentRunWorkflow' AND ExecutionStatus = 'Running')");
  }, 60_000);
});
