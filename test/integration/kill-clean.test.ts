import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { survey } from '../../harness/lab/reaper.js';
import { RUNS_DIR } from '../../harness/lab/runs.js';
import { NO_RESIDUE, residue, runIdIn, sleep, startTcpconform, tcpconform, tempDir, until } from './helpers.js';

/**
 * SIGKILL is the one ending a run cannot clean up after: real runs are
 * killed at random moments, and `tcpconform clean` must then leave nothing
 * of them. (scripts/residue-soak.mjs does the same a hundred times.)
 */


describe('tcpconform clean after SIGKILL', () => {
  // Three kills counted from the spawn (most land before the first lab),
  // two counted from when the run has made its report folder (mid-spec).
  test.each([
    ['from spawn', false],
    ['from spawn', false],
    ['from spawn', false],
    ['mid-run', true],
    ['mid-run', true],
  ])('killed at a random moment (%s) leaves nothing after clean', async (_label, midRun) => {
    const out = tempDir('kill');
    try {
      const deadBefore = new Set(survey().map((s) => s.run));
      const child = startTcpconform(['run', '--out', out, '--no-color']);
      if (midRun) await until(() => runIdIn(out), 20_000);
      await sleep(Math.floor(Math.random() * 801));
      child.kill('SIGKILL');
      const ended = await child;
      expect(ended.signal === 'SIGKILL' || ended.exitCode === 0).toBe(true);

      const run = runIdIn(out);
      if (run === undefined) {
        // Killed before the run had an id: it cannot have created anything yet.
        const appeared = survey().filter((s) => !s.live && !deadBefore.has(s.run));
        expect(appeared).toEqual([]);
        return;
      }
      const clean = await tcpconform(['clean', '--run', run]);
      expect(clean.stderr).toBe('');
      expect(clean.exitCode).toBe(0);
      expect(residue(run)).toEqual(NO_RESIDUE);
      expect(fs.existsSync(path.join(RUNS_DIR, run))).toBe(false);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('clean says what it would remove with --dry-run, and refuses a malformed run id', async () => {
    const dry = await tcpconform(['clean', '--dry-run', '--run', '000000']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('nothing to clean for run 000000');
    const bad = await tcpconform(['clean', '--run', 'nope']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('not a run id');
  });

  test('without root, clean looks at the user\'s own runs: --dry-run, and a run with nothing left', async () => {
    const dry = await tcpconform(['clean', '--dry-run', '--run', '000000'], { user: 'nobody' });
    expect(dry.stdout).toContain('nothing to clean for run 000000');
    expect(dry.exitCode).toBe(0);
    const r = await tcpconform(['clean', '--run', '000000'], { user: 'nobody' });
    expect(r.exitCode).toBe(0);
  });

  test('clean removes state folders left empty, such as those of a run killed between making one and writing in it', async () => {
    // A user's state folder (root's clean looks at every user's); uid 4242 is no one's here.
    const dir = path.join(os.tmpdir(), 'tcpconform-4242');
    for (const sub of ['', 'runs', 'blocks']) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
      fs.chownSync(path.join(dir, sub), 4242, 4242);
    }
    const r = await tcpconform(['clean', '--run', '000000']);
    expect(r.stdout).toContain('nothing to clean for run 000000');
    expect(r.exitCode).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('doctor reports readiness and exits 0 here', async () => {
    const r = await tcpconform(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as { ready: boolean; checks: { name: string; level: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['root', 'node', 'kernel', 'iproute2', 'C compiler', 'liblwip-dev', '/dev/net/tun', 'tracefs', 'tracepoint', 'residue']),
    );
    expect(report.ready).toBe(true);
    expect(r.exitCode).toBe(0);
  });

});
