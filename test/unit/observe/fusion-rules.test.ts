import { fuse } from '../../../harness/observe/fusion.js';
import { parseSs } from '../../../harness/observe/sockdiag-parse.js';
import type {
  EndpointContext,
  ObservedState,
  ObserverName,
  SockDiagSnapshot,
  TraceEvent,
} from '../../../harness/observe/types.js';
import type { State } from '../../../harness/model/states.js';

/**
 * Synthetic, hand-made cases: one small scenario per fusion rule
 * (docs/observers.md). The real recordings are in fusion-recordings.test.ts.
 */

const A = '198.18.0.1';
const B = '198.18.0.2';
const P = 20000;
const client: EndpointContext = { name: 'a', role: 'client', addr: A, port: P };
const server: EndpointContext = { name: 'b', role: 'server', addr: B, port: P };

type Ctx = TraceEvent['ctx'];
const SOFTIRQ: Ctx = { task: 'swapper-0', cpu: 0, flags: '..s2.' };

function ev(t: number, from: [string, number], to: [string, number], transition: string, ctx?: Ctx): TraceEvent {
  const [oldstate, newstate] = transition.split('>') as [string, string];
  const e: TraceEvent = {
    t,
    family: 4,
    saddr: from[0],
    sport: from[1],
    daddr: to[0],
    dport: to[1],
    oldstate,
    newstate,
  };
  return ctx ? { ...e, ctx } : e;
}
/** An event of the client's socket (local port `port`, 0 before connect() picks one). */
const cli = (t: number, port: number, transition: string, ctx?: Ctx) => ev(t, [A, port], [B, P], transition, ctx);
/** An event of the server's listener. */
const lst = (t: number, transition: string) => ev(t, [B, P], ['0.0.0.0', 0], transition);
/** An event of the server's child for the client port `port`. */
const chd = (t: number, port: number, transition: string, ctx?: Ctx) => ev(t, [B, P], [A, port], transition, ctx);

function snap(t: number, endpoint: string, ...lines: string[]): SockDiagSnapshot {
  return { t, endpoint, sockets: parseSs(lines.join('\n')) };
}
const TP: ObserverName[] = ['tracepoint'];
const SD: ObserverName[] = ['sock_diag'];
const BOTH: ObserverName[] = ['tracepoint', 'sock_diag'];
function s(state: State, t: number, sources: ObserverName[], extra: Partial<ObservedState> = {}): ObservedState {
  return { state, t, sources, ...extra };
}

function run(endpoint: EndpointContext, trace: TraceEvent[], snapshots: SockDiagSnapshot[] = []) {
  return fuse({ endpoints: [endpoint], trace, snapshots })[endpoint.name];
}

/** A client's open and its close after the server's FIN (plain LAST_ACK path). */
const clientPassive = [
  cli(100, 0, 'CLOSE>SYN_SENT'),
  cli(200, 5000, 'SYN_SENT>ESTABLISHED'),
  cli(300, 5000, 'ESTABLISHED>CLOSE_WAIT'),
  cli(400, 5000, 'CLOSE_WAIT>LAST_ACK'),
  cli(500, 5000, 'LAST_ACK>CLOSE'),
];
const clientPassiveTimeline = [
  s('CLOSED', 100, TP),
  s('SYN_SENT', 100, TP),
  s('ESTABLISHED', 200, TP),
  s('CLOSE_WAIT', 300, TP),
  s('LAST_ACK', 400, TP),
  s('CLOSED', 500, TP),
];

describe('synthetic: rule attribution', () => {
  it('ignores events of other addresses', () => {
    const other = [
      ev(150, ['198.18.0.9', 4000], [B, P], 'CLOSE>SYN_SENT'),
      ev(160, ['198.18.0.9', 0], [A, P], 'CLOSE>SYN_SENT'),
    ];
    expect(run(client, [...clientPassive, ...other])).toEqual(clientPassiveTimeline);
  });

  it('gives a wildcard listener to the server with its port, never to a client', () => {
    const trace = [
      ev(10, ['0.0.0.0', P], ['0.0.0.0', 0], 'CLOSE>LISTEN'),
      ev(20, ['::', 9999], ['::', 0], 'CLOSE>LISTEN'),
    ];
    expect(run(server, trace)).toEqual([s('CLOSED', 10, TP), s('LISTEN', 10, TP)]);
    expect(run({ ...client, port: 9999 }, trace)).toEqual([]);
  });

  it('reads v4-mapped addresses of AF_INET6 sockets as IPv4', () => {
    const mapped = clientPassive.map((e) => ({
      ...e,
      family: 6 as const,
      saddr: `::ffff:${e.saddr}`,
      daddr: `::ffff:${e.daddr}`,
    }));
    expect(run(client, mapped)).toEqual(clientPassiveTimeline);
  });
});

