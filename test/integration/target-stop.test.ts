import { execa } from 'execa';
import crypto from 'node:crypto';
import path from 'node:path';
import { registerRun, unregisterRun } from '../../harness/lab/runs.js';
import { ensureReferenceBuilt } from '../../harness/target/reference-build.js';
import { TargetProcess } from '../../harness/target/process.js';
import { FIXTURES, residue } from './helpers.js';

/**
 * How the process adapter ends a target: stdin EOF for a well-behaved one,
 * SIGTERM for one that ignores EOF, SIGKILL for one that ignores both;
 * always within bounded time.
 */

const run = crypto.randomBytes(3).toString('hex');
const ns = `tcpconform-${run}-0-a`;
const FAULTY = path.join(FIXTURES, 'targets/bin/faulty.mjs');
let server: string;

beforeAll(async () => {
  // Registered, so that a `tcpconform clean` running meanwhile sees a live run.
  registerRun(run);
  await execa('ip', ['netns', 'add', ns]);
  server = (await ensureReferenceBuilt()).server;
});

afterAll(async () => {
  await execa('ip', ['netns', 'delete', ns], { reject: false });
  unregisterRun(run);
});

async function startAndStop(argv: string[], hangFirst: boolean): Promise<{ how: string; ms: number }> {
  const target = await TargetProcess.start({ ns, argv, label: 'test', readyTimeoutMs: 5000, run });
  if (hangFirst) void target.control.request('listen', { addr: '127.0.0.1', port: 0 }, 60_000).catch(() => {});
  // Let the request reach the program before stopping it.
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  const how = await target.stop();
  return { how, ms: Date.now() - t0 };
}

describe('stopping a target', () => {
  test('a well-behaved target ends on stdin EOF', async () => {
    const r = await startAndStop([server], false);
    expect(r.how).toBe('stdin-eof');
    expect(r.ms).toBeLessThan(500);
  });

  test('a hung target that ignores EOF ends on SIGTERM', async () => {
    const r = await startAndStop(['/usr/bin/env', 'node', FAULTY, 'hang', '--', server], true);
    expect(r.how).toBe('sigterm');
    expect(r.ms).toBeGreaterThanOrEqual(450);
    expect(r.ms).toBeLessThan(1500);
  });

  test('a target that ignores SIGTERM too ends on SIGKILL', async () => {
    const r = await startAndStop(['/usr/bin/env', 'node', FAULTY, 'ignore-term', '--', server], true);
    expect(r.how).toBe('sigkill');
    expect(r.ms).toBeGreaterThanOrEqual(1450);
    expect(r.ms).toBeLessThan(3500);
  });

  test('no process of the run is left', async () => {
    // The reference program under a killed wrapper ends on the EOF of its own stdin.
    for (let i = 0; i < 100 && residue(run).processes.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(residue(run).processes).toEqual([]);
  });
});
