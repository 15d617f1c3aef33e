import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../harness/run/results.js';
import { FIXTURES, NO_RESIDUE, residue, ROOT, runIdOf, tcpconform, tempDir } from './helpers.js';

/**
 * Targets that misbehave (test/fixtures/targets: a misbehaving server with
 * the reference client): each spec they take part in ends as `error` with
 * the reason and the target's stderr, within bounded time, the run goes on
 * to its end, and nothing is left behind.
 */

const SPEC = path.join(ROOT, 'specs/close/server-first.yaml');
const THREE_WAY = path.join(ROOT, 'specs/handshake/three-way.yaml');

/** Ready and reply timeouts are 5 s; SIGTERM then SIGKILL add 1.5 s; the rest is slack for loaded machines. */
const BOUND_MS = 20_000;

interface Case {
  target: string;
  /** The spec to run (default: close.server-first); undriven servers take part only in specs that need no driving. */
  spec?: string;
  reason: RegExp;
  /** Expected in the server's stderr tail, when the fault says something there. */
  stderr?: RegExp;
}

const CASES: Case[] = [
  { target: 'exits-at-once', reason: /exited with status 3/, stderr: /cannot open configuration file/ },
  { target: 'never-ready', reason: /never became ready/, stderr: /license server/ },
  { target: 'crashes-mid-spec', reason: /exited with status 70/, stderr: /crashing on request 3/ },
  { target: 'hangs', reason: /close: no reply within \d+ ms/, stderr: /hanging from request 3/ },
  { target: 'ignores-sigterm', reason: /close: no reply within \d+ ms/, stderr: /hanging from request 3/ },
  { target: 'garbage', reason: /not the control protocol: .*PANIC/ },
  { target: 'floods-stdout', reason: /flooded its control channel/ },
  { target: 'floods-stderr', reason: /flooded stderr/, stderr: /debug: nothing happened/ },
  { target: 'port-in-use', reason: /listen failed: EADDRINUSE/, stderr: /took .* before the target could/ },
  // Servers that cannot be driven, whose readiness the harness observes.
  { target: 'never-listens', spec: THREE_WAY, reason: /never became ready \(no LISTEN socket on 198\.1[89]\.[\d.]+:\d+ within 5000 ms\)/, stderr: /no "listen" directive/ },
  { target: 'stdout-never-matches', spec: THREE_WAY, reason: /never became ready \(no line of stdout matched \/\^Listening on \/ within 5000 ms\)/, stderr: /saying so only here/ },
  { target: 'exits-before-listening', spec: THREE_WAY, reason: /exited with status 3 before it became ready/, stderr: /cannot open configuration file/ },
];

function readRun(out: string): { dir: string; result: RunResult } {
  const dir = fs.realpathSync(path.join(out, 'latest'));
  return { dir, result: JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResult };
}

describe('misbehaving targets', () => {
  test.concurrent.each(CASES)('$target: error with the reason, in bounded time, nothing left', async ({ target, spec: specFile, reason, stderr }) => {
    const out = tempDir(`fault-${target}`);
    try {
      const t0 = Date.now();
      const r = await tcpconform(['run', '--target', path.join(FIXTURES, 'targets', `${target}.yaml`), specFile ?? SPEC, '--out', out, '--reporter', 'json']);
      const elapsed = Date.now() - t0;
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(r.exitCode).toBe(1);
      expect(elapsed).toBeLessThan(BOUND_MS);
      const { dir, result } = readRun(out);
      expect(result.results).toHaveLength(1);
      const spec = result.results[0]!;
      expect(spec.verdict).toBe('error');
      expect(spec.reason).toMatch(reason);
      if (stderr) expect(spec.stderr?.b).toMatch(stderr);
      expect(residue(runIdOf(dir))).toEqual(NO_RESIDUE);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('the run goes on after a target breaks: every spec gets its result', async () => {
    const out = tempDir('fault-rest');
    try {
      const specs = ['close/server-first.yaml', 'close/client-first.yaml', 'handshake/three-way.yaml'].map((s) => path.join(ROOT, 'specs', s));
      const r = await tcpconform(['run', '--target', path.join(FIXTURES, 'targets/crashes-mid-spec.yaml'), ...specs, '--out', out, '--reporter', 'json']);
      expect(r.exitCode).toBe(1);
      const { dir, result } = readRun(out);
      // three-way sends the server only two requests: the crash (on the third) never comes.
      expect(Object.fromEntries(result.results.map((s) => [s.spec, s.verdict]))).toEqual({
        'close.server-first': 'error',
        'close.client-first': 'error',
        'handshake.three-way': 'pass',
      });
      expect(residue(runIdOf(dir))).toEqual(NO_RESIDUE);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