describe('synthetic: rule one-connection', () => {
  it('joins the sport=0 first event of a client to its socket and follows only the first connection', () => {
    const second = [cli(600, 0, 'CLOSE>SYN_SENT'), cli(700, 5001, 'SYN_SENT>ESTABLISHED')];
    expect(run(client, [...clientPassive, ...second])).toEqual(clientPassiveTimeline);
  });

  it('ends a client whose connect() failed before it had a port', () => {
    const trace = [
      cli(100, 0, 'CLOSE>SYN_SENT'),
      cli(110, 0, 'SYN_SENT>CLOSE'),
      cli(200, 0, 'CLOSE>SYN_SENT'),
      cli(210, 5, 'SYN_SENT>ESTABLISHED'),
    ];
    expect(run(client, trace)).toEqual([s('CLOSED', 100, TP), s('SYN_SENT', 100, TP), s('CLOSED', 110, TP)]);
  });

  it('follows the listener until the first child, then the child only', () => {
    const trace = [
      lst(10, 'CLOSE>LISTEN'),
      chd(100, 5000, 'LISTEN>SYN_RECV'),
      chd(105, 5000, 'SYN_RECV>ESTABLISHED'),
      chd(200, 5001, 'LISTEN>SYN_RECV'), // a second child
      chd(205, 5001, 'SYN_RECV>ESTABLISHED'),
      lst(300, 'LISTEN>CLOSE'), // the listener closes; the connection is still open
    ];
    expect(run(server, trace)).toEqual([
      s('CLOSED', 10, TP),
      s('LISTEN', 10, TP),
      s('SYN_RCVD', 100, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 105, TP),
    ]);
  });

  it("is the listener's own path when no child appears, and nothing without events", () => {
    expect(run(server, [lst(10, 'CLOSE>LISTEN'), lst(90, 'LISTEN>CLOSE')])).toEqual([
      s('CLOSED', 10, TP),
      s('LISTEN', 10, TP),
      s('CLOSED', 90, TP),
    ]);
    expect(run(server, [], [snap(5, 'b', `ESTAB 0 0 ${B}:${P} ${A}:5000`)])).toEqual([]);
  });
});

describe('synthetic: rules start-closed and self-transition', () => {
  it('starts in CLOSED even when no observer saw the socket begin', () => {
    const trace = [cli(300, 5000, 'ESTABLISHED>FIN_WAIT1'), cli(310, 5000, 'FIN_WAIT1>CLOSE')];
    expect(run(client, trace)).toEqual([
      s('CLOSED', 300, [], { notes: ['start-closed'] }),
      s('FIN_WAIT_1', 300, TP),
      s('CLOSED', 310, TP),
    ]);
  });

  it('drops FIN_WAIT2->FIN_WAIT2', () => {
    const trace = [
      cli(100, 5000, 'CLOSE>SYN_SENT'),
      cli(200, 5000, 'SYN_SENT>ESTABLISHED'),
      cli(300, 5000, 'ESTABLISHED>FIN_WAIT1'),
      cli(400, 5000, 'FIN_WAIT1>FIN_WAIT2'),
      cli(500, 5000, 'FIN_WAIT2>FIN_WAIT2'),
    ];
    expect(run(client, trace)?.map((o) => o.state)).toEqual([
      'CLOSED',
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
    ]);
  });
});

describe('synthetic: rule synrecv-child', () => {
  const trace = [
    lst(10, 'CLOSE>LISTEN'),
    chd(1000, 5000, 'LISTEN>SYN_RECV', SOFTIRQ),
    chd(1005, 5000, 'SYN_RECV>ESTABLISHED', SOFTIRQ),
  ];
  const request = `SYN-RECV 0 0 ${B}:${P} ${A}:5000 timer:(on,980ms,0)`;

  it('dates SYN_RCVD from the earliest SYN-RECV snapshot of the 4-tuple, and never marks it transient', () => {
    const snaps = [
      snap(600, 'b', request),
      snap(400, 'b', request),
      snap(300, 'b', `SYN-RECV 0 0 ${B}:${P} ${A}:7777`),
    ];
    expect(run(server, trace, snaps)).toEqual([
      s('CLOSED', 10, TP),
      s('LISTEN', 10, TP),
      s('SYN_RCVD', 400, BOTH, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1005, TP),
    ]);
  });

  it('keeps the entry after LISTEN when the snapshot is stamped earlier', () => {
    const snaps = [snap(5, 'b', request)];
    expect(run(server, trace, snaps)?.[2]).toEqual(s('SYN_RCVD', 10, BOTH, { notes: ['synrecv-child'] }));
  });

  it("keeps the child's time without a snapshot", () => {
    expect(run(server, trace)?.[2]).toEqual(s('SYN_RCVD', 1000, TP, { notes: ['synrecv-child'] }));
  });
});

