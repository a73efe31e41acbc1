/**
 * `agentrun dev --demo` (what `npm start` runs) as a child process, as on a fresh clone: no API
 * key, its own Temporal dev server (free ports, SQLite in a temp folder), its own emulator and
 * worker. It must finish the example run, print the answer and the Web UI link, and exit 0
 * having stopped everything it started.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { requireBuiltCli, runCli } from './cli-process';

describe('agentrun dev --demo', () => {
  let directory: string;
  beforeAll(() => {
    requireBuiltCli();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-demo-'));
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it.each([
    ['the Responses API (the default)', [], 'conversation conv_', 'responses resp_', 'book_meeting_room'],
    ['threads/runs (--threads)', ['--threads'], 'thread thread_', 'run run_', 'get_weather'],
  ])('on %s: runs the example agent run end to end, approves like a person, prints the answer and the Web UI link, and exits 0', async (_protocol, flags, conversation, turns, echoedTool) => {
    const database = path.join(directory, `state-${flags.length}`, 'temporal.sqlite');
    const result = await runCli(['dev', '--demo', ...flags, '--port', '0', '--ui-port', '0', '--emulator-port', '0', '--db', database], { cwd: directory, timeoutMs: 55_000 });
    const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect({ exitCode: result.exitCode, output }).toMatchObject({ exitCode: 0 });

    const { stdout, stderr } = result;
    const workflowId = stdout.match(/Started agent run (agent-run-\S+)/)?.[1];
    expect(workflowId).toBeDefined();
    expect(stdout).toContain('approval needed: book_meeting_room {"room":"Lovelace","start":"15:00","minutes":30}');
    expect(stdout).toMatch(new RegExp(`demo-operator reviews it and approves, as a person would type:\\n +node \\S+ approve ${workflowId} call_\\S+ --approver demo-operator --address 127\\.0\\.0\\.1:\\d+`));
    expect(stdout).toMatch(/approved: book_meeting_room \(call_\S+\) by demo-operator/);
    expect(stdout).toMatch(/Answer:\n {2}I checked the weather in Paris and booked the Lovelace room/);
    // The emulated model's answer echoes the tool outputs it was given (the last round's, on Responses).
    expect(stdout).toMatch(new RegExp(`\\[tool_output call_id=call_\\S+ name=${echoedTool}\\] \\{"`));
    expect(stdout).toContain(conversation);
    expect(stdout).toContain(turns);
    expect(stdout).toMatch(/Status: completed · 2 tool rounds/);
    const uiLink = stdout.match(/Web UI: (http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/(\S+))/);
    expect(uiLink?.[2]).toBe(workflowId);
    expect(stderr).toMatch(/agentrun dev: stopped\n$/);
    expect(fs.existsSync(database)).toBe(true);

    // Everything it started has stopped: its Temporal server no longer answers.
    const address = stderr.match(/Temporal dev server .* at (127\.0\.0\.1:\d+)/)?.[1];
    expect(address).toBeDefined();
    await expect(Connection.connect({ address: address!, connectTimeout: 1_000 })).rejects.toThrow();
  });
});
