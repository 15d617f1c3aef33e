import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '../../harness/run/results.js';
import { loadTargetFile } from '../../harness/target/definition.js';
import { installLine, missingRequirements } from '../../harness/target/requires.js';
import { NO_RESIDUE, residue, ROOT, runIdOf, tcpconform, tempDir } from './helpers.js';

/**
 * The third-party servers that ship as targets (python-http, nginx,
 * socat-echo, ncat-echo, node-echo), run for real in lab namespaces with the
 * reference client doing the work: each passes the specs that apply to it,
 * is not applicable to those needing what it cannot do, and leaves nothing
 * behind, its own temporary folder included.
 */


const SHIPPED: Record<string, { http: boolean }> = {
  'python-http': { http: true },
  nginx: { http: true },
  'socat-echo': { http: false },
  'ncat-echo': { http: false },
  'node-echo': { http: false },
};

const SPECS = ['handshake/three-way.yaml', 'service/close-on-eof.yaml', 'service/echo.yaml', 'service/http-response-close.yaml', 'close/server-first.yaml'].map((s) =>
  path.join(ROOT, 'specs', s),
);

function readRun(out: string): { dir: string; result: RunResult } {
  const dir = fs.realpathSync(path.join(out, 'latest'));
  return { dir, result: JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResult };
}

/** Temporary folders of a run's targets ({tmp}), which must be gone after it. */
function targetDirs(run: string): string[] {
  return fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`tcpconform-${run}-`));
}

describe('the programs the shipped targets need are installed', () => {
  // Not a skip: a machine without them fails here, saying what to install.
  test.each([...Object.keys(SHIPPED), 'curl'])('%s', (id) => {
    const { target, diagnostics } = loadTargetFile(path.join(ROOT, 'targets', `${id}.yaml`));
    expect(diagnostics).toEqual([]);
    const missing = missingRequirements(target!);
    if (missing.length) throw new Error(`target ${id} needs ${missing.map((r) => r.program).join(', ')}: run ${installLine(missing)} (or .ci/run)`);
  });
});

