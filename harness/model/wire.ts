/**
 * Wire inference: each endpoint's RFC 9293 state, inferred from the segments
 * the relay carried and the application calls the harness made. It needs
 * nothing from the stack, so it observes kernels and userspace stacks alike;
 * for kernel endpoints `compareTimelines` checks it against the kernel's own
 * observers (docs/observers.md, "Wire inference").
 *
 * One TCB per endpoint follows the event-processing rules of RFC 9293 §3.10,
 * with SND.UNA, SND.NXT, RCV.NXT, ISS and IRS in modulo-2^32 arithmetic. It is
 * fed the segments the endpoint SENT and RECEIVED, in the order the endpoint
 * handled them (see `endpointEvents`). Every state change goes through one
 * `case` of `transition()`, which cites where the RFC states it, and is
 * recorded by `enter()` alone.
 *
 * `model/` imports nothing of ours but the state machine and the pure packet
 * codec, so the timeline types are declared here, structurally identical to
 * `ObservedState` and `Timeline` of observe/types.ts.
 */
import { segmentLength, seqAdd, seqDiff, seqGt, seqLe, seqLt, type Segment } from '../packet/tcp.js';
import type { State } from './states.js';
import { findTransition } from './transitions.js';

/** Microseconds on CLOCK_MONOTONIC, the time axis every observer shares. */
export type Micros = number;

export interface WireSegment {
  /** When the relay read the segment from its sender. */
  t: Micros;
  /**
   * The endpoint that sent it. A segment the harness injected is from no
   * endpoint: give it a name that is none (e.g. `peer`), so that it changes
   * only its receiver's state.
   */
  from: string;
  to: string;
  seg: Segment;
  /**
   * `dropped`: seen leaving the sender, never written into the receiver. It
   * changes the sender's state but not the receiver's. Default `delivered`.
   */
  fate?: 'delivered' | 'dropped';
  /**
   * When the receiver processed it, if later than `t`: a wire rule held,
   * delayed or reordered it (`WirePacket.delivered`). Default `t`.
   */
  deliveredAt?: Micros;
}

export type AppOp = 'listen' | 'connect' | 'close' | 'shutdown-write' | 'abort' | 'close-listener';

/** An application call the harness made on an endpoint, timed when the call was made. */
export interface AppAction {
  t: Micros;
  endpoint: string;
  op: AppOp;
}

export interface WireEndpoint {
  name: string;
  role: 'client' | 'server';
}

export interface InferInput {
  endpoints: WireEndpoint[];
  segments: WireSegment[];
  actions: AppAction[];
}

/** One inferred state: the shape of `ObservedState`, always from the `wire` observer. */
export interface WireState {
  state: State;
  t: Micros;
  sources: 'wire'[];
  /** Entered and left while the endpoint processed one segment (SYN_RCVD, ESTABLISHED, CLOSE_WAIT in one go). */
  transient?: boolean;
  /** Inferences beyond the plain segment, named as in docs/observers.md. */
  notes?: WireNote[];
}

export type WireTimeline = WireState[];

/**
 * - `listen-inferred`: the endpoint answered a SYN with SYN-ACK without a
 *   listen the harness asked for, so it was listening; LISTEN is dated by the SYN.
 * - `crossed`: the segment that caused the entry was built before the endpoint
 *   processed a segment the relay had already written into it (its ACK field
 *   does not cover that segment); the entry is dated by that delivery.
 * - `close-reset`: a close was answered with RST rather than FIN (data was
 *   left unread, RFC 9293 §3.6.1 SHLD-3).
 * - `silent`: the endpoint never acted, sent or received anything.
 * - `rst-after-fin`: in this state (CLOSE_WAIT, LAST_ACK, CLOSING) a RST came
 *   with SEQ = RCV.NXT - 1, the peer's FIN. RFC 9293 drops it (it is outside
 *   the window); Linux resets on it (`tcp_reset_check()`).
 */
export type WireNote = 'listen-inferred' | 'crossed' | 'close-reset' | 'silent' | 'rst-after-fin';

// ---------------------------------------------------------------- events

/**
 * What can move a TCB, in the notation of RFC 9293 Figure 5: user calls in
 * capitals, segments as `rcv X` / `snd X`.
 */
export type WireEvent =
  | 'passive OPEN'
  | 'active OPEN'
  | 'CLOSE'
  | 'ABORT'
  | 'snd SYN'
  | 'snd SYN,ACK'
  | 'snd RST'
  | 'rcv SYN'
  | 'rcv SYN,ACK'
  | 'rcv ACK of SYN'
  | 'rcv ACK of FIN'
  | 'rcv FIN'
  | 'rcv FIN,ACK of FIN'
  | 'rcv RST'
  | 'rcv RST after passive OPEN';

const RFC = 'RFC 9293';

/**
 * Every state change wire inference makes, one `case` each, with the section
 * of RFC 9293 that states it. Undefined: the event does not change the state.
 * Each result is an edge of transitions.ts, which `enter()` checks.
 */
