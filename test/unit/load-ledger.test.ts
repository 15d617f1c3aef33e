import { Ledger } from '../../harness/load/ledger.js';
import type { SockDiagSocket, TraceEvent } from '../../harness/observe/types.js';

/** The ledger's bookkeeping, fed tracepoint events and sock_diag sockets as Linux reports them. */

const C = '198.18.0.1';
const S = '198.18.0.2';
const PORT = 10000;
let t = 0;

function client(sport: number, oldstate: string, newstate: string): TraceEvent {
  return { t: t++, family: 4, saddr: C, daddr: S, sport, dport: PORT, oldstate, newstate };
}
function server(dport: number, oldstate: string, newstate: string): TraceEvent {
  return { t: t++, family: 4, saddr: S, daddr: C, sport: PORT, dport, oldstate, newstate };
}
function left(side: 'client' | 'server', port: number, state: string): SockDiagSocket {
  return side === 'client'
    ? { state, local: { addr: C, port }, peer: { addr: S, port: PORT } }
    : { state, local: { addr: S, port: PORT }, peer: { addr: C, port } };
}

/** One whole lifecycle as Linux reports it: the client closes first, the server on end of file. */
function lifecycle(ledger: Ledger, port: number): void {
  ledger.onEvent(client(0, 'CLOSE', 'SYN_SENT'));
  ledger.onEvent(client(port, 'SYN_SENT', 'ESTABLISHED'));
  ledger.onEvent(server(port, 'LISTEN', 'SYN_RECV'));
  ledger.onEvent(server(port, 'SYN_RECV', 'ESTABLISHED'));
  ledger.onEvent(client(port, 'ESTABLISHED', 'FIN_WAIT1'));
  ledger.onEvent(server(port, 'ESTABLISHED', 'CLOSE_WAIT'));
  ledger.onEvent(client(port, 'FIN_WAIT1', 'FIN_WAIT2'));
  ledger.onEvent(server(port, 'CLOSE_WAIT', 'LAST_ACK'));
  ledger.onEvent(client(port, 'FIN_WAIT2', 'CLOSE'));
  ledger.onEvent(server(port, 'LAST_ACK', 'CLOSE'));
}

describe('the load ledger', () => {
  test('a lifecycle that ends in TIME_WAIT and CLOSED passes; its TIME_WAIT comes from sock_diag', () => {
    const ledger = new Ledger(C, S, PORT);
    lifecycle(ledger, 40000);
    lifecycle(ledger, 40001);
    expect(ledger.closed).toBe(2);
    expect(ledger.connects).toBe(2);
    const check = ledger.check(2, [left('client', 40000, 'TIME-WAIT'), left('client', 40001, 'TIME-WAIT')], []);
    expect(check).toMatchObject({ passed: 2, failed: 0, stuck: 0, endStates: { client: { TIME_WAIT: 2 }, server: { CLOSED: 2 } } });
  });

  test('FIN_WAIT2 -> CLOSE without a TIME-WAIT socket is no TIME_WAIT', () => {
    const ledger = new Ledger(C, S, PORT);
    lifecycle(ledger, 40000);
    const check = ledger.check(1, [left('client', 40000, 'FIN-WAIT-2')], []);
    expect(check.failed).toBe(1);
    expect(check.examples[0]!.client).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
  });

  test('a server left in CLOSE_WAIT, a request socket in SYN_RCVD, and lifecycles never seen all fail', () => {
    const ledger = new Ledger(C, S, PORT);
    ledger.onEvent(client(40000, 'SYN_SENT', 'ESTABLISHED'));
    ledger.onEvent(server(40000, 'LISTEN', 'SYN_RECV'));
    ledger.onEvent(server(40000, 'SYN_RECV', 'ESTABLISHED'));
    ledger.onEvent(server(40000, 'ESTABLISHED', 'CLOSE_WAIT'));
    const check = ledger.check(3, [], [left('server', 40000, 'CLOSE-WAIT'), left('server', 40005, 'SYN-RECV'), { state: 'LISTEN', local: { addr: S, port: PORT }, peer: { addr: '0.0.0.0', port: 0 } }]);
    expect(check).toMatchObject({ observed: 2, unobserved: 1, failed: 3, passed: 0, stuck: 2 });
    expect(check.endStates.server).toEqual({ CLOSE_WAIT: 1, SYN_RCVD: 1, none: 1 });
    // The listener is not a connection: not counted.
    expect(check.remaining.server).toEqual({ CLOSE_WAIT: 1, SYN_RCVD: 1 });
  });

  test('a port used again after its connection ended is a new lifecycle', () => {
    const ledger = new Ledger(C, S, PORT);
    lifecycle(ledger, 40000);
    lifecycle(ledger, 40000);
    const check = ledger.check(2, [left('client', 40000, 'TIME-WAIT')], []);
    expect(check.observed).toBe(2);
    // Only the last connection on the port can own the TIME-WAIT socket.
    expect(check.endStates.client).toEqual({ CLOSED: 1, TIME_WAIT: 1 });
  });

  test('a missed event shows as a gap', () => {
    const ledger = new Ledger(C, S, PORT);
    ledger.onEvent(client(40000, 'SYN_SENT', 'ESTABLISHED'));
    ledger.onEvent(client(40000, 'FIN_WAIT2', 'CLOSE'));
    const check = ledger.check(1, [left('client', 40000, 'TIME-WAIT')], []);
    expect(check.examples[0]!.problems).toContain('client: the tracepoint missed an event');
  });
});
