import { fromLinux, type State } from '../model/states.js';
import type { SockDiagSocket, TraceEvent } from '../observe/types.js';

/**
 * The ledger of load mode: every connection between the lab's client and
 * server, each end's path of states as the kernel tracepoint reported it,
 * and at the end sock_diag's view of what is left (the only observer of
 * TIME_WAIT and of request sockets in SYN_RCVD). A lifecycle passes when
 * both ends took the expected path to the expected final state.
 */

export type Side = 'client' | 'server';

/**
 * What each end must go through when the client closes first and the
 * server closes on end of file. Optional states are ones Linux may pass
 * through without a tracepoint event of their own (docs/observers.md).
 */
export const EXPECTED: Record<Side, { state: State; optional?: boolean }[]> = {
  client: [{ state: 'SYN_SENT' }, { state: 'ESTABLISHED' }, { state: 'FIN_WAIT_1' }, { state: 'FIN_WAIT_2', optional: true }, { state: 'TIME_WAIT' }],
  server: [{ state: 'SYN_RCVD', optional: true }, { state: 'ESTABLISHED' }, { state: 'CLOSE_WAIT' }, { state: 'LAST_ACK' }, { state: 'CLOSED' }],
};

export const EXPECTED_FINAL: Record<Side, State> = { client: 'TIME_WAIT', server: 'CLOSED' };

/** States no connection may be left in when the load is over. */
const MUST_NOT_REMAIN: ReadonlySet<State> = new Set(['CLOSE_WAIT', 'SYN_RCVD']);

interface End {
  /** Linux state names, the first being the `oldstate` of the first event. */
  path: string[];
  /** An event's oldstate differed from the last state seen: an event is missing. */
  gap: boolean;
}

interface Lifecycle {
  /** The client's port: what tells connections apart within the lab. */
  port: number;
  client?: End;
  server?: End;
  closed: boolean;
}

export interface LifecycleView {
  port: number;
  client: State[];
  server: State[];
  problems: string[];
}

export interface LedgerCheck {
  /** Lifecycles the load was to run. */
  expected: number;
  /** Lifecycles the observers saw. */
  observed: number;
  passed: number;
  failed: number;
  /** Expected lifecycles of which the observers saw nothing at all. */
  unobserved: number;
  /** Final state of each end, counted; `none` when that end was never seen. */
  endStates: Record<Side, Record<string, number>>;
  /** Sockets left in each namespace when the load was over, by state (the server's listener excepted). */
  remaining: Record<Side, Record<string, number>>;
  /** Sockets left in CLOSE_WAIT or SYN_RCVD, on either end. */
  stuck: number;
  /** The first few failing lifecycles, with what was observed. */
  examples: LifecycleView[];
}

export class Ledger {
  /** Each port's latest lifecycle (a port used again starts a new one). */
  private readonly latest = new Map<number, Lifecycle>();
  private readonly all: Lifecycle[] = [];
  /** Connections that started (CLOSED -> SYN_SENT fires before the source port is chosen, so it is counted, not attributed). */
  connects = 0;
  /** Lifecycles closed on both ends so far, as the tracepoint tells. */
  closed = 0;

  constructor(
    private readonly client: string,
    private readonly server: string,
    private readonly port: number,
  ) {}

  /** Feeds one tracepoint event; events of other sockets are ignored. */
  onEvent(e: TraceEvent): void {
    if (e.saddr === this.client && e.daddr === this.server && e.dport === this.port) {
      if (e.sport === 0) {
        if (e.newstate === 'SYN_SENT') this.connects++;
        return;
      }
      this.record('client', e.sport, e);
    } else if (e.saddr === this.server && e.sport === this.port && e.daddr === this.client && e.dport !== 0) {
      this.record('server', e.dport, e);
    }
  }

  /** Lifecycles seen so far. */
  get size(): number {
    return this.all.length;
  }

  private record(side: Side, port: number, e: TraceEvent): void {
    let lc = this.latest.get(port);
    // A port used again after its earlier connection ended on this side: a new lifecycle.
    if (!lc || (lc[side] && lc[side].path.at(-1) === 'CLOSE' && isFirst(side, e.oldstate))) {
      lc = { port, closed: false };
      this.latest.set(port, lc);
      this.all.push(lc);
    }
    let end = lc[side];
    if (!end) end = lc[side] = { path: [e.oldstate], gap: false };
    else if (end.path.at(-1) !== e.oldstate) {
      end.gap = true;
      end.path.push(e.oldstate);
    }
    end.path.push(e.newstate);
    if (!lc.closed && lc.client?.path.at(-1) === 'CLOSE' && lc.server?.path.at(-1) === 'CLOSE') {
      lc.closed = true;
      this.closed++;
    }
  }