export function transition(from: State, event: WireEvent): { to: State; ref: string } | undefined {
  const to = (state: State, ref: string): { to: State; ref: string } => ({ to: state, ref: `${RFC} ${ref}` });
  switch (`${from} ${event}`) {
    // §3.10.1 OPEN call, CLOSED state: "create a new TCB"; passive enters
    // LISTEN, active sends a SYN and enters SYN-SENT.
    case 'CLOSED passive OPEN':
      return to('LISTEN', '§3.10.1');
    case 'CLOSED active OPEN':
      return to('SYN_SENT', '§3.10.1');

    // §3.10.7.2 LISTEN, third check: on a SYN "send a SYN segment ... change
    // the connection state to SYN-RECEIVED". Dated by the SYN-ACK leaving.
    case 'LISTEN snd SYN,ACK':
      return to('SYN_RCVD', '§3.10.7.2');
    // §3.10.2 SEND call, LISTEN state: "convert the connection from passive to active".
    case 'LISTEN snd SYN':
      return to('SYN_SENT', '§3.10.2');
    // §3.10.4 CLOSE, LISTEN: "delete TCB, enter CLOSED state".
    case 'LISTEN CLOSE':
      return to('CLOSED', '§3.10.4');
    // §3.10.5 ABORT, LISTEN: "delete TCB, enter CLOSED state".
    case 'LISTEN ABORT':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.3 SYN-SENT, fourth check: a SYN without an ACK of ours is a
    // simultaneous open: "enter SYN-RECEIVED".
    case 'SYN_SENT rcv SYN':
      return to('SYN_RCVD', '§3.10.7.3');
    // §3.10.7.3: "If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED".
    case 'SYN_SENT rcv SYN,ACK':
      return to('ESTABLISHED', '§3.10.7.3');
    // §3.10.7.3, second check: a RST with an acceptable ACK: "enter CLOSED state".
    case 'SYN_SENT rcv RST':
      return to('CLOSED', '§3.10.7.3');
    // §3.10.4 CLOSE, SYN-SENT: "Delete the TCB".
    case 'SYN_SENT CLOSE':
      return to('CLOSED', '§3.10.4');
    // §3.10.5 ABORT, SYN-SENT: "delete the TCB and return to CLOSED state".
    case 'SYN_SENT ABORT':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.4 fifth check, SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state".
    case 'SYN_RCVD rcv ACK of SYN':
      return to('ESTABLISHED', '§3.10.7.4');
    // §3.10.7.4 second check: a RST in SYN-RECEIVED "If this connection was
    // initiated with a passive OPEN ... then return this connection to LISTEN state".
    case 'SYN_RCVD rcv RST after passive OPEN':
      return to('LISTEN', '§3.10.7.4');
    // §3.10.7.4 second check: "If this connection was initiated with an active
    // OPEN ... the connection was refused", enter CLOSED.
    case 'SYN_RCVD rcv RST':
      return to('CLOSED', '§3.10.7.4');
    // §3.10.7.4 fourth check, SYN-RECEIVED: an in-window SYN "If the connection
    // was initiated with a passive OPEN, then return this connection to the LISTEN state".
    case 'SYN_RCVD rcv SYN':
      return to('LISTEN', '§3.10.7.4');
    // §3.10.4 CLOSE, SYN-RECEIVED: "form a FIN segment and send it, and enter FIN-WAIT-1".
    case 'SYN_RCVD CLOSE':
      return to('FIN_WAIT_1', '§3.10.4');
    // §3.10.5 ABORT, SYN-RECEIVED: "a reset segment should be sent ... enter CLOSED".
    case 'SYN_RCVD ABORT':
    case 'SYN_RCVD snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.4 CLOSE, ESTABLISHED: "form a FIN segment and send it ... enter FIN-WAIT-1".
    case 'ESTABLISHED CLOSE':
      return to('FIN_WAIT_1', '§3.10.4');
    // §3.10.7.4 eighth check, ESTABLISHED: on a FIN "Enter the CLOSE-WAIT state".
    case 'ESTABLISHED rcv FIN':
      return to('CLOSE_WAIT', '§3.10.7.4');
    // §3.10.7.4 second check, ESTABLISHED: "If the RST bit is set ... Enter the CLOSED state".
    case 'ESTABLISHED rcv RST':
      return to('CLOSED', '§3.10.7.4');
    // §3.10.5 ABORT, ESTABLISHED: "Send a reset segment ... enter CLOSED". A RST
    // the endpoint sends on its own (not in reply to a bad segment) is an abort.
    case 'ESTABLISHED ABORT':
    case 'ESTABLISHED snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.4 fifth check, FIN-WAIT-1: "if the FIN segment is now acknowledged, then enter FIN-WAIT-2".
    case 'FIN_WAIT_1 rcv ACK of FIN':
      return to('FIN_WAIT_2', '§3.10.7.4');
    // §3.10.7.4 eighth check, FIN-WAIT-1: "If our FIN has been ACKed (perhaps in
    // this segment), then enter TIME-WAIT" (Figure 5 note 2) ...
    case 'FIN_WAIT_1 rcv FIN,ACK of FIN':
      return to('TIME_WAIT', '§3.10.7.4, Figure 5 note 2');
    // ... "otherwise, enter the CLOSING state".
    case 'FIN_WAIT_1 rcv FIN':
      return to('CLOSING', '§3.10.7.4');
    case 'FIN_WAIT_1 rcv RST':
      return to('CLOSED', '§3.10.7.4');
    case 'FIN_WAIT_1 ABORT':
    case 'FIN_WAIT_1 snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.4 eighth check, FIN-WAIT-2: "Enter the TIME-WAIT state".
    case 'FIN_WAIT_2 rcv FIN':
      return to('TIME_WAIT', '§3.10.7.4');
    case 'FIN_WAIT_2 rcv RST':
      return to('CLOSED', '§3.10.7.4');
    case 'FIN_WAIT_2 ABORT':
    case 'FIN_WAIT_2 snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.4 CLOSE, CLOSE-WAIT: "Queue this request until all preceding SENDs
    // have been segmentized; then send a FIN segment, enter LAST-ACK state".
    case 'CLOSE_WAIT CLOSE':
      return to('LAST_ACK', '§3.10.4');
    case 'CLOSE_WAIT rcv RST':
      return to('CLOSED', '§3.10.7.4');
    case 'CLOSE_WAIT ABORT':
    case 'CLOSE_WAIT snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.4 fifth check, CLOSING: "if the ACK acknowledges our FIN, then enter the TIME-WAIT state".
    case 'CLOSING rcv ACK of FIN':
      return to('TIME_WAIT', '§3.10.7.4');
    // §3.10.7.4 second check, CLOSING, LAST-ACK, TIME-WAIT: "If the RST bit is set, then enter the CLOSED state".
    case 'CLOSING rcv RST':
      return to('CLOSED', '§3.10.7.4');
    // §3.10.5 ABORT, CLOSING, LAST-ACK, TIME-WAIT: "delete the TCB, enter CLOSED state".
    case 'CLOSING ABORT':
    case 'CLOSING snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.4 fifth check, LAST-ACK: "if our FIN is now acknowledged, delete the TCB, enter the CLOSED state".
    case 'LAST_ACK rcv ACK of FIN':
      return to('CLOSED', '§3.10.7.4');
    case 'LAST_ACK rcv RST':
      return to('CLOSED', '§3.10.7.4');
    case 'LAST_ACK ABORT':
    case 'LAST_ACK snd RST':
      return to('CLOSED', '§3.10.5');

    // §3.10.7.4 second check, TIME-WAIT: a RST ends it (a stack protecting
    // against TIME-WAIT assassination, RFC 1337, would stay). The 2MSL
    // timeout sends nothing, so on the wire TIME_WAIT never ends otherwise.
    case 'TIME_WAIT rcv RST':
      return to('CLOSED', '§3.10.7.4');
    case 'TIME_WAIT ABORT':
    case 'TIME_WAIT snd RST':
      return to('CLOSED', '§3.10.5');

    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- the TCB

/** Received sequence space not yet in order: [start, end), and whether a FIN ends it. */
interface Range {
  start: number;
  end: number;
  fin: boolean;
}

interface Tcb {
  state: State;
  timeline: WireTimeline;
  /** Back in CLOSED after a connection: like fusion, one connection per endpoint is followed. */
  done: boolean;
  /** The connection came from LISTEN (§3.10.7.4: a RST in SYN_RCVD returns it there). */
  passive: boolean;
  // send sequence space (§3.3.1)
  iss?: number;
  sndUna: number;
  sndNxt: number;
  /** Sequence number of our FIN once sent: it is acknowledged when SND.UNA passes it. */
  finSeq?: number;
  // receive sequence space (§3.3.1)
  irs?: number;
  rcvNxt: number;
  /** RCV.WND as the endpoint last advertised it, scaled. */
  rcvWnd: number;
  ownShift?: number;
  peerScales: boolean;
  ooo: Range[];
  /** A SYN received in CLOSED or LISTEN, awaiting our SYN-ACK. */
  peerSyn?: { seq: number; t: Micros };
  /** A close or shutdown the application asked for, until its FIN or RST shows what the stack did. */
  pendingClose?: { t: Micros; op: 'close' | 'shutdown-write' };
  /** SEQ of the RSTs §3.10.7 makes us send in reply to a bad segment: no state change. */
  replyRsts: number[];
}

function newTcb(): Tcb {
  return { state: 'CLOSED', timeline: [], done: false, passive: false, ...freshSequenceSpace() };
}

/** A TCB that (re)enters LISTEN waits for a new connection: nothing of the last attempt counts. */
function freshSequenceSpace(): Omit<Tcb, 'state' | 'timeline' | 'done' | 'passive'> {
  return {
    iss: undefined,
    sndUna: 0,
    sndNxt: 0,
    finSeq: undefined,
    irs: undefined,
    rcvNxt: 0,
    rcvWnd: 65535,
    ownShift: undefined,
    peerScales: false,
    ooo: [],
    peerSyn: undefined,
    pendingClose: undefined,
    replyRsts: [],
  };
}

/** The one place a state change is recorded. Times never go backwards. */
function enter(tcb: Tcb, event: WireEvent, t: Micros, notes: WireNote[] = []): boolean {
  if (tcb.done) return false;
  const next = transition(tcb.state, event);
  if (!next) return false;
  if (!findTransition(tcb.state, next.to)) {
    throw new Error(`wire inference: ${tcb.state} -> ${next.to} on ${event} is not an RFC 9293 edge (${next.ref})`);
  }
  const last = tcb.timeline.at(-1);
  const entry: WireState = { state: next.to, t: Math.max(t, last?.t ?? t), sources: ['wire'] };
  if (notes.length > 0) entry.notes = [...notes];
  tcb.timeline.push(entry);
  if (next.to === 'CLOSED') tcb.done = true;
  if (event === 'passive OPEN') tcb.passive = true;
  if (next.to === 'LISTEN') Object.assign(tcb, freshSequenceSpace());
  tcb.state = next.to;
  return true;
}

// ---------------------------------------------------------------- event order

type EndpointEvent =
  | { kind: 'action'; t: Micros; op: AppOp }
  | { kind: 'send'; t: Micros; seg: Segment; crossed?: boolean }
  | { kind: 'receive'; t: Micros; seg: Segment };

/**
 * The events of one endpoint in the order it handled them. Segments written
 * into it are processed inside the relay's write, so their delivery order is
 * exact. A segment it sent was built some time before the relay read it: if
 * its ACK field does not cover a segment delivered into the endpoint since its
 * previous segment, it was built before that one was processed, and moves
 * ahead of it (note `crossed`). Without this, two FINs that cross on the wire
 * would read as CLOSE_WAIT and LAST_ACK instead of a simultaneous close.
 */
function endpointEvents(name: string, input: InferInput): EndpointEvent[] {
  const keyed: { ev: EndpointEvent; rank: number }[] = [];
  input.actions.forEach((a, i) => {
    if (a.endpoint === name) keyed.push({ ev: { kind: 'action', t: a.t, op: a.op }, rank: i });
  });
  const base = input.actions.length;
  input.segments.forEach((s, i) => {
    if (s.from === name) keyed.push({ ev: { kind: 'send', t: s.t, seg: s.seg }, rank: base + i });
    if (s.to === name && s.fate !== 'dropped') {
      keyed.push({ ev: { kind: 'receive', t: Math.max(s.t, s.deliveredAt ?? s.t), seg: s.seg }, rank: base + i });
    }
  });
  // On a tie an action comes first: the call that makes a segment precedes it.
  keyed.sort((x, y) => x.ev.t - y.ev.t || x.rank - y.rank);
  const events = keyed.map((k) => k.ev);
  for (let i = 0; i < events.length; i++) uncross(events, i);
  return events;
}

/** Moves the sent segment at `i` before the earliest delivery it was built before. */
function uncross(events: EndpointEvent[], i: number): void {
  const sent = events[i];
  if (sent?.kind !== 'send' || !sent.seg.flags.ack) return;
  let j = i;
  while (j > 0 && events[j - 1]?.kind === 'receive') j--;
  for (let k = j; k < i; k++) {
    const r = events[k];
    if (r?.kind !== 'receive' || !builtBefore(sent.seg, r.seg)) continue;
    events.splice(i, 1);
    events.splice(k, 0, { ...sent, t: Math.min(sent.t, r.t), crossed: true });
    return;
  }
}

/**
 * Whether `sent` was built before `received` was processed: `received` starts
 * at or before what `sent` acknowledges and ends after it. The ACK field is
 * "the value of the next sequence number the sender of the segment is
 * expecting to receive" (§3.1), so built after `received` it would cover it.
 */
function builtBefore(sent: Segment, received: Segment): boolean {
  const len = segmentLength(received);
  if (len === 0) return false;
  const end = seqAdd(received.seq, len);
  return seqLe(received.seq, sent.ack) && seqLt(sent.ack, end);
}

// ---------------------------------------------------------------- actions

/** §3.10.1, §3.10.4, §3.10.5: what each application call does. */
function onAction(tcb: Tcb, op: AppOp, t: Micros): void {
  switch (op) {
    case 'listen':
      enter(tcb, 'passive OPEN', t);
      return;
    case 'connect':
      enter(tcb, 'active OPEN', t);
      return;
    case 'abort':
      // §3.10.5: ABORT enters CLOSED whatever it sends; the RST that follows confirms it.
      enter(tcb, 'ABORT', t);
      return;
    case 'close-listener':
      // The listener is not the accepted connection: only a TCB still listening closes.
      if (tcb.state === 'LISTEN') enter(tcb, 'CLOSE', t);
      return;
    case 'close':
    case 'shutdown-write':
      onClose(tcb, op, t);
      return;
  }
}

/**
 * §3.10.4 CLOSE. Where it sends nothing (LISTEN, SYN_SENT) it takes effect at
 * once. Where it sends a FIN, the stack may send a RST instead (unread data,
 * §3.6.1 SHLD-3), so the state waits for the segment and is dated by the call.
 * A shutdown of the sending side is a CLOSE that keeps receiving (§3.6.1).
 */
function onClose(tcb: Tcb, op: 'close' | 'shutdown-write', t: Micros): void {
  switch (tcb.state) {
    case 'LISTEN':
    case 'SYN_SENT':
      if (op === 'close') enter(tcb, 'CLOSE', t);
      return;
    case 'SYN_RCVD':
    case 'ESTABLISHED':
    case 'CLOSE_WAIT':
      if (tcb.finSeq === undefined) tcb.pendingClose ??= { t, op };
      return;
    default:
      // CLOSED: no connection; FIN_WAIT_*, CLOSING, LAST_ACK, TIME_WAIT: already closing (§3.10.4 "error: connection closing").
      return;
  }
}

/** A pending close takes effect before a FIN or RST arrives: §3.10.4 "In any case, enter FIN-WAIT-1 state". */
function settleCloseBefore(tcb: Tcb, seg: Segment): void {
  if (!tcb.pendingClose || (!seg.flags.fin && !seg.flags.rst)) return;
  const { t } = tcb.pendingClose;
  tcb.pendingClose = undefined;
  enter(tcb, 'CLOSE', t);
}

// ---------------------------------------------------------------- sending

function onSend(tcb: Tcb, seg: Segment, t: Micros, crossed: boolean): void {
  const notes: WireNote[] = crossed ? ['crossed'] : [];
  trackSend(tcb, seg);
  if (seg.flags.rst) return sendRst(tcb, seg, t, notes);
  if (seg.flags.syn) sendSyn(tcb, seg, t, notes);
  if (seg.flags.fin) sendFin(tcb, seg, t, notes);
}

/** SND.NXT, ISS, our FIN and RCV.WND from what the endpoint sent (§3.3.1; window scaling: RFC 7323 §2.2). */
function trackSend(tcb: Tcb, seg: Segment): void {
  if (seg.flags.rst) return;
  if (seg.flags.syn && tcb.iss === undefined) {
    tcb.iss = seg.seq;
    tcb.sndUna = seg.seq;
    tcb.sndNxt = seg.seq;
    const ws = seg.options.find((o) => o.type === 'wscale');
    if (ws?.type === 'wscale') tcb.ownShift = Math.min(ws.shift, 14);
  }
  const end = seqAdd(seg.seq, segmentLength(seg));
  if (tcb.iss !== undefined && seqGt(end, tcb.sndNxt)) tcb.sndNxt = end;
  if (seg.flags.fin && tcb.finSeq === undefined) tcb.finSeq = seqAdd(seg.seq, seg.payload.length + (seg.flags.syn ? 1 : 0));
  // RFC 7323 §2.2: the window field of a SYN is never scaled.
  const shift = !seg.flags.syn && tcb.peerScales && tcb.ownShift !== undefined ? tcb.ownShift : 0;
  tcb.rcvWnd = seg.window * 2 ** shift;
}

/**
 * A SYN from CLOSED is an active open the harness did not ask for (a userspace
 * stack); a SYN-ACK from LISTEN is the passive open's answer; from CLOSED it
 * shows the endpoint was listening. Retransmissions change nothing.
 */
function sendSyn(tcb: Tcb, seg: Segment, t: Micros, notes: WireNote[]): void {
  if (!seg.flags.ack) {
    if (tcb.state === 'CLOSED') enter(tcb, 'active OPEN', t, notes);
    else if (tcb.state === 'LISTEN') enter(tcb, 'snd SYN', t, notes);
    return;
  }
  if (tcb.state === 'CLOSED' && tcb.peerSyn && !tcb.done) {
    enter(tcb, 'passive OPEN', tcb.peerSyn.t, ['listen-inferred']);
  }
  if (tcb.state !== 'LISTEN') return;
  // The SYN-ACK acknowledges the SYN it answers (§3.10.7.2: <SEQ=ISS><ACK=RCV.NXT>).
  tcb.irs = seqAdd(seg.ack, -1);
  tcb.rcvNxt = seg.ack;
  tcb.peerSyn = undefined;
  enter(tcb, 'snd SYN,ACK', t, notes);
}

/** The first FIN the endpoint sends is its CLOSE (§3.10.4), dated by the call when there was one. */
function sendFin(tcb: Tcb, seg: Segment, t: Micros, notes: WireNote[]): void {
  const fin = seqAdd(seg.seq, seg.payload.length + (seg.flags.syn ? 1 : 0));
  if (tcb.finSeq !== fin || finAlreadyClosing(tcb.state)) return;
  const at = Math.min(t, tcb.pendingClose?.t ?? t);
  tcb.pendingClose = undefined;
  enter(tcb, 'CLOSE', at, notes);
}

function finAlreadyClosing(state: State): boolean {
  return state === 'FIN_WAIT_1' || state === 'FIN_WAIT_2' || state === 'CLOSING' || state === 'LAST_ACK' || state === 'TIME_WAIT';
}

/**
 * A RST the endpoint sends in reply to a bad segment (§3.10.7.1 to §3.10.7.4:
 * <SEQ=SEG.ACK><CTL=RST>) changes nothing; any other is an abort (§3.10.5),
 * or a close that reset because data was left unread (§3.6.1 SHLD-3).
 */
function sendRst(tcb: Tcb, seg: Segment, t: Micros, notes: WireNote[]): void {
  const reply = tcb.replyRsts.indexOf(seg.seq);
  if (reply >= 0) {
    tcb.replyRsts.splice(reply, 1);
    return;
  }
  // Only close() resets for unread data; a shutdown of the sending side does not.
  if (tcb.pendingClose?.op === 'close') {
    const at = Math.min(t, tcb.pendingClose.t);
    tcb.pendingClose = undefined;
    enter(tcb, 'snd RST', at, [...notes, 'close-reset']);
    return;
  }
  enter(tcb, 'snd RST', t, notes);
}

// ---------------------------------------------------------------- receiving

/**
 * Processes one segment per §3.10.7. When one segment takes the endpoint
 * through several states (SYN_RCVD, ESTABLISHED, CLOSE_WAIT on an ACK with a
 * FIN), all but the last are transient.
 */
function onReceive(tcb: Tcb, seg: Segment, t: Micros): void {
  if (tcb.done) return;
  settleCloseBefore(tcb, seg);
  const from = tcb.timeline.length;
  switch (tcb.state) {
    case 'CLOSED':
      receiveClosed(tcb, seg, t);
      break;
    case 'LISTEN':
      receiveListen(tcb, seg, t);
      break;
    case 'SYN_SENT':
      receiveSynSent(tcb, seg, t);
      break;
    default:
      receiveSynchronized(tcb, seg, t);
  }
  tcb.timeline.slice(from, -1).forEach((e) => (e.transient = true));
}

/**
 * §3.10.7.1 CLOSED: everything is discarded or answered with RST. A SYN is
 * remembered: a SYN-ACK answering it shows the endpoint was listening.
 */
function receiveClosed(tcb: Tcb, seg: Segment, t: Micros): void {
  if (!seg.flags.syn || seg.flags.ack || seg.flags.rst) return;
  tcb.peerSyn = { seq: seg.seq, t };
  noteWscale(tcb, seg);
}

/** §3.10.7.2 LISTEN: RST ignored, ACK answered with RST, SYN answered with SYN-ACK (see `sendSyn`). */
function receiveListen(tcb: Tcb, seg: Segment, t: Micros): void {
  if (seg.flags.rst) return;
  if (seg.flags.ack) {
    tcb.replyRsts.push(seg.ack);
    return;
  }
  if (seg.flags.syn) {
    tcb.peerSyn = { seq: seg.seq, t };
    noteWscale(tcb, seg);
  }
}

/** §3.10.7.3 SYN-SENT. */
function receiveSynSent(tcb: Tcb, seg: Segment, t: Micros): void {
  const iss = tcb.iss;
  let ackOk = false;
  if (seg.flags.ack) {
    // First check: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set)".
    if (iss === undefined || seqLe(seg.ack, iss) || seqGt(seg.ack, tcb.sndNxt)) {
      if (!seg.flags.rst) tcb.replyRsts.push(seg.ack);
      return;
    }
    ackOk = true;
  }
  // Second check: a RST counts only with an acceptable ACK.
  if (seg.flags.rst) {
    if (ackOk) enter(tcb, 'rcv RST', t);
    return;
  }
  // Fourth check: the SYN.
  if (!seg.flags.syn) return;
  tcb.irs = seg.seq;
  tcb.rcvNxt = seqAdd(seg.seq, 1);
  noteWscale(tcb, seg);
  if (!ackOk) {
    enter(tcb, 'rcv SYN', t);
    return;
  }
  tcb.sndUna = seg.ack;
  enter(tcb, 'rcv SYN,ACK', t);
  // "If there are other controls or text in the segment, then continue
  // processing at the sixth step": a FIN in the SYN-ACK.
  const rest = { seq: seqAdd(seg.seq, 1), len: segmentLength(seg) - 1, fin: seg.flags.fin };
  if (receiveText(tcb, rest)) receiveFin(tcb, t);
}

function noteWscale(tcb: Tcb, seg: Segment): void {
  tcb.peerScales = seg.options.some((o) => o.type === 'wscale');
}

/** §3.10.7.4: SYN_RCVD and the synchronized states, check by check. */
function receiveSynchronized(tcb: Tcb, seg: Segment, t: Micros): void {
  // First check: sequence number, after trimming what lies before RCV.NXT.
  const part = acceptable(tcb, seg);
  if (!part) {
    if (seg.flags.rst) noteRstAfterFin(tcb, seg);
    return;
  }
  // Second check: RST. As RFC 5961 §3.2 (adopted by §3.10.7.4), only an exact
  // RCV.NXT resets; another in-window RST earns a challenge ACK.
  if (seg.flags.rst) {
    if (seg.seq !== tcb.rcvNxt) return;
    enter(tcb, tcb.state === 'SYN_RCVD' && tcb.passive ? 'rcv RST after passive OPEN' : 'rcv RST', t);
    return;
  }
  // Fourth check: a SYN in the window. After a passive open it goes back to
  // LISTEN; in a synchronized state it earns a challenge ACK (RFC 5961 §4).
  if (part.syn) {
    if (tcb.state === 'SYN_RCVD' && tcb.passive) enter(tcb, 'rcv SYN', t);
    return;
  }
  // Fifth check: "if the ACK bit is off, drop the segment".
  if (!seg.flags.ack) return;
  if (!receiveAck(tcb, seg, part, t)) return;
  // Seventh and eighth checks: text, then FIN.
  if (receiveText(tcb, part)) receiveFin(tcb, t);
}

/**
 * A RST on the peer's FIN (SEQ = RCV.NXT - 1) after that FIN is out of the
 * window, so §3.10.7.4 drops it. The current entry records that it came:
 * some stacks reset on it, and the kernel comparison needs the evidence.
 */
function noteRstAfterFin(tcb: Tcb, seg: Segment): void {
  const afterFin = tcb.state === 'CLOSE_WAIT' || tcb.state === 'LAST_ACK' || tcb.state === 'CLOSING';
  const current = tcb.timeline.at(-1);
  if (!afterFin || seg.seq !== seqAdd(tcb.rcvNxt, -1) || !current) return;
  if (!current.notes?.includes('rst-after-fin')) current.notes = [...(current.notes ?? []), 'rst-after-fin'];
}

interface Part {
  seq: number;
  len: number;
  syn?: boolean;
  fin: boolean;
}

/**
 * §3.10.7.4 first check. The part before RCV.NXT is trimmed first ("only the
 * new parts are processed"), SYN first, so a retransmission ending exactly at
 * RCV.NXT is a zero-length segment at RCV.NXT: acceptable, its ACK counts.
 * Linux's `tcp_sequence()` accepts the same. Undefined when unacceptable.
 */
function acceptable(tcb: Tcb, seg: Segment): Part | undefined {
  const len = segmentLength(seg);
  const old = seqDiff(tcb.rcvNxt, seg.seq);
  let part: Part = { seq: seg.seq, len, syn: seg.flags.syn, fin: seg.flags.fin };
  if (old > 0) {
    if (old > len) return undefined;
    part = { seq: tcb.rcvNxt, len: len - old, syn: false, fin: seg.flags.fin && old < len };
  }
  const offset = seqDiff(part.seq, tcb.rcvNxt);
  const wnd = tcb.rcvWnd;
  if (part.len === 0) return (wnd === 0 ? offset === 0 : offset >= 0 && offset < wnd) ? part : undefined;
  return wnd > 0 && offset >= 0 && offset < wnd ? part : undefined;
}

/** §3.10.7.4 fifth check. False when the segment is dropped or the connection ended. */
function receiveAck(tcb: Tcb, seg: Segment, part: Part, t: Micros): boolean {
  const ack = seg.ack;
  const acksNew = seqLt(tcb.sndUna, ack) && seqLe(ack, tcb.sndNxt);
  if (tcb.state === 'SYN_RCVD') {
    if (!acksNew) {
      // "If the segment acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>".
      tcb.replyRsts.push(ack);
      return false;
    }
    tcb.sndUna = ack;
    enter(tcb, 'rcv ACK of SYN', t);
  } else {
    // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the segment".
    if (seqGt(ack, tcb.sndNxt)) return false;
    if (acksNew) tcb.sndUna = ack;
  }
  if (!finAcked(tcb)) return true;
  switch (tcb.state) {
    case 'FIN_WAIT_1':
      // With the peer's FIN in order in this same segment it is FIN_WAIT_1 -> TIME_WAIT (eighth check).
      if (!finInOrder(tcb, part)) enter(tcb, 'rcv ACK of FIN', t);
      return true;
    case 'CLOSING':
      enter(tcb, 'rcv ACK of FIN', t);
      return false;
    case 'LAST_ACK':
      enter(tcb, 'rcv ACK of FIN', t);
      return false;
    default:
      return true;
  }
}

function finAcked(tcb: Tcb): boolean {
  return tcb.finSeq !== undefined && seqGt(tcb.sndUna, tcb.finSeq);
}

/** Whether a FIN (this part's or one queued out of order) is the next octet once this part's text is in. */
function finInOrder(tcb: Tcb, part: Part): boolean {
  return advance(tcb.rcvNxt, withPart(tcb.ooo, part)).fin;
}

function withPart(ranges: readonly Range[], part: Part): Range[] {
  if (part.len <= 0) return [...ranges];
  return [...ranges, { start: part.seq, end: seqAdd(part.seq, part.len), fin: part.fin }];
}

/**
 * RCV.NXT over the received ranges: it moves along every range that starts at
 * or before it. Returns what is still out of order, and whether a FIN was
 * passed.
 */
function advance(rcvNxt: number, ranges: readonly Range[]): { rcvNxt: number; ranges: Range[]; fin: boolean } {
  let next = rcvNxt;
  let fin = false;
  for (let moved = true; moved; ) {
    moved = false;
    for (const r of ranges) {
      if (seqGt(r.start, next) || !seqGt(r.end, next)) continue;
      next = r.end;
      fin ||= r.fin;
      moved = true;
    }
  }
  return { rcvNxt: next, ranges: ranges.filter((r) => seqGt(r.end, next)), fin };
}

/**
 * §3.10.7.4 seventh check: text advances RCV.NXT when in order; out-of-order
 * text (and a FIN after it) waits in `ooo`. True when a FIN has become the
 * next octet, which the eighth check then processes.
 */
function receiveText(tcb: Tcb, part: Part): boolean {
  if (part.len <= 0) return false;
  const moved = advance(tcb.rcvNxt, withPart(tcb.ooo, part));
  tcb.rcvNxt = moved.rcvNxt;
  tcb.ooo = moved.ranges;
  return moved.fin;
}

/** §3.10.7.4 eighth check: a FIN in order (RCV.NXT already advanced over it by `receiveText`). */
function receiveFin(tcb: Tcb, t: Micros): void {
  switch (tcb.state) {
    case 'SYN_RCVD':
    case 'ESTABLISHED':
    case 'FIN_WAIT_2':
      enter(tcb, 'rcv FIN', t);
      return;
    case 'FIN_WAIT_1':
      enter(tcb, finAcked(tcb) ? 'rcv FIN,ACK of FIN' : 'rcv FIN', t);
      return;
    default:
      // CLOSE-WAIT, CLOSING, LAST-ACK: "Remain in the ... state"; TIME-WAIT: restart the 2 MSL timeout.
      return;
  }
}

// ---------------------------------------------------------------- entry point

/**
 * Infers one timeline per endpoint. Each starts with CLOSED at the endpoint's
 * first event (action or segment); an endpoint without any has only CLOSED,
 * at the input's first event, with the note `silent`.
 */
export function inferTimelines(input: InferInput): Record<string, WireTimeline> {
  const first = Math.min(...input.actions.map((a) => a.t), ...input.segments.map((s) => s.t));
  const out: Record<string, WireTimeline> = {};
  for (const ep of input.endpoints) {
    const events = endpointEvents(ep.name, input);
    const start = events[0];
    if (!start) {
      out[ep.name] = [{ state: 'CLOSED', t: Number.isFinite(first) ? first : 0, sources: ['wire'], notes: ['silent'] }];
      continue;
    }
    const tcb = newTcb();
    tcb.timeline.push({ state: 'CLOSED', t: Math.min(...events.map((e) => e.t)), sources: ['wire'] });
    for (const ev of events) {
      if (ev.kind === 'action') onAction(tcb, ev.op, ev.t);
      else if (ev.kind === 'send') {
        if (!tcb.done) onSend(tcb, ev.seg, ev.t, ev.crossed === true);
      } else onReceive(tcb, ev.seg, ev.t);
    }
    out[ep.name] = tcb.timeline;
  }
  return out;
}

// ---------------------------------------------------------------- comparison

/** An entry of any observer's timeline: the shape of `ObservedState`. */
export interface TimelineEntry {
  state: State;
  t: Micros;
  sources: readonly string[];
  transient?: boolean;
  notes?: readonly string[];
}

/**
 * The differences between the kernel and the wire that are expected, each
 * justified in docs/observers.md ("Wire inference"):
 *
 * - `transient`: a kernel entry marked transient (fusion rule `one-segment`)
 *   between two states Figure 5 joins directly. Linux passes FIN_WAIT_2 on a
 *   FIN+ACK in FIN_WAIT_1; the wire follows the figure's FIN_WAIT_1 -> TIME_WAIT.
 * - `rst-in-time-wait`: the wire ends TIME_WAIT with CLOSED on an acceptable
 *   RST (§3.10.7.4) and the kernel stays in TIME_WAIT: the stack protects
 *   TIME_WAIT (RFC 1337, Linux `tcp_rfc1337=1`), or no snapshot saw the
 *   timewait socket go. The wire cannot tell which.
 * - `timer`: a kernel entry that a timer caused, as fusion notes it: LISTEN
 *   when a request socket gives up after its SYN-ACK retransmissions
 *   (`synrecv-request-gone`), CLOSED when a timewait socket expires
 *   (`timewait-gone`, e.g. an orphan's FIN-WAIT-2 timeout). A timer sends
 *   nothing, so the wire cannot see it.
 * - `orphan-fin-wait-2`: the kernel's CLOSED after FIN_WAIT_2 when no
 *   snapshot saw the timewait socket (fusion note `timewait-unseen`), while the
 *   wire shows the endpoint still in FIN_WAIT_2: the connection went on as a
 *   FIN-WAIT-2 timewait socket.
 * - `rst-after-fin`: the kernel's CLOSED on a RST with SEQ = RCV.NXT - 1
 *   after the peer's FIN, which the wire saw and RFC 9293 drops (wire note
 *   `rst-after-fin`). Linux accepts it on purpose (`tcp_reset_check()`); it is
 *   a documented deviation, not a disagreement of observers.
 */
export type Allowance = 'transient' | 'rst-in-time-wait' | 'timer' | 'orphan-fin-wait-2' | 'rst-after-fin';

export interface Disagreement {
  endpoint?: string;
  /** `missing-on-wire`: a kernel state the wire lacks; `missing-in-kernel`: the reverse; `order`: both have it, in different places. */
  kind: 'missing-on-wire' | 'missing-in-kernel' | 'order';
  state: State;
  detail: string;
  /** The allowance that explains it; absent for a real disagreement (a harness or a stack bug). */
  rule?: Allowance;
}

export interface CompareOptions {
  endpoint?: string;
  /** Entries at or after this time are not compared: the kernel observers had stopped (the targets' teardown). */
  until?: Micros;
  /** Subtracted from times in `detail` (e.g. the lab's start), which are printed in ms. */
  origin?: Micros;
}

/**
 * Compares the state sequences of an endpoint's kernel and wire timelines.
 * Times only explain; they are not compared. The sequences are aligned on a
 * longest common subsequence (earliest match first); what is left over on
 * either side is a disagreement, named `order` when the other side has the
 * same state left over too. Allowed ones carry the allowance in `rule`.
 */
export function compareTimelines(
  kernel: readonly TimelineEntry[],
  wire: readonly TimelineEntry[],
  opts: CompareOptions = {},
): Disagreement[] {
  const cut = (tl: readonly TimelineEntry[]): TimelineEntry[] => tl.filter((e) => opts.until === undefined || e.t < opts.until);
  const k = cut(kernel);
  const w = cut(wire);
  const { kernelMatched, wireMatched } = align(k, w);
  const ms = (t: Micros): string => `${((t - (opts.origin ?? 0)) / 1000).toFixed(3)} ms`;
  const describe = (e: TimelineEntry): string =>
    `at ${ms(e.t)} (${e.sources.join(', ') || 'no observer'}${e.notes?.length ? `; ${e.notes.join(', ')}` : ''})`;

  const onlyKernel = k.map((e, i) => ({ e, i })).filter(({ i }) => kernelMatched[i] === undefined);
  const onlyWire = w.map((e, i) => ({ e, i })).filter(({ i }) => wireMatched[i] === undefined);
  const out: Disagreement[] = [];
  const ctx: AllowanceContext = { kernel: k, wire: w, kernelMatched };
  for (const { e, i } of onlyKernel) {
    const twin = onlyWire.findIndex((o) => o.e.state === e.state);
    if (twin >= 0) {
      const [{ e: we }] = onlyWire.splice(twin, 1) as [{ e: TimelineEntry; i: number }];
      out.push({
        kind: 'order',
        state: e.state,
        detail: `${e.state} comes after ${k[i - 1]?.state ?? 'nothing'} in the kernel (${describe(e)}) and after ${
          w[w.indexOf(we) - 1]?.state ?? 'nothing'
        } on the wire (${describe(we)})`,
      });
      continue;
    }
    out.push(
      withRule(
        {
          kind: 'missing-on-wire',
          state: e.state,
          detail: `the kernel entered ${e.state} ${describe(e)} after ${k[i - 1]?.state ?? 'nothing'}; the wire has no such state there`,
        },
        allowanceMissingOnWire(ctx, i),
      ),
    );
  }
  for (const { e, i } of onlyWire) {
    out.push(
      withRule(
        {
          kind: 'missing-in-kernel',
          state: e.state,
          detail: `the wire entered ${e.state} ${describe(e)} after ${w[i - 1]?.state ?? 'nothing'}; the kernel has no such state there`,
        },
        allowanceMissingInKernel(ctx, i),
      ),
    );
  }
  if (opts.endpoint !== undefined) for (const d of out) d.endpoint = opts.endpoint;
  return out;
}

/** The disagreements no allowance explains. */
export function unexplained(ds: readonly Disagreement[]): Disagreement[] {
  return ds.filter((d) => d.rule === undefined);
}

function withRule(d: Disagreement, rule: Allowance | undefined): Disagreement {
  if (rule !== undefined) d.rule = rule;
  return d;
}

interface AllowanceContext {
  kernel: readonly TimelineEntry[];
  wire: readonly TimelineEntry[];
  /** Per kernel entry, the index of the wire entry aligned with it. */
  kernelMatched: readonly (number | undefined)[];
}

/** Fusion notes (docs/observers.md) of kernel entries that only a timer can cause. */
const TIMER_NOTES: ReadonlySet<string> = new Set(['synrecv-request-gone', 'timewait-gone']);

/** Which allowance, if any, explains the kernel entry `i` that the wire lacks. */
function allowanceMissingOnWire({ kernel, wire, kernelMatched }: AllowanceContext, i: number): Allowance | undefined {
  const e = kernel[i];
  const prev = kernel[i - 1];
  const next = kernel[i + 1];
  if (!e || !prev) return undefined;
  const prevOnWire = wire[kernelMatched[i - 1] ?? -1];
  if (e.transient && next && findTransition(prev.state, next.state)) return 'transient';
  if (e.notes?.some((n) => TIMER_NOTES.has(n))) return 'timer';
  if (e.state === 'CLOSED' && prev.state === 'FIN_WAIT_2' && e.notes?.includes('timewait-unseen') && wire.at(-1)?.state === 'FIN_WAIT_2') {
    return 'orphan-fin-wait-2';
  }
  if (e.state === 'CLOSED' && prevOnWire?.notes?.includes('rst-after-fin')) return 'rst-after-fin';
  return undefined;
}

/** Which allowance, if any, explains the wire entry `i` that the kernel lacks. */
function allowanceMissingInKernel({ kernel, wire }: AllowanceContext, i: number): Allowance | undefined {
  const e = wire[i];
  if (e?.state === 'CLOSED' && wire[i - 1]?.state === 'TIME_WAIT' && kernel.at(-1)?.state === 'TIME_WAIT') return 'rst-in-time-wait';
  return undefined;
}

/**
 * A longest common subsequence of the two state sequences, preferring the
 * earliest matches: `kernelMatched[i]` is the wire index matched to kernel
 * entry i, and the reverse.
 */
function align(
  k: readonly TimelineEntry[],
  w: readonly TimelineEntry[],
): { kernelMatched: (number | undefined)[]; wireMatched: (number | undefined)[] } {
  // lcs[i][j]: length of the LCS of k[i..] and w[j..].
  const lcs: number[][] = Array.from({ length: k.length + 1 }, () => new Array<number>(w.length + 1).fill(0));
  for (let i = k.length - 1; i >= 0; i--) {
    for (let j = w.length - 1; j >= 0; j--) {
      const row = lcs[i]!;
      row[j] = k[i]!.state === w[j]!.state ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, row[j + 1]!);
    }
  }
  const kernelMatched: (number | undefined)[] = new Array(k.length).fill(undefined);
  const wireMatched: (number | undefined)[] = new Array(w.length).fill(undefined);
  let i = 0;
  let j = 0;
  while (i < k.length && j < w.length) {
    if (k[i]!.state === w[j]!.state && lcs[i]![j] === lcs[i + 1]![j + 1]! + 1) {
      kernelMatched[i] = j;
      wireMatched[j] = i;
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
    else j++;
  }
  return { kernelMatched, wireMatched };
}
