import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The processes whose command line contains `needle`. */
function processesMatching(needle: string): string[] {
  const listing = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return listing.split('\n').filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

describe('dev server lifetime', () => {
  it('leaves no orphan server when its parent is killed with SIGKILL', async () => {
    // A parent that starts a server and then hangs; its server is recognisable by a unique namespace.
    // It runs the built module (npm test builds before jest), as a real user process would.
    const namespace = `orphan-check-${process.pid}-${Date.now()}`;
    const parent = spawn(process.execPath, ['-e', `
      const { startDevServer } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'dev-server', 'dev-server.js'))});
      startDevServer({ namespace: ${JSON.stringify(namespace)}, log: () => {} }).then(() => { console.log('ready'); setInterval(() => {}, 1000); });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
    });
    expect(processesMatching(namespace).some((line) => line.includes('start-dev'))).toBe(true);

    parent.kill('SIGKILL');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && processesMatching(namespace).length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processesMatching(namespace)).toEqual([]);
  });
});