  /** Judges every lifecycle against what the namespaces still hold now that the load is over. */
  check(expected: number, clientSockets: SockDiagSocket[], serverSockets: SockDiagSocket[]): LedgerCheck {
    const clientLeft = new Map<number, State>();
    const serverLeft = new Map<number, State>();
    const remaining: LedgerCheck['remaining'] = { client: {}, server: {} };
    let stuck = 0;
    for (const [side, sockets, left] of [
      ['client', clientSockets, clientLeft],
      ['server', serverSockets, serverLeft],
    ] as const) {
      for (const s of sockets) {
        const state = fromLinux(s.state);
        if (!state) continue;
        const ours =
          side === 'client'
            ? s.local.addr === this.client && s.peer.addr === this.server && s.peer.port === this.port
            : s.local.addr === this.server && s.local.port === this.port && s.peer.addr === this.client;
        if (!ours) continue;
        left.set(side === 'client' ? s.local.port : s.peer.port, state);
        remaining[side][state] = (remaining[side][state] ?? 0) + 1;
        if (MUST_NOT_REMAIN.has(state)) stuck++;
      }
    }
    // Request sockets (SYN_RCVD) fire no tracepoint event: a connection only sock_diag shows.
    for (const port of serverLeft.keys()) {
      if (!this.latest.has(port)) {
        const lc: Lifecycle = { port, closed: false };
        this.latest.set(port, lc);
        this.all.push(lc);
      }
    }

    const result: LedgerCheck = {
      expected,
      observed: this.all.length,
      passed: 0,
      failed: 0,
      unobserved: Math.max(0, expected - this.all.length),
      endStates: { client: {}, server: {} },
      remaining,
      stuck,
      examples: [],
    };
    for (const lc of this.all) {
      const isLast = this.latest.get(lc.port) === lc;
      const view: LifecycleView = {
        port: lc.port,
        client: statesOf('client', lc.client, isLast ? clientLeft.get(lc.port) : undefined),
        server: statesOf('server', lc.server, isLast ? serverLeft.get(lc.port) : undefined),
        problems: [],
      };
      for (const side of ['client', 'server'] as const) {
        const states = view[side];
        const final = states.at(-1) ?? 'none';
        result.endStates[side][final] = (result.endStates[side][final] ?? 0) + 1;
        if (lc[side]?.gap) view.problems.push(`${side}: the tracepoint missed an event`);
        if (!follows(states, EXPECTED[side])) view.problems.push(`${side} ended in ${final}, expected ${EXPECTED_FINAL[side]}`);
      }
      if (view.problems.length) {
        result.failed++;
        if (result.examples.length < 5) result.examples.push(view);
      } else result.passed++;
    }
    result.failed += result.unobserved;
    if (result.unobserved) {
      result.endStates.client.none = (result.endStates.client.none ?? 0) + result.unobserved;
      result.endStates.server.none = (result.endStates.server.none ?? 0) + result.unobserved;
    }
    return result;
  }
}

/** The first event of a new connection on this side. */
function isFirst(side: Side, oldstate: string): boolean {
  return side === 'client' ? oldstate === 'SYN_SENT' || oldstate === 'CLOSE' : oldstate === 'LISTEN' || oldstate === 'SYN_RECV';
}

/**
 * One end's path in RFC 9293 names. The server's child socket starts from
 * its listener's state (LISTEN), which is the listener's, not the
 * connection's. A socket that went to CLOSE from FIN_WAIT_2 or CLOSING
 * became a timewait socket, whose state only sock_diag tells: TIME_WAIT, or
 * FIN_WAIT_2 for an orphan whose peer never sent its FIN.
 */
function statesOf(side: Side, end: End | undefined, left: State | undefined): State[] {
  const states: State[] = [];
  for (const name of end?.path ?? []) {
    const s = fromLinux(name) ?? 'CLOSED';
    if (states.at(-1) !== s) states.push(s);
  }
  if (side === 'server' && states[0] === 'LISTEN') states.shift();
  if (side === 'client' && states[0] === 'CLOSED') states.shift();
  if (states.at(-1) === 'CLOSED' && (left === 'TIME_WAIT' || left === 'FIN_WAIT_2')) {
    states.pop();
    if (states.at(-1) !== left) states.push(left);
  } else if (left && states.at(-1) !== left) states.push(left);
  return states;
}

/** True when `states` is the expected path, optional states present or not. */
function follows(states: State[], expected: { state: State; optional?: boolean }[]): boolean {
  let i = 0;
  for (const e of expected) {
    if (states[i] === e.state) i++;
    else if (!e.optional) return false;
  }
  return i === states.length;
}