describe('synthetic: rule synrecv-request', () => {
  const listening = `LISTEN 0 4 ${B}:${P} 0.0.0.0:*`;
  const request = `SYN-RECV 0 0 ${B}:${P} ${A}:5000 timer:(on,980ms,0)`;

  it('puts a request that never became a child on the timeline, and back to LISTEN when it is gone', () => {
    const trace = [lst(10, 'CLOSE>LISTEN'), lst(900_000, 'LISTEN>CLOSE')];
    const snaps = [
      snap(100, 'b', listening),
      snap(200_000, 'b', listening, request),
      snap(300_000, 'b', listening, request),
      snap(400_000, 'b', listening),
      snap(950_000, 'b'),
    ];
    expect(run(server, trace, snaps)).toEqual([
      s('CLOSED', 10, TP),
      s('LISTEN', 10, BOTH),
      s('SYN_RCVD', 200_000, SD, { notes: ['synrecv-request'] }),
      s('LISTEN', 400_000, SD, { notes: ['synrecv-request-gone'] }),
      s('CLOSED', 900_000, TP),
    ]);
  });

  it('goes from SYN_RCVD to CLOSED when the listener closes first', () => {
    const trace = [lst(10, 'CLOSE>LISTEN'), lst(900_000, 'LISTEN>CLOSE')];
    const snaps = [snap(200_000, 'b', listening, request), snap(950_000, 'b')];
    expect(run(server, trace, snaps)?.map((o) => o.state)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD', 'CLOSED']);
  });

  it("ignores another port's request sockets", () => {
    const trace = [lst(10, 'CLOSE>LISTEN')];
    const snaps = [snap(200_000, 'b', `SYN-RECV 0 0 ${B}:80 ${A}:5000`)];
    expect(run(server, trace, snaps)).toEqual([s('CLOSED', 10, TP), s('LISTEN', 10, TP)]);
  });
});

describe('synthetic: rule timewait-handover', () => {
  const open = [
    cli(100, 5000, 'CLOSE>SYN_SENT'),
    cli(200, 5000, 'SYN_SENT>ESTABLISHED'),
    cli(300, 5000, 'ESTABLISHED>FIN_WAIT1'),
  ];
  const start = [s('CLOSED', 100, TP), s('SYN_SENT', 100, TP), s('ESTABLISHED', 200, TP), s('FIN_WAIT_1', 300, TP)];
  const tw = (t: number) => snap(t, 'a', `TIME-WAIT 0 0 ${A}:5000 ${B}:${P} timer:(timewait,59sec,0)`);
  const fw2tw = (t: number) => snap(t, 'a', `FIN-WAIT-2 0 0 ${A}:5000 ${B}:${P} timer:(timewait,59sec,0)`);

  it('CLOSING->CLOSE is the entry into TIME_WAIT', () => {
    const trace = [...open, cli(400, 5000, 'FIN_WAIT1>CLOSING'), cli(500, 5000, 'CLOSING>CLOSE')];
    expect(run(client, trace, [tw(90_000)])).toEqual([
      ...start,
      s('CLOSING', 400, TP),
      s('TIME_WAIT', 500, BOTH, { notes: ['timewait-handover'] }),
    ]);
  });

  it('FIN_WAIT2->CLOSE followed by a FIN-WAIT-2 timewait socket stays FIN_WAIT_2 until ss shows TIME-WAIT', () => {
    const trace = [...open, cli(400, 5000, 'FIN_WAIT1>FIN_WAIT2'), cli(405, 5000, 'FIN_WAIT2>CLOSE')];
    expect(run(client, trace, [fw2tw(50_000), tw(90_000), tw(120_000)])).toEqual([
      ...start,
      s('FIN_WAIT_2', 400, BOTH, { notes: ['fin-wait-2-timewait'] }),
      s('TIME_WAIT', 90_000, SD, { notes: ['timewait-handover'] }),
    ]);
    // Without a TIME-WAIT snapshot (the FIN never came), the timeline ends in FIN_WAIT_2.
    expect(run(client, trace, [fw2tw(50_000)])?.slice(-1)).toEqual([
      s('FIN_WAIT_2', 400, BOTH, { notes: ['fin-wait-2-timewait'] }),
    ]);
  });

  it('FIN_WAIT2->CLOSE followed by TIME-WAIT is the entry into TIME_WAIT', () => {
    const trace = [...open, cli(400, 5000, 'FIN_WAIT1>FIN_WAIT2'), cli(90_000, 5000, 'FIN_WAIT2>CLOSE')];
    expect(run(client, trace, [tw(80_000), tw(120_000)])?.slice(-2)).toEqual([
      s('FIN_WAIT_2', 400, TP),
      s('TIME_WAIT', 90_000, BOTH, { notes: ['timewait-handover'] }),
    ]);
  });

  it('close() in FIN_WAIT_2 (self-transition, then handover) is a FIN-WAIT-2 timewait socket even if ss only saw TIME-WAIT', () => {
    const trace = [
      ...open,
      cli(400, 5000, 'FIN_WAIT1>FIN_WAIT2'),
      cli(50_000, 5000, 'FIN_WAIT2>FIN_WAIT2'),
      cli(50_010, 5000, 'FIN_WAIT2>CLOSE'),
    ];
    // A snapshot stamped before the handover but read after it: clamped to the handover.
    expect(run(client, trace, [tw(45_000)])?.slice(-2)).toEqual([
      s('FIN_WAIT_2', 400, TP, { notes: ['fin-wait-2-timewait'] }),
      s('TIME_WAIT', 50_010, SD, { notes: ['timewait-handover'] }),
    ]);
  });

  it('without any timewait socket in ss the handover is CLOSED', () => {
    const trace = [...open, cli(400, 5000, 'FIN_WAIT1>CLOSING'), cli(500, 5000, 'CLOSING>CLOSE')];
    expect(run(client, trace, [snap(90_000, 'a')])?.slice(-1)).toEqual([
      s('CLOSED', 500, TP, { notes: ['timewait-unseen'] }),
    ]);
  });

  it('LAST_ACK->CLOSE is a plain CLOSED', () => {
    expect(run(client, clientPassive, [tw(90_000)])).toEqual(clientPassiveTimeline);
  });
});

describe('synthetic: rule one-segment', () => {
  const open = [
    cli(100, 5000, 'CLOSE>SYN_SENT'),
    cli(200, 5000, 'SYN_SENT>ESTABLISHED'),
    cli(300, 5000, 'ESTABLISHED>FIN_WAIT1'),
  ];
  const tw = snap(90_000, 'a', `TIME-WAIT 0 0 ${A}:5000 ${B}:${P} timer:(timewait,59sec,0)`);
  const finAck = (gap: number, first: Ctx, second: Ctx) => [
    ...open,
    cli(1000, 5000, 'FIN_WAIT1>FIN_WAIT2', first),
    cli(1000 + gap, 5000, 'FIN_WAIT2>CLOSE', second),
  ];
  const finWait2 = (gap: number, first: Ctx, second: Ctx) => run(client, finAck(gap, first, second), [tw])?.[4];

  it('marks FIN_WAIT_2 passed inside one FIN+ACK as transient', () => {
    expect(finWait2(11, SOFTIRQ, SOFTIRQ)).toEqual(
      s('FIN_WAIT_2', 1000, TP, { transient: true, notes: ['one-segment'] }),
    );
    expect(finWait2(50, SOFTIRQ, SOFTIRQ)?.transient).toBe(true);
    // Without context (not from tracefs text), time alone decides.
    expect(finWait2(11, undefined, undefined)?.transient).toBe(true);
    // The need-resched character may differ within one segment.
    expect(finWait2(11, SOFTIRQ, { ...SOFTIRQ!, flags: '.Ns2.' })?.transient).toBe(true);
  });

  it('does not when the interval is longer or the context differs', () => {
    expect(finWait2(51, SOFTIRQ, SOFTIRQ)).toEqual(s('FIN_WAIT_2', 1000, TP));
    expect(finWait2(11, SOFTIRQ, { ...SOFTIRQ!, task: 'python3-7' })?.transient).toBeUndefined();
    expect(finWait2(11, SOFTIRQ, { ...SOFTIRQ!, cpu: 1 })?.transient).toBeUndefined();
    expect(finWait2(11, SOFTIRQ, { ...SOFTIRQ!, flags: '.....' })?.transient).toBeUndefined();
  });

  it('with the relay deliveries known, asks the wire whether one segment or two moved the state', () => {
    const withWire = (gap: number, deliveries: number[]) =>
      fuse({ endpoints: [client], trace: finAck(gap, SOFTIRQ, SOFTIRQ), snapshots: [tw], deliveries: { a: deliveries } }).a?.[4];
    // One FIN+ACK written at 1000, its write returning after both events: transient even at 300 µs (a loaded machine).
    expect(withWire(300, [1301])?.transient).toBe(true);
    // An ACK written (its write returned at 1150) and then a FIN: two segments, so FIN_WAIT_2 was a real state.
    expect(withWire(300, [1150, 1301])?.transient).toBeUndefined();
    // Past the bound the wire is not asked.
    expect(withWire(2500, [3501])?.transient).toBeUndefined();
  });

  it('never marks a state entered by a user call (SYN_SENT back from the backlog in microseconds)', () => {
    const task: Ctx = { task: 'python3-7', cpu: 0, flags: '.....' };
    const trace = [cli(100, 0, 'CLOSE>SYN_SENT', task), cli(105, 5000, 'SYN_SENT>ESTABLISHED', task)];
    expect(run(client, trace)).toEqual([s('CLOSED', 100, TP), s('SYN_SENT', 100, TP), s('ESTABLISHED', 105, TP)]);
  });

  it("marks a child's ESTABLISHED left by the same segment (ACK+FIN), never its SYN_RCVD", () => {
    const trace = [
      lst(10, 'CLOSE>LISTEN'),
      chd(1000, 5000, 'LISTEN>SYN_RECV', SOFTIRQ),
      chd(1005, 5000, 'SYN_RECV>ESTABLISHED', SOFTIRQ),
      chd(1009, 5000, 'ESTABLISHED>CLOSE_WAIT', SOFTIRQ),
    ];
    expect(run(server, trace)).toEqual([
      s('CLOSED', 10, TP),
      s('LISTEN', 10, TP),
      s('SYN_RCVD', 1000, TP, { notes: ['synrecv-child'] }),
      s('ESTABLISHED', 1005, TP, { transient: true, notes: ['one-segment'] }),
      s('CLOSE_WAIT', 1009, TP),
    ]);
  });
});

describe('synthetic: rule ss-only', () => {
  const estab = `ESTAB 0 0 ${A}:5000 ${B}:${P}`;
  const closeWait = `CLOSE-WAIT 1 0 ${A}:5000 ${B}:${P}`;

  it("adds sock_diag to entries whose state ss saw in their interval (within the snapshot's slack)", () => {
    const snaps = [snap(190, 'a', estab), snap(250, 'a', estab), snap(100_000, 'a', estab)];
    expect(run(client, clientPassive, snaps)).toEqual([
      s('CLOSED', 100, TP),
      s('SYN_SENT', 100, TP),
      s('ESTABLISHED', 200, BOTH),
      s('CLOSE_WAIT', 300, TP),
      s('LAST_ACK', 400, TP),
      s('CLOSED', 500, TP),
    ]);
  });

  it('inserts a state ss saw that the tracepoint did not (lost events), once', () => {
    const trace = [
      cli(100, 0, 'CLOSE>SYN_SENT'),
      cli(200, 5000, 'SYN_SENT>ESTABLISHED'),
      cli(900_000, 5000, 'CLOSE_WAIT>LAST_ACK'),
    ];
    const snaps = [snap(300_000, 'a', closeWait), snap(400_000, 'a', closeWait)];
    expect(run(client, trace, snaps)).toEqual([
      s('CLOSED', 100, TP),
      s('SYN_SENT', 100, TP),
      s('ESTABLISHED', 200, TP),
      s('CLOSE_WAIT', 300_000, SD, { notes: ['ss-only'] }),
      s('LAST_ACK', 900_000, TP),
    ]);
  });

  it('inserts nothing once the connection is CLOSED (a later socket may reuse the 4-tuple)', () => {
    expect(run(client, clientPassive, [snap(800_000, 'a', estab)])).toEqual(clientPassiveTimeline);
  });

  it("confirms the server's LISTEN only in snapshots that show neither the connection nor a request", () => {
    const trace = [
      lst(10, 'CLOSE>LISTEN'),
      chd(30_000, 5000, 'LISTEN>SYN_RECV'),
      chd(30_005, 5000, 'SYN_RECV>ESTABLISHED'),
    ];
    const listening = `LISTEN 0 4 ${B}:${P} 0.0.0.0:*`;
    const child = `ESTAB 0 0 ${B}:${P} ${A}:5000`;
    expect(run(server, trace, [snap(35_000, 'b', listening, child)])?.[1]).toEqual(s('LISTEN', 10, TP));
    expect(run(server, trace, [snap(20_000, 'b', listening)])?.[1]).toEqual(s('LISTEN', 10, BOTH));
    expect(run(server, trace, [snap(20_000, 'b', `LISTEN 0 4 *:${P} *:*`)])?.[1]).toEqual(s('LISTEN', 10, BOTH));
  });
});
