import { fromLinux, type State } from '../model/states.js';
import type {
  EndpointContext,
  Micros,
  ObservedState,
  ObserverName,
  SockDiagSnapshot,
  SockDiagSocket,
  Timeline,
  TraceEvent,
} from './types.js';

/**
 * Fusion: the kernel tracepoint and sock_diag (`ss`) observations of a lab
 * become one timeline per endpoint. Pure: no I/O, no clock.
 *
 * Each rule below lives in one function and is named by the id that
 * docs/observers.md uses and that `ObservedState.notes` carries; the comment
 * on each cites the Linux fact (and the recording under
 * test/fixtures/recordings/ that shows it) which justifies it.
 */

/** Ids of the rules that can change or create an entry, as written in `ObservedState.notes`. */
export type FusionNote =
  | 'start-closed'
  | 'synrecv-child'
  | 'synrecv-request'
  | 'synrecv-request-gone'
  | 'timewait-handover'
  | 'fin-wait-2-timewait'
  | 'timewait-unseen'
  | 'timewait-gone'
  | 'one-segment'
  | 'ss-only';

/** Longest stay in a state that still counts as inside one segment's processing (rule one-segment). */
export const ONE_SEGMENT_MAX_US: Micros = 50;

/**
 * The same bound when the relay's deliveries are known: the wire then tells
 * one segment from two, and the bound only needs to cover a loaded machine
 * (a FIN_WAIT_2 of one FIN+ACK lasted 54 µs with a core kept busy).
 */
export const ONE_SEGMENT_MAX_WITH_WIRE_US: Micros = 2000;

/**
 * How far a snapshot's `t` may be from the moment `ss` read the socket table,
 * either way: recordings stamp before `ss` starts (a reading follows within
 * about 6 ms; /proc/uptime stamps are also floored to 10 ms), the live
 * observer stamps after `ss` exits.
 */
export const SNAPSHOT_SLACK_US: Micros = 20_000;

export interface FusionInput {
  endpoints: EndpointContext[];
  trace: TraceEvent[];
  snapshots: SockDiagSnapshot[];
  /**
   * Per endpoint, when the relay finished writing each segment into it (the
   * receiver's TCP input runs inside that write). With them, rule
   * one-segment asks the wire whether one segment or two moved the state.
   */
  deliveries?: Record<string, Micros[]>;
}

