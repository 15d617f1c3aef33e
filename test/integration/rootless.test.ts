import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, FIXTURES, processesOfRun, ROOT, runIdOf, sleep, tcpconform, tempDir, type CliResult } from './helpers.js';

/**
 * Runs without root, as the user `nobody` (the test itself runs as root):
 * labs in a user namespace of the run's own, observed through the wire and
 * sock_diag; what only the tracepoint can judge is skipped; nothing is left;
 * and where user namespaces are refused, exit 3 with the reason and the fix.
 */

const USER = 'nobody';
const UID = 65534;
const STATE = path.join(os.tmpdir(), `tcpconform-${UID}`);

/** A reports folder the user can write. */
function userOut(prefix: string): string {
  const out = tempDir(prefix);
  fs.chmodSync(out, 0o777);
  return out;
}

interface Results {
  environment: { observers?: string[] };
  results: {
    spec: string;
    verdict: string;
    reason?: string;
    endpoints: Record<string, { observed: { state: string; sources: string[]; notes?: string[] }[] }>;
  }[];
}

/** The run's results; when it wrote none, the error says what the command printed. */
function resultsOf(out: string, r: CliResult): { run: string; results: Results } {
  const dir = fs.readdirSync(out).find((d) => d !== 'latest');
  if (dir === undefined) throw new Error(`no run folder in ${out}; exit ${r.exitCode}, stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  return { run: runIdOf(dir), results: JSON.parse(fs.readFileSync(path.join(out, dir, 'results.json'), 'utf8')) as Results };
}

/** What a run of this user could have left: processes, its namespaces, its records and locks. */
function userResidue(run: string): { processes: number[]; namespaces: string[]; state: string[] } {
  const list = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d) : []);
  const processes = processesOfRun(run);
  const namespaces = list('/run/netns').filter((n) => n.startsWith(`tcpconform-${run}-`));
  const state = [
    ...list(path.join(STATE, 'runs')).filter((n) => n.startsWith(run)),
    ...list(path.join(STATE, 'blocks')).filter((b) => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(STATE, 'blocks', b), 'utf8')) as { run: string }).run === run;
      } catch {
        return false;
      }
    }),
  ];
  return { processes, namespaces, state };
}

/**
 * The command as an unprivileged user who may not create user namespaces,
 * without touching the machine's settings: a user namespace of the test's
 * own (uid 65534 inside) gets `user.max_user_namespaces` 0, which is a limit
 * of that namespace only, and the command runs there with no capabilities.
 * The kernel then refuses `unshare --user` with ENOSPC, exactly as it does
 * on a machine whose limit is 0.
 */
async function withoutUserNamespaces(args: string[]): Promise<CliResult> {
  const r = await execa(
    'unshare',
    [
      '--user',
      `--map-user=${UID}`,
      `--map-group=${UID}`,
      '--keep-caps',
      'sh',
      '-c',
      'echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all "$0" "$@"',
      process.execPath,
      BIN,
      ...args,
    ],
    { cwd: ROOT, reject: false, stdin: 'ignore', timeout: 60_000 },
  );
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Polls `probe` until it gives a value; fails with the command's output if the command ends first. */
async function whileRunning<T>(child: Promise<{ exitCode?: number; stderr: string }>, probe: () => T | undefined, what: string): Promise<T> {
  let ended: { exitCode?: number; stderr: string } | undefined;
  void child.then((r) => (ended = r));
  for (let i = 0; i < 3000; i++) {
    const value = probe();
    if (value !== undefined) return value;
    if (ended) throw new Error(`the command ended before ${what}: exit ${ended.exitCode}, stderr:\n${ended.stderr}`);
    await sleep(10);
  }
  throw new Error(`no ${what} within 30 s`);
}

describe('tcpconform without root', () => {
  test('the bundled catalog runs in a user namespace: pass (and the documented deviation), exit 0, nothing left', async () => {
    const out = userOut('rootless-catalog');
    try {
      const r = await tcpconform(['run', '--out', out, '--no-color'], { user: USER });
      expect(r.stderr).toContain('no root: tracepoint unavailable (needs root / CAP_SYS_ADMIN for tracefs); labs run in a user namespace');
      const { run, results } = resultsOf(out, r);
      expect(results.environment.observers).toEqual(['sock_diag', 'wire']);
      expect(results.results).toHaveLength(33);
      // The same verdicts as root: every spec passes but TIME_WAIT's length, a deviation the reference documents,
      // and the service specs, written for programs that cannot be driven.
      const expected = (spec: string) => (spec === 'close.time-wait-timer' ? 'deviation' : spec.startsWith('service.') ? 'not-applicable' : 'pass');
      for (const s of results.results)
        expect(`${s.spec}: ${s.verdict}`).toBe(`${s.spec}: ${expected(s.spec)}${s.verdict === 'pass' || s.verdict === 'deviation' || s.verdict === 'not-applicable' ? '' : ` (${s.reason})`}`);
      expect(r.exitCode).toBe(0);
      // Judged by the wire and sock_diag: no entry claims the tracepoint, and sock_diag alone gave the timer-driven ones.
      const entries = results.results.flatMap((s) => Object.values(s.endpoints).flatMap((e) => e.observed));
      expect(entries.filter((o) => o.sources.includes('tracepoint'))).toEqual([]);
      const lost = results.results.find((s) => s.spec === 'handshake.final-ack-lost')!.endpoints['b']!.observed.at(-1)!;
      expect(lost).toMatchObject({ state: 'LISTEN', sources: ['sock_diag'], notes: ['synrecv-request-gone'] });
      const rfc1337 = results.results.find((s) => s.spec === 'close.rst-in-time-wait-rfc1337')!.endpoints['a']!.observed.at(-1)!;
      expect(rfc1337).toMatchObject({ state: 'TIME_WAIT', sources: ['wire', 'sock_diag'], notes: ['rst-ignored'] });
      expect(userResidue(run)).toEqual({ processes: [], namespaces: [], state: [] });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('a checkout the user may not write and nobody has built yet: the programs build into the user\'s own cache', async () => {
    // A copy of the checkout owned by root, as a clone made by root is, without built programs.
    const checkout = tempDir('rootless-checkout');
    fs.chmodSync(checkout, 0o755);
    for (const part of ['bin', 'dist', 'specs', 'schemas', 'package.json', 'targets/reference.yaml', 'targets/reference/src'])
      fs.cpSync(path.join(ROOT, part), path.join(checkout, part), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    const out = userOut('rootless-checkout-out');
    const asUser = { user: USER, cwd: checkout, bin: path.join(checkout, 'bin/tcpconform.js') };
    try {
      // A cache the user may not write either: exit 3, with what to do.
      const denied = await tcpconform(['run', 'specs/handshake/three-way.yaml', '--out', out, '--no-color'], { ...asUser, env: { XDG_CACHE_HOME: checkout } });
      expect(denied.stderr).toContain(`the target's programs need building and ${path.join(checkout, 'tcpconform')} is not writable by this user (EACCES)`);
      expect(denied.stderr).toContain('fix: set XDG_CACHE_HOME (or TCPCONFORM_REFERENCE_BUILD) to a folder this user may write');
      expect(denied.exitCode).toBe(3);
      const r = await tcpconform(['run', 'specs/handshake/three-way.yaml', '--out', out, '--no-color'], asUser);
      expect(r.stdout).toMatch(/pass\s+handshake\.three-way/);
      expect(r.exitCode).toBe(0);
      expect(fs.existsSync(path.join(checkout, 'targets/reference/build'))).toBe(false);
      // nobody has no home: the cache is in the user's private state folder.
      const cache = fs.readdirSync(path.join(STATE, 'cache')).filter((d) => /^reference-[0-9a-f]{16}$/.test(d));
      expect(cache.some((d) => fs.existsSync(path.join(STATE, 'cache', d, 'tcpref-server')) && fs.statSync(path.join(STATE, 'cache', d, 'tcpref-server')).uid === UID)).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(checkout, { recursive: true, force: true });
    }
  });

  test('specs only the tracepoint can judge are skipped with the reason without root, and pass as root', async () => {
    // One names Linux's FIN_WAIT_2 within a FIN+ACK in its expectation, the other also awaits it.
    const specs = path.join(FIXTURES, 'specs/tracepoint');
    const out = userOut('rootless-skip');
    try {
      const r = await tcpconform(['run', specs, '--out', out, '--no-color'], { user: USER });
      expect(r.stdout).toMatch(/skipped\s+tracepoint\.fin-wait-2-within-one-segment/);
      expect(r.stdout).toMatch(/skipped\s+tracepoint\.await-fin-wait-2-within-one-segment/);
      expect(r.exitCode).toBe(0);
      const { results } = resultsOf(out, r);
      const reasons = Object.fromEntries(results.results.map((s) => [s.spec, `${s.verdict}: ${s.reason}`]));
      expect(reasons).toEqual({
        'tracepoint.fin-wait-2-within-one-segment':
          'skipped: needs the kernel tracepoint (root): a: the expected FIN_WAIT_2 between FIN_WAIT_1 and TIME_WAIT lasted at most one FIN+ACK that acknowledged its FIN (the wire went FIN_WAIT_1 -> TIME_WAIT); only the kernel tracepoint sees such a state',
        'tracepoint.await-fin-wait-2-within-one-segment':
          'skipped: needs the kernel tracepoint (root): a: the awaited FIN_WAIT_2 between FIN_WAIT_1 and TIME_WAIT lasted at most one FIN+ACK that acknowledged its FIN (the wire went FIN_WAIT_1 -> TIME_WAIT); only the kernel tracepoint sees such a state',
      });
      const junit = fs.readFileSync(path.join(out, 'latest', 'junit.xml'), 'utf8');
      expect(junit.match(/<skipped message="skipped: needs the kernel tracepoint/g)).toHaveLength(2);

      const asRoot = await tcpconform(['run', specs, '--out', out, '--no-color']);
      expect(asRoot.stdout).toMatch(/pass\s+tracepoint\.fin-wait-2-within-one-segment/);
      expect(asRoot.stdout).toMatch(/pass\s+tracepoint\.await-fin-wait-2-within-one-segment/);
      expect(asRoot.exitCode).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('a real failure is still a failure without root', async () => {
    const out = userOut('rootless-fail');
    try {
      const r = await tcpconform(['run', path.join(FIXTURES, 'specs/wrong/three-way-wrong.yaml'), '--out', out, '--no-color'], { user: USER });
      expect(r.stdout).toMatch(/fail\s+/);
      expect(r.exitCode).toBe(1);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('the matrix runs without root too, judged through the wire and sock_diag', async () => {
    const out = userOut('rootless-matrix');
    try {
      const r = await tcpconform(['matrix', '--state', 'ESTABLISHED', '--segment', 'SYN,RST', '--out', out, '--no-color'], { user: USER });
      expect(r.stderr).toContain('no root: tracepoint unavailable');
      expect(r.exitCode).toBe(0);
      const m = JSON.parse(fs.readFileSync(path.join(out, 'matrix', 'latest', 'matrix.json'), 'utf8')) as {
        cells: { id: string; verdict: string; reason?: string; observed?: { timeline: { sources: string[] }[] } }[];
      };
      // The same grid as root gives: RST at RCV.NXT resets, Linux's challenge ACKs are documented deviations.
      expect(m.cells.filter((c) => c.verdict !== 'pass' && c.verdict !== 'deviation').map((c) => `${c.id}: ${c.verdict}: ${c.reason}`)).toEqual([]);
      expect(m.cells.find((c) => c.id === 'matrix.ESTABLISHED.RST.exact')?.verdict).toBe('pass');
      expect(m.cells.find((c) => c.id === 'matrix.ESTABLISHED.SYN.in-window')?.verdict).toBe('deviation');
      const sources = new Set(m.cells.flatMap((c) => c.observed?.timeline.flatMap((t) => t.sources) ?? []));
      expect(sources.has('tracepoint')).toBe(false);
      expect(sources.has('wire')).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('doctor says what a run without root gets, and exits 0', async () => {
    const r = await tcpconform(['doctor'], { user: USER });
    expect(r.stdout).toMatch(/warn\s+root\s+no root: tracepoint unavailable/);
    expect(r.stdout).toMatch(/ok\s+user namespaces/);
    expect(r.stdout).toMatch(/info\s+tracepoint\s+unavailable without root/);
    expect(r.exitCode).toBe(0);
  });

  test('where user namespaces are refused: exit 3 with the reason and the fix, the machine untouched', async () => {
    const limit = fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8');
    const out = userOut('rootless-refused');
    try {
      const run = await withoutUserNamespaces(['run', '--out', out, '--no-color']);
      expect(run.stderr).toContain('not root, and this user may not create user namespaces: unshare: unshare failed: No space left on device');
      expect(run.stderr).toContain('fix: as root: `sysctl -w user.max_user_namespaces=15000`');
      expect(run.exitCode).toBe(3);
      expect(fs.readdirSync(out)).toEqual([]);
      const doctor = await withoutUserNamespaces(['doctor']);
      expect(doctor.stdout).toMatch(/fail\s+user namespaces\s+not root, and this user may not create user namespaces/);
      expect(doctor.exitCode).toBe(3);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
    expect(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')).toBe(limit);
  });

  test('where /dev/net/tun is missing or not the user\'s to open: exit 3 with the reason and the fix', async () => {
    // A private mount namespace of the test's own hides the device from this command only.
    const r = await execa(
      'unshare',
      ['--mount', 'sh', '-c', 'mount -t tmpfs tcpconform-test /dev/net && exec runuser -u "$0" -- "$@"', USER, process.execPath, BIN, 'run', '--no-color'],
      { cwd: ROOT, reject: false, stdin: 'ignore', timeout: 60_000 },
    );
    expect(r.stderr).toContain('/dev/net/tun is missing (ENOENT)');
    expect(r.stderr).toContain('fix: as root: `modprobe tun`');
    expect(r.exitCode).toBe(3);
    // And present, but only root's (mode 0600): the user may not open it.
    const closed = await execa(
      'unshare',
      [
        '--mount',
        'sh',
        '-c',
        'mount -t tmpfs tcpconform-test /dev/net && mknod -m 600 /dev/net/tun c 10 200 && exec runuser -u "$0" -- "$@"',
        USER,
        process.execPath,
        BIN,
        'run',
        '--no-color',
      ],
      { cwd: ROOT, reject: false, stdin: 'ignore', timeout: 60_000 },
    );
    expect(closed.stderr).toContain('not root, and /dev/net/tun cannot be opened by this user (EACCES): labs need a TUN device');
    expect(closed.stderr).toContain('fix: let users open it (as root: `chmod 0666 /dev/net/tun`, its usual mode), or run as root');
    expect(closed.exitCode).toBe(3);
    expect(fs.statSync('/dev/net/tun').mode & 0o777).toBe(0o666);
  });

  test('on a machine without /run/netns the run makes its own, privately', async () => {
    // A private mount namespace of the test's own, where /run is empty.
    const out = userOut('rootless-no-netns');
    try {
      const r = await execa(
        'unshare',
        ['--mount', 'sh', '-c', 'mount -t tmpfs tcpconform-test /run && exec runuser -u "$0" -- "$@"', USER, process.execPath, BIN, 'run', '--grep', 'three-way', '--out', out, '--no-color'],
        { cwd: ROOT, reject: false, stdin: 'ignore', timeout: 60_000 },
      );
      expect(r.stdout).toMatch(/pass\s+handshake\.three-way/);
      expect(r.exitCode).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('a run killed with SIGKILL: clean, as the user, leaves nothing', async () => {
    const out = userOut('rootless-kill');
    const runs = path.join(STATE, 'runs');
    const before = new Set(fs.existsSync(runs) ? fs.readdirSync(runs) : []);
    const child = execa('runuser', ['-u', USER, '--', process.execPath, BIN, 'run', '--out', out, '--no-color'], { cwd: ROOT, reject: false, stdin: 'ignore' });
    try {
      // The record names the command inside the user namespace: that is the process that holds the labs.
      const run = await whileRunning(
        child,
        () => (fs.existsSync(runs) ? fs.readdirSync(runs) : []).find((n) => /^[0-9a-f]{6}$/.test(n) && !before.has(n)),
        'its run record',
      );
      // Until its first labs hold locks.
      for (let i = 0; i < 500 && userResidue(run).state.length < 2; i++) await sleep(10);
      const owner = (JSON.parse(fs.readFileSync(path.join(runs, run), 'utf8')) as { pid: number }).pid;
      process.kill(owner, 'SIGKILL');
      await child;
      const clean = await tcpconform(['clean', '--run', run], { user: USER });
      expect(clean.stdout).toContain(`run ${run}: dead`);
      expect(clean.exitCode).toBe(0);
      expect(userResidue(run)).toEqual({ processes: [], namespaces: [], state: [] });
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('SIGTERM reaches the run inside the user namespace: exit 130, nothing left', async () => {
    const out = userOut('rootless-term');
    try {
      const child = execa('runuser', ['-u', USER, '--', process.execPath, BIN, 'run', '--out', out, '--no-color'], { cwd: ROOT, reject: false, stdin: 'ignore' });
      const dir = await whileRunning(child, () => (fs.existsSync(out) ? fs.readdirSync(out).find((d) => d !== 'latest') : undefined), 'its run folder');
      await sleep(300);
      // Root's clean finds the run's processes and its record in the user's folder: a live run, left alone.
      const clean = await tcpconform(['clean', '--run', runIdOf(dir)]);
      expect(clean.stdout).toMatch(new RegExp(`run ${runIdOf(dir)}: live: owner pid \\d+ is running; left alone`));
      // The user's command (runuser's child) gets SIGTERM; it passes it on to the run in the user namespace.
      const command = Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
      process.kill(command, 'SIGTERM');
      const r = await child;
      expect(r.stderr).toContain('interrupted');
      expect(r.exitCode).toBe(130);
      expect(userResidue(runIdOf(dir))).toEqual({ processes: [], namespaces: [], state: [] });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