describe('each shipped third-party target, for real', () => {
  test.concurrent.each(Object.entries(SHIPPED))('%s: passes what applies, not-applicable for the rest', async (id, { http }) => {
    const out = tempDir(`third-party-${id}`);
    try {
      const r = await tcpconform(['run', '--target', id, ...SPECS, '--out', out, '--reporter', 'json']);
      const { dir, result } = readRun(out);
      const verdicts = Object.fromEntries(result.results.map((s) => [s.spec, s.verdict]));
      expect(verdicts).toEqual({
        'handshake.three-way': 'pass',
        'service.close-on-eof': 'pass',
        'service.echo': http ? 'not-applicable' : 'pass',
        'service.http-response-close': http ? 'pass' : 'not-applicable',
        'close.server-first': 'not-applicable',
      });
      expect(r.exitCode).toBe(0);
      for (const s of result.results) expect(s.target).toBe(id);
      // The server endpoint is the target, the client the reference.
      const eof = result.results.find((s) => s.spec === 'service.close-on-eof')!;
      expect(eof.endpoints.b!.target).toBe(id);
      expect(eof.endpoints.a!.target).toBe('reference');
      expect(eof.endpoints.b!.observed.map((o) => o.state)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
      const serverFirst = result.results.find((s) => s.spec === 'close.server-first')!;
      expect(serverFirst.reason).toMatch(/^b \(\S+ server\) lacks close \(the target cannot be driven\)/);
      if (http) {
        const resp = result.results.find((s) => s.spec === 'service.http-response-close')!;
        // The server sent the response, then its FIN first.
        const fromServer = resp.segments.filter((s) => s.from === 'b');
        expect(fromServer.some((s) => s.len > 0)).toBe(true);
        expect(resp.endpoints.b!.observed.at(-1)!.state).toBe('TIME_WAIT');
      } else {
        const echo = result.results.find((s) => s.spec === 'service.echo')!;
        const bytes = (from: string) => echo.segments.filter((s) => s.from === from).reduce((n, s) => n + s.len, 0);
        expect(bytes('a')).toBe(100);
        expect(bytes('b')).toBe(100);
      }
      const run = runIdOf(dir);
      expect(residue(run)).toEqual(NO_RESIDUE);
      expect(targetDirs(run)).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('curl, a client that cannot be driven', () => {
  test('is started at the connect step, sends its request, and closes after the server', async () => {
    const out = tempDir('third-party-curl');
    try {
      const specs = ['service/http-client.yaml', 'handshake/closed-port.yaml', 'handshake/three-way.yaml', 'close/client-first.yaml'].map((s) => path.join(ROOT, 'specs', s));
      const r = await tcpconform(['run', '--target', 'curl', ...specs, '--out', out, '--reporter', 'json']);
      const { dir, result } = readRun(out);
      expect(Object.fromEntries(result.results.map((s) => [s.spec, s.verdict]))).toEqual({
        'service.http-client': 'pass',
        // Refused, curl exits with status 7: its work done, not a broken target.
        'handshake.closed-port': 'pass',
        // After connecting, curl sends its request by itself: a spec that expects a quiet client is not for it.
        'handshake.three-way': 'not-applicable',
        'close.client-first': 'not-applicable',
      });
      const http = result.results.find((s) => s.spec === 'service.http-client')!;
      expect(http.endpoints.a!.target).toBe('curl');
      expect(http.endpoints.b!.target).toBe('reference');
      // curl's request went out before the server's response.
      const firstData = http.segments.find((s) => s.len > 0)!;
      expect(firstData.from).toBe('a');
      expect(r.exitCode).toBe(0);
      expect(residue(runIdOf(dir))).toEqual(NO_RESIDUE);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a differential run', () => {
  test('the catalog against every shipped target in one command: a targets-by-specs matrix', async () => {
    const out = tempDir('differential');
    try {
      const targets = ['reference', ...Object.keys(SHIPPED), 'curl', 'lwip'];
      const r = await tcpconform(['run', '--target', targets.join(','), '--out', out, '--reporter', 'console,json', '--no-color']);
      const { dir, result } = readRun(out);
      const specs = fs.readdirSync(path.join(ROOT, 'specs'), { recursive: true }).filter((f) => String(f).endsWith('.yaml'));
      expect(result.results).toHaveLength(specs.length * targets.length);
      expect(result.matrix!.targets).toEqual(targets);
      expect(result.matrix!.rows).toHaveLength(specs.length);
      for (const row of result.matrix!.rows) expect(Object.keys(row.cells).sort()).toEqual([...targets].sort());
      // Every cell is pass, a documented deviation or not applicable, each with its reason.
      const cells = result.matrix!.rows.flatMap((row) => Object.entries(row.cells).map(([t, c]) => ({ spec: row.spec, t, ...c })));
      expect(cells.filter((c) => !['pass', 'deviation', 'not-applicable'].includes(c.verdict)).map((c) => `${c.spec} on ${c.t}: ${c.verdict}: ${c.reason}`)).toEqual([]);
      for (const c of cells.filter((c) => c.verdict !== 'pass')) expect(c.reason).toBeTruthy();
      const cell = (spec: string, t: string) => result.matrix!.rows.find((row) => row.spec === spec)!.cells[t]!;
      expect(cell('close.time-wait-timer', 'reference')).toMatchObject({ verdict: 'deviation', reason: expect.stringMatching(/TCP_TIMEWAIT_LEN/) });
      expect(cell('service.echo', 'reference')).toMatchObject({ verdict: 'not-applicable', reason: expect.stringMatching(/lacks echoes/) });
      expect(cell('close.fin-wait-2-timeout', 'nginx')).toMatchObject({ verdict: 'not-applicable', reason: expect.stringMatching(/acts by itself/) });
      expect(cell('handshake.simultaneous-open', 'nginx')).toMatchObject({ verdict: 'not-applicable', reason: expect.stringMatching(/fills no endpoint/) });
      for (const t of Object.keys(SHIPPED)) expect(cell('handshake.three-way', t).verdict).toBe('pass');
      expect(cell('service.http-client', 'curl').verdict).toBe('pass');
      // The userspace stack: judged from the wire, with its own documented deviations.
      expect(cell('handshake.three-way', 'lwip').verdict).toBe('pass');
      expect(cell('handshake.simultaneous-open', 'lwip')).toMatchObject({ verdict: 'deviation', reason: expect.stringMatching(/simultaneous open/) });
      // The console shows the matrix too, one column per target.
      expect(r.stdout).toMatch(new RegExp(`Targets by specs:\\n\\s+spec\\s+${targets.join('\\s+')}\\n`));
      expect(r.stdout).toMatch(/handshake\.three-way\s+(pass\s+){6}not-applicable\s+pass\n/);
      expect(r.exitCode).toBe(0);
      expect(residue(runIdOf(dir))).toEqual(NO_RESIDUE);
      expect(targetDirs(runIdOf(dir))).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('a server given on the command line', () => {
  test('--server builds an undriven target that is ready once it listens', async () => {
    const out = tempDir('adhoc');
    try {
      const r = await tcpconform([
        'run',
        path.join(ROOT, 'specs/service'),
        path.join(ROOT, 'specs/handshake/three-way.yaml'),
        '--server',
        'python3 -m http.server {port} --bind {addr}',
        '--server-does',
        'answers-http,closes-after-response,closes-on-eof',
        '--out',
        out,
        '--reporter',
        'json',
      ]);
      const { result } = readRun(out);
      expect(Object.fromEntries(result.results.map((s) => [s.spec, s.verdict]))).toEqual({
        'handshake.three-way': 'pass',
        'service.close-on-eof': 'pass',
        'service.echo': 'not-applicable',
        'service.http-client': 'not-applicable',
        'service.http-response-close': 'pass',
      });
      expect(result.results[0]!.target).toBe('python3');
      expect(r.exitCode).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  test('--client builds an undriven client, started at the connect step', async () => {
    const out = tempDir('adhoc-client');
    try {
      const r = await tcpconform([
        'run',
        path.join(ROOT, 'specs/service/http-client.yaml'),
        '--client',
        'curl --silent --http1.0 --output /dev/null http://{peerport}/',
        '--client-does',
        'requests-http,closes-on-eof',
        '--out',
        out,
        '--reporter',
        'json',
      ]);
      const { result } = readRun(out);
      expect(result.results.map((s) => [s.spec, s.target, s.verdict])).toEqual([['service.http-client', 'curl', 'pass']]);
      expect(r.exitCode).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  test.each([
    ["python3 -m http.server 8000 --bind 127.0.0.1", /must listen on \{port\}/],
    ["python3 -m http.server {port} > log.txt", /">" is shell syntax/],
    ['', /empty/],
  ])('%j is bad input, exit 2', async (command, message) => {
    const r = await tcpconform(['run', '--server', command, '--out', os.tmpdir()]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
