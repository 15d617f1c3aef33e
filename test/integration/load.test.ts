import path from 'node:path';
import { FIXTURES, residue, tcpconform } from './helpers.js';

/**
 * `tcpconform load` for real: lifecycles between the load generator and a
 * real server in real namespaces, checked from the kernel's observers.
 */

interface LoadJson {
  pass: boolean;
  run: string;
  expected: number;
  observed: number;
  passed: number;
  failed: number;
  stuck: number;
  unobserved: number;
  endStates: { client: Record<string, number>; server: Record<string, number> };
  remaining: { client: Record<string, number>; server: Record<string, number> };
  examples: { port: number; client: string[]; server: string[]; problems: string[] }[];
}

const CLOSE_WAIT_SERVER = path.join(FIXTURES, 'load/close-wait-server.mjs');

describe('tcpconform load', () => {
  test('checks every lifecycle against the reference server: TIME_WAIT on the client, CLOSED on the server', async () => {
    const r = await tcpconform(['load', '--connections', '60', '--concurrency', '8', '--bytes', '100', '--json']);
    const out = JSON.parse(r.stdout) as LoadJson;
    expect(out).toMatchObject({
      pass: true,
      expected: 60,
      observed: 60,
      passed: 60,
      failed: 0,
      stuck: 0,
      unobserved: 0,
      endStates: { client: { TIME_WAIT: 60 }, server: { CLOSED: 60 } },
      remaining: { client: { TIME_WAIT: 60 }, server: {} },
    });
    expect(r.exitCode).toBe(0);
    expect(residue(out.run)).toEqual({ namespaces: [], traceInstances: [], processes: [], blocks: [] });
  });

  test('prints the end states and a verdict', async () => {
    const r = await tcpconform(['load', '-n', '30', '-c', '30']);
    expect(r.stdout).toContain('client end states: TIME_WAIT 30');
    expect(r.stdout).toContain('server end states: CLOSED 30');
    expect(r.stdout).toMatch(/^pass: all 30 lifecycles reached TIME_WAIT on the client and CLOSED on the server$/m);
    expect(r.exitCode).toBe(0);
  });

  test('a server that leaves connections in CLOSE_WAIT fails the check with the count (exit 1)', async () => {
    // Every third connection is never closed by the server.
    const server = `node ${CLOSE_WAIT_SERVER} {addr} {port} 3`;
    const r = await tcpconform(['load', '-n', '12', '-c', '12', '--timeout', '500', '--server', server, '--json']);
    const out = JSON.parse(r.stdout) as LoadJson;
    expect(out).toMatchObject({
      pass: false,
      observed: 12,
      passed: 8,
      failed: 4,
      stuck: 4,
      endStates: { client: { TIME_WAIT: 8, FIN_WAIT_2: 4 }, server: { CLOSED: 8, CLOSE_WAIT: 4 } },
      remaining: { server: { CLOSE_WAIT: 4 } },
    });
    expect(out.examples[0]!.server).toEqual(['SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT']);
    expect(r.exitCode).toBe(1);
    expect(residue(out.run)).toEqual({ namespaces: [], traceInstances: [], processes: [], blocks: [] });

    const text = await tcpconform(['load', '-n', '6', '-c', '6', '--timeout', '500', '--server', server]);
    expect(text.stdout).toContain('server end states: CLOSED 4, CLOSE_WAIT 2');
    expect(text.stdout).toContain('fail: 2 of 6 lifecycles failed the check, 2 left in CLOSE_WAIT or SYN_RCVD');
    expect(text.exitCode).toBe(1);
  });

  test('a server that never listens is an error (exit 1), with its stderr', async () => {
    const r = await tcpconform(['load', '-n', '5', '--server', `node -e "console.error('cannot bind {addr}:{port}'); process.exit(4)"`]);
    expect(r.stdout).toContain('exited with status 4 before it listened');
    expect(r.stdout).toContain('cannot bind');
    expect(r.exitCode).toBe(1);
  });

  test.each([
    [['--connections', '0']],
    [['--connections', '70000']],
    [['--concurrency', 'many']],
    [['--timeout', '-5']],
    [['--ip', '5']],
    [['--server', "socat 'TCP-LISTEN:{port}"]],
    [['--server', 'nc -l 7000']],
    [['--server', 'srv {port} {host}']],
    [['--server', 'srv {port}', '--target', 'reference']],
    [['--target', 'no-such-target']],
  ])('bad flags %j: exit 2, with what is wrong', async (flags) => {
    const r = await tcpconform(['load', ...flags], { user: 'nobody' });
    expect(r.stderr).toMatch(/error/);
    expect(r.exitCode).toBe(2);
  });

  test('without root: exit 3, saying why', async () => {
    const r = await tcpconform(['load', '-n', '5'], { user: 'nobody' });
    expect(r.stderr).toContain('not running as root');
    expect(r.exitCode).toBe(3);
  });
});
