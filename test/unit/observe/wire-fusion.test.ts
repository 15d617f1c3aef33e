import type { State } from '../../../harness/model/states.js';
import type { EndpointContext, SockDiagSnapshot, SockDiagSocket, Timeline } from '../../../harness/observe/types.js';
import { fuseWithoutTracepoint } from '../../../harness/observe/wire-fusion.js';
import { awaitNeedsTracepoint, needsTracepoint } from '../../../harness/run/tracepoint-only.js';

/**
 * Without the tracepoint: the wire's timeline, checked and completed by
 * sock_diag (docs/observers.md, "Without root"), and which expectations
 * only the tracepoint could judge.
 */

const A = '198.18.0.1';
const B = '198.18.0.2';
const P = 20000;
const client: EndpointContext = { name: 'a', role: 'client', addr: A, port: P };
const server: EndpointContext = { name: 'b', role: 'server', addr: B, port: P };

const wire = (...entries: [State, number][]): Timeline => entries.map(([state, t]) => ({ state, t, sources: ['wire'] }));
const conn = (state: string, from: string, lport: number, to: string, rport: number): SockDiagSocket => ({
  state,
  local: { addr: from, port: lport },
  peer: { addr: to, port: rport },
});
const snap = (endpoint: string, t: number, sockets: SockDiagSocket[]): SockDiagSnapshot => ({ t, tEnd: t + 100, endpoint, sockets });
const states = (tl: Timeline | undefined) => (tl ?? []).map((o) => `${o.state}:${o.sources.join('+')}${o.notes ? `|${o.notes.join(',')}` : ''}`);

describe('fuseWithoutTracepoint', () => {
  const handshakeAndClose = wire(['CLOSED', 0], ['SYN_SENT', 1000], ['ESTABLISHED', 2000], ['FIN_WAIT_1', 3000], ['FIN_WAIT_2', 4000], ['TIME_WAIT', 5000]);

  test('confirm: states ss showed for the connection get sock_diag', () => {
    const out = fuseWithoutTracepoint({
      endpoints: [client],
      wire: { a: handshakeAndClose },
      snapshots: [snap('a', 2500, [conn('ESTAB', A, 40000, B, P)]), snap('a', 900_000, [conn('TIME-WAIT', A, 40000, B, P)])],
    });
    expect(states(out['a'])).toEqual(['CLOSED:wire', 'SYN_SENT:wire', 'ESTABLISHED:wire+sock_diag', 'FIN_WAIT_1:wire', 'FIN_WAIT_2:wire', 'TIME_WAIT:wire+sock_diag']);
  });

  test('gone: a timewait socket ss showed and then no more is CLOSED from sock_diag', () => {
    const out = fuseWithoutTracepoint({
      endpoints: [client],
      wire: { a: handshakeAndClose },
      snapshots: [snap('a', 6000, [conn('TIME-WAIT', A, 40000, B, P)]), snap('a', 60_000, [])],
    });
    expect(states(out['a']).slice(-2)).toEqual(['TIME_WAIT:wire+sock_diag', 'CLOSED:sock_diag|timewait-gone']);
    expect(out['a']!.at(-1)!.t).toBe(60_000);
  });

  test('gone: a socket never shown in the last state is not declared closed', () => {
    const out = fuseWithoutTracepoint({ endpoints: [client], wire: { a: handshakeAndClose }, snapshots: [snap('a', 60_000, [])] });
    expect(out['a']!.at(-1)!.state).toBe('TIME_WAIT');
  });

  test('gone: a request socket that goes while the listener stays puts the server back in LISTEN', () => {
    const listener = conn('LISTEN', B, P, '0.0.0.0', 0);
    const out = fuseWithoutTracepoint({
      endpoints: [server],
      wire: { b: wire(['CLOSED', 0], ['LISTEN', 100], ['SYN_RCVD', 2000]) },
      snapshots: [snap('b', 2500, [listener, conn('SYN-RECV', B, P, A, 40000)]), snap('b', 3_000_000, [listener])],
    });
    expect(states(out['b'])).toEqual(['CLOSED:wire', 'LISTEN:wire', 'SYN_RCVD:wire+sock_diag', 'LISTEN:sock_diag|synrecv-request-gone']);
  });

  test('rst-ignored: a RST the wire accepts in TIME_WAIT, with TIME-WAIT still shown after it, leaves TIME_WAIT', () => {
    const tl = [...handshakeAndClose, ...wire(['CLOSED', 8000])];
    const out = fuseWithoutTracepoint({ endpoints: [client], wire: { a: tl }, snapshots: [snap('a', 8100, [conn('TIME-WAIT', A, 40000, B, P)])] });
    expect(states(out['a']).at(-1)).toBe('TIME_WAIT:wire+sock_diag|rst-ignored');
  });

  test('rst-ignored: a snapshot from before the RST decides nothing', () => {
    const tl = [...handshakeAndClose, ...wire(['CLOSED', 8000])];
    const out = fuseWithoutTracepoint({ endpoints: [client], wire: { a: tl }, snapshots: [snap('a', 7900, [conn('TIME-WAIT', A, 40000, B, P)])] });
    expect(out['a']!.at(-1)!.state).toBe('CLOSED');
  });
});

describe('needsTracepoint', () => {
  const expected: State[] = ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'];

  test('an expected FIN_WAIT_2 the wire passed on one FIN+ACK cannot be judged without the tracepoint', () => {
    const observed = wire(['CLOSED', 0], ['SYN_SENT', 1], ['ESTABLISHED', 2], ['FIN_WAIT_1', 3], ['TIME_WAIT', 4]);
    expect(needsTracepoint('a', expected, observed)).toContain('a: the expected FIN_WAIT_2 between FIN_WAIT_1 and TIME_WAIT');
  });

  test('any other difference is a real failure', () => {
    const closed = wire(['CLOSED', 0], ['SYN_SENT', 1], ['ESTABLISHED', 2], ['FIN_WAIT_1', 3], ['CLOSED', 4]);
    expect(needsTracepoint('a', expected, closed)).toBeUndefined();
    // The wire saw the shortcut, but something else differs too.
    const more = wire(['CLOSED', 0], ['SYN_SENT', 1], ['ESTABLISHED', 2], ['FIN_WAIT_1', 3], ['TIME_WAIT', 4], ['CLOSED', 5]);
    expect(needsTracepoint('a', expected, more)).toBeUndefined();
    // A handshake without SYN_RCVD is what the segments say: not a tracepoint matter.
    const simultaneous: State[] = ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED'];
    expect(needsTracepoint('a', simultaneous, wire(['CLOSED', 0], ['SYN_SENT', 1], ['ESTABLISHED', 2]))).toBeUndefined();
  });
});

describe('awaitNeedsTracepoint', () => {
  const observed = wire(['CLOSED', 0], ['SYN_SENT', 1], ['ESTABLISHED', 2], ['FIN_WAIT_1', 3], ['TIME_WAIT', 4]);

  test('an awaited FIN_WAIT_2 the wire passed on one FIN+ACK', () => {
    expect(awaitNeedsTracepoint('a', 'FIN_WAIT_2', observed)).toContain('a: the awaited FIN_WAIT_2 between FIN_WAIT_1 and TIME_WAIT');
  });

  test('any other awaited state that never came is a real failure', () => {
    expect(awaitNeedsTracepoint('a', 'CLOSING', observed)).toBeUndefined();
    expect(awaitNeedsTracepoint('a', 'FIN_WAIT_2', wire(['CLOSED', 0], ['SYN_SENT', 1], ['ESTABLISHED', 2], ['FIN_WAIT_1', 3]))).toBeUndefined();
  });
});