export function fuse(input: FusionInput): Record<string, Timeline> {
  const out: Record<string, Timeline> = {};
  const trace = [...input.trace].sort((x, y) => x.t - y.t);
  for (const e of input.endpoints) {
    const events = trace.filter((ev) => belongsTo(e, ev));
    const snaps = input.snapshots.filter((s) => s.endpoint === e.name).sort((x, y) => x.t - y.t);
    out[e.name] = timeline(e, events, snaps, input.deliveries?.[e.name]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Working representation

interface Tuple {
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

/** What rule one-connection picked out of an endpoint's events. */
interface Followed {
  /** Server only: the listening socket's events. */
  listener: TraceEvent[];
  /** The connection's socket: the client's socket, or the server's child. */
  conn: TraceEvent[];
  /** The connection's 4-tuple, once its local port is known. */
  tuple?: Tuple;
}

interface Draft {
  state: State;
  t: Micros;
  sources: Set<ObserverName>;
  notes: FusionNote[];
  transient?: boolean;
  /** The tracepoint event that entered this state, when there is one. */
  ev?: TraceEvent;
  /** Whose state this is: the server's listening socket, or the connection's socket. */
  sock: 'listener' | 'conn';
}

interface Context {
  e: EndpointContext;
  f: Followed;
  snaps: SockDiagSnapshot[];
}

function timeline(e: EndpointContext, events: TraceEvent[], snaps: SockDiagSnapshot[], deliveries?: Micros[]): Timeline {
  const f = e.role === 'client' ? followClient(e, events) : followServer(e, events);
  const c: Context = { e, f, snaps };
  const drafts = fromTracepoint(c);
  if (drafts.length === 0) return [];
  synrecvChild(drafts, c);
  synrecvRequest(drafts, c);
  timewaitHandover(drafts, c);
  timewaitGone(drafts, c);
  ssStates(drafts, c);
  oneSegment(drafts, deliveries);
  return drafts.map(finish);
}

// ---------------------------------------------------------------------------
// Addresses

/** `::ffff:198.18.0.1` (a v4-mapped address, as AF_INET6 sockets show it) is 198.18.0.1. */
export function norm(addr: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return mapped?.[1] ?? addr.toLowerCase();
}

export function isWildcard(addr: string): boolean {
  const a = norm(addr);
  return a === '0.0.0.0' || a === '::' || a === '*';
}

function tupleOf(ev: TraceEvent): Tuple {
  return { laddr: norm(ev.saddr), lport: ev.sport, raddr: norm(ev.daddr), rport: ev.dport };
}

function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.laddr === b.laddr && a.lport === b.lport && a.raddr === b.raddr && a.rport === b.rport;
}

function isSocket(s: SockDiagSocket, t: Tuple): boolean {
  return sameTuple({ laddr: norm(s.local.addr), lport: s.local.port, raddr: norm(s.peer.addr), rport: s.peer.port }, t);
}

// ---------------------------------------------------------------------------
// Rule attribution

/**
 * The tracepoint has no namespace field (DESIGN, Linux facts): labs are told
 * apart by their unique addresses. An event is E's when its local address is
 * E's; a listener bound to the wildcard address (saddr 0.0.0.0 or ::, see
 * simultaneous-close and fin-ack-in-fin-wait-1) has no address of its own and
 * is E's when E is a server and the port is E's.
 */
function belongsTo(e: EndpointContext, ev: TraceEvent): boolean {
  if (norm(ev.saddr) === norm(e.addr)) return true;
  return e.role === 'server' && isWildcard(ev.saddr) && ev.sport === e.port;
}

// ---------------------------------------------------------------------------
// Rule one-connection: which socket is the endpoint's connection

/** A socket's events end at its first move to CLOSE (a later event with the same tuple is a new socket). */
function untilClosed(events: TraceEvent[]): TraceEvent[] {
  const end = events.findIndex((ev) => ev.newstate === 'CLOSE');
  return end < 0 ? events : events.slice(0, end + 1);
}

/**
 * The client's socket is the first one from E.addr to port E.port. Its first
 * event (CLOSE->SYN_SENT) fires before connect() picks the local port, so it
 * shows sport=0 (every recording); it is the same socket as the first later
 * event of the same (saddr, daddr, dport) with a nonzero sport.
 */
function followClient(e: EndpointContext, events: TraceEvent[]): Followed {
  const mine = events.filter((ev) => ev.dport === e.port);
  const first = mine[0];
  if (!first) return { listener: [], conn: [] };
  const triple = (ev: TraceEvent) => `${norm(ev.saddr)} ${norm(ev.daddr)} ${ev.dport}`;
  const conn: TraceEvent[] = [];
  let tuple: Tuple | undefined;
  for (const ev of mine) {
    if (triple(ev) !== triple(first)) continue;
    if (tuple === undefined && ev.sport !== 0) tuple = tupleOf(ev);
    else if (tuple !== undefined && ev.sport !== tuple.lport) continue;
    conn.push(ev);
    if (ev.newstate === 'CLOSE') break;
  }
  return tuple ? { listener: [], conn, tuple } : { listener: [], conn };
}

/**
 * The server's listener is the socket with sport E.port and dport 0; its
 * connection is the first child (sport E.port, a peer port), which Linux
 * creates only when the handshake's final ACK arrives. One connection per
 * endpoint: later children are not followed.
 */
function followServer(e: EndpointContext, events: TraceEvent[]): Followed {
  const listeners = events.filter((ev) => ev.sport === e.port && ev.dport === 0);
  const firstListener = listeners[0];
  const listener = firstListener
    ? untilClosed(listeners.filter((ev) => norm(ev.saddr) === norm(firstListener.saddr)))
    : [];
  const child = events.find((ev) => ev.sport === e.port && ev.dport !== 0 && !isWildcard(ev.saddr));
  if (!child) return { listener, conn: [] };
  const tuple = tupleOf(child);
  const conn = untilClosed(events.filter((ev) => ev.t >= child.t && sameTuple(tupleOf(ev), tuple)));
  return { listener, conn, tuple };
}

// ---------------------------------------------------------------------------
// Rules start-closed and self-transition: the tracepoint's own path

/**
 * Server: the listener's path until the child appears, then the child's
 * (whose first event, LISTEN->SYN_RECV, gives SYN_RCVD). Client: its socket.
 *
 * start-closed: a timeline starts in CLOSED at the first event. The
 * tracepoint saw it when that event leaves CLOSE; otherwise no observer saw
 * the socket begin and the entry carries the note.
 *
 * self-transition: `close()` in FIN_WAIT_2 calls tcp_set_state(FIN_WAIT2)
 * again (tcp_close_state() maps FIN_WAIT2 to itself), which the tracepoint
 * reports as FIN_WAIT2->FIN_WAIT2 (passive-close-first); it is not a state
 * change and is dropped.
 */
function fromTracepoint({ f }: Context): Draft[] {
  const childStart = f.conn[0]?.t;
  const listenerPart = childStart === undefined ? f.listener : f.listener.filter((ev) => ev.t < childStart);
  const seq: [TraceEvent, Draft['sock']][] = [
    ...listenerPart.map((ev): [TraceEvent, Draft['sock']] => [ev, 'listener']),
    ...f.conn.map((ev): [TraceEvent, Draft['sock']] => [ev, 'conn']),
  ];
  const first = seq[0];
  if (!first) return [];
  const [ev0, sock0] = first;
  const seen = ev0.oldstate === 'CLOSE';
  const drafts: Draft[] = [
    {
      state: 'CLOSED',
      t: ev0.t,
      sources: new Set(seen ? ['tracepoint'] : []),
      notes: seen ? [] : ['start-closed'],
      sock: sock0,
    },
  ];
  for (const [ev, sock] of seq) {
    if (ev.oldstate === ev.newstate) continue;
    const state = fromLinux(ev.newstate);
    if (!state) continue;
    drafts.push({ state, t: ev.t, sources: new Set(['tracepoint']), notes: [], ev, sock });
  }
  return drafts;
}

// ---------------------------------------------------------------------------
// Rule synrecv-child

/**
 * A passive open lives first as a request socket (NEW_SYN_RECV) that fires
 * no tracepoint; the child socket appears when the final ACK arrives and
 * fires LISTEN->SYN_RECV->ESTABLISHED within microseconds (6 to 15 µs in
 * the recordings, also in handshake-syn-recv, whose final ACK was held
 * 300 ms). SYN_RCVD really began when the request socket did, which only
 * `ss` shows (SYN-RECV): the entry takes the earliest such snapshot of the
 * 4-tuple, else keeps the child's event time. Either way it carries the note.
 */
function synrecvChild(drafts: Draft[], c: Context): void {
  const { f } = c;
  const tuple = f.tuple;
  if (c.e.role !== 'server' || !tuple) return;
  const i = drafts.findIndex((d) => d.ev !== undefined && d.ev === f.conn[0] && d.state === 'SYN_RCVD');
  const d = drafts[i];
  if (!d) return;
  d.notes.push('synrecv-child');
  const seen = firstSeen(c.snaps, (s) => s.state === 'SYN-RECV' && isSocket(s, tuple));
  if (!seen) return;
  d.t = Math.min(Math.max(seen.t, drafts[i - 1]?.t ?? seen.t), d.t);
  d.sources.add('sock_diag');
}

/**
 * synrecv-request: a request socket that never became a child (the final
 * ACK never came: handshake-final-ack-lost) is seen only by `ss`. It still
 * puts the server in SYN_RCVD, from the earliest snapshot showing it while
 * the listener listens (note synrecv-request). When a later snapshot no
 * longer shows it and the listener is still open, the server is back in
 * LISTEN (note synrecv-request-gone): Linux dropped the request (SYN-ACK
 * retries exhausted, or a RST), which RFC 9293 describes as SYN_RCVD ->
 * LISTEN for a passive open. Only the first request is followed.
 */
function synrecvRequest(drafts: Draft[], c: Context): void {
  if (c.e.role !== 'server' || c.f.conn.length > 0) return;
  const seen = firstSeen(c.snaps, (s) => isRequest(c.e, s));
  if (!seen) return;
  const i = lastIndexAt(drafts, seen.t + SNAPSHOT_SLACK_US);
  const listen = drafts[i];
  const end = drafts[i + 1]?.t ?? Infinity;
  if (!listen || listen.state !== 'LISTEN' || end <= seen.t - SNAPSHOT_SLACK_US) return;
  const t = Math.max(seen.t, listen.t);
  const tuple: Tuple = {
    laddr: norm(seen.socket.local.addr),
    lport: seen.socket.local.port,
    raddr: norm(seen.socket.peer.addr),
    rport: seen.socket.peer.port,
  };
  drafts.splice(i + 1, 0, {
    state: 'SYN_RCVD',
    t,
    sources: new Set(['sock_diag']),
    notes: ['synrecv-request'],
    sock: 'listener',
  });
  const gone = c.snaps.find(
    (s) => s.t > seen.t && s.t < end && !s.sockets.some((x) => x.state === 'SYN-RECV' && isSocket(x, tuple)),
  );
  if (!gone) return;
  drafts.splice(i + 2, 0, {
    state: 'LISTEN',
    t: gone.t,
    sources: new Set(['sock_diag']),
    notes: ['synrecv-request-gone'],
    sock: 'listener',
  });
}

/** A request socket of server E, as `ss` shows it. */
function isRequest(e: EndpointContext, s: SockDiagSocket): boolean {
  return s.state === 'SYN-RECV' && s.local.port === e.port && norm(s.local.addr) === norm(e.addr);
}

// ---------------------------------------------------------------------------
// Rule timewait-handover

/** A FIN_WAIT_2 socket orphaned by close() lives on as a timewait socket: ss shows its `timewait` timer. */
function isFinWait2Timewait(s: SockDiagSocket): boolean {
  return s.state === 'FIN-WAIT-2' && s.timer?.name === 'timewait';
}

/**
 * Linux moves a closing connection to a separate timewait socket and closes
 * the full one: the tracepoint shows FIN_WAIT2->CLOSE or CLOSING->CLOSE and
 * nothing after. What the timewait socket is, only `ss` tells:
 *
 * - CLOSING->CLOSE happens only on the ACK of our FIN in CLOSING, so the
 *   handover is the entry into TIME_WAIT (simultaneous-close): the entry
 *   becomes TIME_WAIT at the event's time, seen by both observers.
 * - FIN_WAIT2->CLOSE is either a FIN arriving in FIN_WAIT_2 (TIME_WAIT at
 *   once: half-close, fin-ack-in-fin-wait-1) or an orphan (after close())
 *   moving to a FIN-WAIT-2 timewait socket (client-first-close: on the ACK
 *   of its FIN; passive-close-first: right after close() in FIN_WAIT_2).
 *   The tracepoint cannot tell them apart; `ss` can. When the first timewait
 *   socket `ss` shows for the 4-tuple is FIN-WAIT-2 with a `timewait` timer,
 *   or the handover followed a FIN_WAIT2->FIN_WAIT2 self-transition (close()
 *   in FIN_WAIT_2 hands over in the same call), the connection stays in
 *   FIN_WAIT_2 (note fin-wait-2-timewait) and enters TIME_WAIT when the
 *   peer's FIN reaches the timewait socket, which fires no tracepoint: the
 *   first TIME-WAIT snapshot gives it, from sock_diag alone. Otherwise (the
 *   first is TIME-WAIT) the handover was the entry into TIME_WAIT. This
 *   relies on a snapshot following the handover before the peer's FIN could
 *   turn a FIN-WAIT-2 timewait socket into TIME-WAIT.
 * - No timewait socket seen at all: the entry stays CLOSED from the
 *   tracepoint (note timewait-unseen), which is what a stack without
 *   TIME_WAIT shows (half-close-no-timewait, `tcp_max_tw_buckets=0`).
 */
function timewaitHandover(drafts: Draft[], c: Context): void {
  const { f } = c;
  const last = drafts[drafts.length - 1];
  const ev = last?.ev;
  if (!last || !ev || last.sock !== 'conn' || !f.tuple || ev.newstate !== 'CLOSE') return;
  if (ev.oldstate !== 'FIN_WAIT2' && ev.oldstate !== 'CLOSING') return;
  const tuple = f.tuple;
  const firstTimewait = firstSeen(
    c.snaps,
    (s) => isSocket(s, tuple) && (s.state === 'TIME-WAIT' || isFinWait2Timewait(s)),
  );
  if (!firstTimewait) {
    last.notes.push('timewait-unseen');
    return;
  }
  const before = f.conn[f.conn.indexOf(ev) - 1];
  const closedInFinWait2 = before?.oldstate === 'FIN_WAIT2' && before.newstate === 'FIN_WAIT2';
  const orphan = ev.oldstate === 'FIN_WAIT2' && (firstTimewait.socket.state !== 'TIME-WAIT' || closedInFinWait2);
  if (!orphan) {
    last.state = 'TIME_WAIT';
    last.sources.add('sock_diag');
    last.notes.push('timewait-handover');
    return;
  }
  drafts.pop();
  const finWait2 = drafts[drafts.length - 1];
  if (finWait2?.state === 'FIN_WAIT_2') finWait2.notes.push('fin-wait-2-timewait');
  const timeWait = firstSeen(c.snaps, (s) => isSocket(s, tuple) && s.state === 'TIME-WAIT');
  if (!timeWait) return;
  drafts.push({
    state: 'TIME_WAIT',
    t: Math.max(timeWait.t, ev.t),
    sources: new Set(['sock_diag']),
    notes: ['timewait-handover'],
    sock: 'conn',
  });
}

// ---------------------------------------------------------------------------
// Rule timewait-gone

/**
 * A timewait socket (TIME-WAIT, or an orphan's FIN-WAIT-2) ends without any
 * tracepoint: when its timer expires (tcp_fin_timeout for FIN-WAIT-2, 60 s
 * for TIME-WAIT) or when a RST kills it (RFC 9293 §3.10.7.4 TIME-WAIT, with
 * net.ipv4.tcp_rfc1337=0). A snapshot after the last one that showed it, in
 * which the 4-tuple is gone, gives CLOSED from sock_diag alone.
 */
function timewaitGone(drafts: Draft[], c: Context): void {
  const last = drafts[drafts.length - 1];
  const tuple = c.f.tuple;
  if (!last || !tuple) return;
  const inTimewait = last.state === 'TIME_WAIT' || (last.state === 'FIN_WAIT_2' && last.notes.includes('fin-wait-2-timewait'));
  if (!inTimewait) return;
  let lastSeen: Micros | undefined;
  for (const snap of c.snaps) {
    if (snap.sockets.some((s) => isSocket(s, tuple) && (s.state === 'TIME-WAIT' || isFinWait2Timewait(s)))) lastSeen = snap.t;
  }
  if (lastSeen === undefined) return;
  const seenAt = lastSeen;
  const gone = c.snaps.find((snap) => snap.t > seenAt && !snap.sockets.some((s) => isSocket(s, tuple)));
  if (!gone) return;
  drafts.push({ state: 'CLOSED', t: Math.max(gone.t, last.t), sources: new Set(['sock_diag']), notes: ['timewait-gone'], sock: 'conn' });
}

// ---------------------------------------------------------------------------
// Rule ss-only (and sock_diag confirmation)

/**
 * Every entry whose state `ss` also showed for the same socket during the
 * entry's interval gets sock_diag among its sources (the connection's
 * 4-tuple confirms its states; the listener's line confirms the server's
 * LISTEN, but only in a snapshot that shows neither the connection nor a
 * request socket: the listener keeps listening after the server's timeline
 * has moved on, and a snapshot's time alone is too coarse to tell, see
 * SNAPSHOT_SLACK_US).
 * A state `ss` showed for the connection's 4-tuple that no entry explains is
 * inserted from sock_diag alone (note ss-only); the tracepoint reports every
 * change of a full socket, so this should only happen when events were lost.
 * Nothing is inserted after the connection reached CLOSED.
 */
function ssStates(drafts: Draft[], c: Context): void {
  const { e, f } = c;
  const isConn = (s: SockDiagSocket) => f.tuple !== undefined && isSocket(s, f.tuple);
  for (const snap of c.snaps) {
    const listening = !snap.sockets.some((s) => isConn(s) || isRequest(e, s));
    for (const s of snap.sockets) {
      const sock = isConn(s) ? 'conn' : listening && isListener(e, s) ? 'listener' : undefined;
      const state = fromLinux(s.state);
      if (!sock || !state) continue;
      // ss read the socket table somewhere between its start (t) and the
      // moment its exit was seen (tEnd); on a busy machine that can be tens
      // of milliseconds, so the whole interval is compared.
      const end = snap.tEnd ?? snap.t;
      const hit = drafts.find(
        (d, i) => d.sock === sock && d.state === state && overlaps(d.t, drafts[i + 1]?.t ?? Infinity, snap.t, end),
      );
      if (hit) hit.sources.add('sock_diag');
      else if (sock === 'conn') insertSsOnly(drafts, state, snap.t);
    }
  }
}

/** The listening socket of server endpoint E (its address, or the wildcard). */
export function isListener(e: EndpointContext, s: SockDiagSocket): boolean {
  return (
    e.role === 'server' &&
    s.state === 'LISTEN' &&
    s.local.port === e.port &&
    s.peer.port === 0 &&
    (norm(s.local.addr) === norm(e.addr) || isWildcard(s.local.addr))
  );
}

/** Whether a state held over [start, end) and a reading somewhere in [t, tEnd] can have met. */
export function overlaps(start: Micros, end: Micros, t: Micros, tEnd: Micros = t): boolean {
  return start <= tEnd + SNAPSHOT_SLACK_US && t - SNAPSHOT_SLACK_US < end;
}

function insertSsOnly(drafts: Draft[], state: State, t: Micros): void {
  const i = Math.max(0, lastIndexAt(drafts, t));
  const at = drafts[i];
  if (!at || (i > 0 && at.state === 'CLOSED')) return;
  drafts.splice(i + 1, 0, {
    state,
    t: Math.max(t, at.t),
    sources: new Set(['sock_diag']),
    notes: ['ss-only'],
    sock: 'conn',
  });
}

// ---------------------------------------------------------------------------
// Rule one-segment

/**
 * States Linux enters only on an incoming segment. A state entered by a
 * user call (SYN_SENT by connect(), LISTEN, FIN_WAIT_1 and LAST_ACK by
 * close()/shutdown()) is never inside one segment's processing, even when
 * the next segment comes back within microseconds and is processed from the
 * socket backlog by the same task: in every veth recording
 * SYN_SENT->ESTABLISHED runs in the connecting task, in process context, as
 * CLOSE->SYN_SENT did (72 µs apart in client-first-close).
 */
const SEGMENT_ENTERED: ReadonlySet<State> = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_2', 'CLOSING']);

/**
 * On a FIN+ACK in FIN_WAIT_1, Linux passes FIN_WAIT1->FIN_WAIT2 and
 * FIN_WAIT2->CLOSE (handover to TIME_WAIT) while processing the one segment
 * (fin-ack-in-fin-wait-1: 11 µs apart), where RFC 9293 goes FIN_WAIT_1 ->
 * TIME_WAIT. Such a state is marked transient: it was entered by a segment
 * and left by the next tracepoint event within ONE_SEGMENT_MAX_US, and both
 * events ran in the same execution context: same task, same CPU, same
 * hardirq/softirq flag (third flag character). Segments that arrive through
 * TUN run in the writer's task with BH disabled (`b..1.`), through veth in
 * softirq (`..s2.`, or `..s1.` in ksoftirqd). The need-resched and
 * preempt-depth characters describe the scheduler, not the context, and are
 * not compared.
 * Events without context are judged on time alone. Two segments processed
 * back to back in one softirq run would pass this test too: the wire
 * observer can tell those apart, not these two. The child's SYN_RCVD is
 * never transient (rule synrecv-child): its span comes from the wire and
 * `ss`. A FIN_WAIT_2 that continued as a timewait socket is left by no event
 * (rule timewait-handover) and is not transient either.
 */
function oneSegment(drafts: Draft[], deliveries?: Micros[]): void {
  for (let i = 1; i + 1 < drafts.length; i++) {
    const d = drafts[i]!;
    const next = drafts[i + 1]!;
    if (!d.ev || !next.ev || !SEGMENT_ENTERED.has(d.state)) continue;
    if (!sameContext(d.ev, next.ev)) continue;
    const enter = d.ev.t;
    const leave = next.ev.t;
    if (deliveries) {
      // A second segment would have been written in between: its write
      // returned after the first event and before the second.
      if (leave - enter > ONE_SEGMENT_MAX_WITH_WIRE_US || deliveries.some((t) => t >= enter && t < leave)) continue;
    } else if (leave - enter > ONE_SEGMENT_MAX_US) continue;
    d.transient = true;
    d.notes.push('one-segment');
  }
}

function sameContext(a: TraceEvent, b: TraceEvent): boolean {
  if (!a.ctx || !b.ctx) return true;
  return a.ctx.task === b.ctx.task && a.ctx.cpu === b.ctx.cpu && a.ctx.flags[2] === b.ctx.flags[2];
}

// ---------------------------------------------------------------------------
// Helpers

/** The earliest snapshot with a socket matching `pred`, and that socket. */
function firstSeen(
  snaps: SockDiagSnapshot[],
  pred: (s: SockDiagSocket) => boolean,
): { t: Micros; socket: SockDiagSocket } | undefined {
  for (const snap of snaps) {
    const socket = snap.sockets.find(pred);
    if (socket) return { t: snap.t, socket };
  }
  return undefined;
}

/** Index of the last draft entered at or before t (-1 if none). */
function lastIndexAt(drafts: Draft[], t: Micros): number {
  let i = -1;
  drafts.forEach((d, j) => {
    if (d.t <= t) i = j;
  });
  return i;
}

const SOURCE_ORDER: ObserverName[] = ['tracepoint', 'sock_diag', 'wire', 'self-report'];

function finish(d: Draft): ObservedState {
  const out: ObservedState = { state: d.state, t: d.t, sources: SOURCE_ORDER.filter((n) => d.sources.has(n)) };
  if (d.transient) out.transient = true;
  if (d.notes.length > 0) out.notes = [...d.notes];
  return out;
}
