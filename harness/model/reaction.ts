import { RFC, type Citation } from './rfc9293-text.js';
import type { State } from './states.js';

/**
 * The reaction oracle: what RFC 9293 §3.10.7 prescribes when a segment of a
 * given kind arrives at a given sequence position in a given state. It
 * follows the section's steps in order (sequence check, RST, SYN, ACK, text,
 * FIN) and cites the sentence each decision comes from. The `rfc5961`
 * profile takes the RFC 5961 branches RFC 9293 describes (challenge ACK for
 * an in-window RST and for any SYN in a synchronized state, the wider ACK
 * check); `rfc9293` takes the original ones, which RFC 9293 keeps for
 * stacks that do not implement RFC 5961.
 */

export const SEGMENT_KINDS = ['SYN', 'SYN+ACK', 'SYN+FIN', 'ACK', 'FIN', 'FIN+ACK', 'RST', 'RST+ACK', 'data', 'data+FIN'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

/**
 * Where the segment sits. In the states that have a receive window:
 * `exact` starts at RCV.NXT, `in-window` inside the window past RCV.NXT,
 * `out-of-window` beyond it (all three with an acceptable ACK, if any),
 * `ack-unacceptable` starts at RCV.NXT and acknowledges something never
 * sent (SEG.ACK > SND.NXT). In SYN-SENT only the ACK matters
 * (`ack-acceptable`, `ack-unacceptable`); in CLOSED and LISTEN nothing does (`any`).
 */
export const POSITIONS = ['any', 'exact', 'in-window', 'out-of-window', 'ack-acceptable', 'ack-unacceptable'] as const;
export type Position = (typeof POSITIONS)[number];

export const PROFILES = ['rfc9293', 'rfc5961'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * A segment the receiver must send, as a template: the numbers are named
 * after the RFC's variables, resolved by whoever knows the connection.
 * `seq`: SND.NXT, SEG.ACK of the arriving segment, 0 or ISS; `ack`: RCV.NXT
 * as it was (`rcv.nxt`), advanced over the arriving segment (`seg.end`,
 * SEG.SEQ+SEG.LEN) or over its SYN only (`seg.seq+1`). Unset: not prescribed.
 */
export interface ReplyTemplate {
  flags: 'ACK' | 'RST' | 'RST+ACK' | 'SYN+ACK';
  seq?: 'snd.nxt' | 'seg.ack' | 'zero' | 'iss';
  ack?: 'rcv.nxt' | 'seg.end' | 'seg.seq+1';
  /** A MAY: the reaction conforms with or without it. */
  optional?: boolean;
}

/** What the application is told, in the RFC's words. */
export type AppSignal = 'connected' | 'data' | 'connection closing' | 'connection reset' | 'connection refused';

export interface Reaction {
  /** Segments sent in reply, in order; empty: nothing. */
  send: ReplyTemplate[];
  /** States entered, in order; empty: the state does not change. */
  path: State[];
  app: AppSignal[];
  /** One line: what happens and why. */
  rule: string;
  cites: Citation[];
}

export interface KindFlags {
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  /** Carries payload. */
  data: boolean;
}

/** The flags of a segment kind; `data` kinds carry ACK, as any segment on a synchronized connection does. */
export function kindFlags(kind: SegmentKind): KindFlags {
  const has = (f: string): boolean => kind.split('+').includes(f);
  const data = kind.startsWith('data');
  return { syn: has('SYN'), ack: has('ACK') || data, fin: has('FIN'), rst: has('RST'), data };
}

/** The positions worth a cell for a state and kind. */
export function positionsFor(state: State, kind: SegmentKind): Position[] {
  const f = kindFlags(kind);
  if (state === 'CLOSED' || state === 'LISTEN') return ['any'];
  if (state === 'SYN_SENT') return f.ack ? ['ack-acceptable', 'ack-unacceptable'] : ['any'];
  return f.ack ? ['exact', 'in-window', 'out-of-window', 'ack-unacceptable'] : ['exact', 'in-window', 'out-of-window'];
}

const ACK_NOW: ReplyTemplate = { flags: 'ACK', seq: 'snd.nxt', ack: 'rcv.nxt' };

function reaction(send: ReplyTemplate[], path: State[], app: AppSignal[], rule: string, ...cites: Citation[]): Reaction {
  return { send, path, app, rule, cites };
}

export function react(state: State, kind: SegmentKind, position: Position, profile: Profile): Reaction {
  if (!positionsFor(state, kind).includes(position)) throw new Error(`no cell ${state} ${kind} ${position}`);
  const f = kindFlags(kind);
  switch (state) {
    case 'CLOSED':
      return closed(f);
    case 'LISTEN':
      return listen(f);
    case 'SYN_SENT':
      return synSent(f, position);
    default:
      return windowed(state, f, position, profile);
  }
}

function closed(f: KindFlags): Reaction {
  if (f.rst) return reaction([], [], [], 'a RST to no connection is discarded', RFC.closedRst);
  if (f.ack) return reaction([{ flags: 'RST', seq: 'seg.ack' }], [], [], 'no connection: RST with SEQ=SEG.ACK', RFC.closedReset);
  return reaction([{ flags: 'RST+ACK', seq: 'zero', ack: 'seg.end' }], [], [], 'no connection: RST+ACK with SEQ=0, ACK=SEG.SEQ+SEG.LEN', RFC.closedReset);
}

function listen(f: KindFlags): Reaction {
  if (f.rst) return reaction([], [], [], 'a RST cannot be valid in LISTEN: ignored', RFC.listenRst);
  if (f.ack) return reaction([{ flags: 'RST', seq: 'seg.ack' }], [], [], 'any acknowledgment is bad in LISTEN: RST with SEQ=SEG.ACK', RFC.listenAck);
  if (f.syn)
    return reaction(
      [{ flags: 'SYN+ACK', seq: 'iss', ack: 'seg.seq+1' }],
      ['SYN_RCVD'],
      [],
      f.fin ? 'SYN: SYN+ACK and SYN_RCVD; the FIN is queued for later' : 'SYN: SYN+ACK and SYN_RCVD',
      RFC.listenSyn,
    );
  return reaction([], [], [], 'neither RST, ACK nor SYN: dropped', RFC.listenOther);
}

function synSent(f: KindFlags, position: Position): Reaction {
  if (f.ack && position === 'ack-unacceptable') {
    if (f.rst) return reaction([], [], [], 'unacceptable ACK on a RST: dropped', RFC.synSentBadAck);
    return reaction([{ flags: 'RST', seq: 'seg.ack' }], [], [], 'unacceptable ACK: RST with SEQ=SEG.ACK', RFC.synSentBadAck);
  }
  if (f.rst) {
    if (f.ack) return reaction([], ['CLOSED'], ['connection reset'], 'RST with an acceptable ACK: connection reset, CLOSED', RFC.synSentRst);
    return reaction([], [], [], 'RST without ACK: dropped', RFC.synSentRst);
  }
  if (f.syn) {
    if (f.ack) {
      const app: AppSignal[] = ['connected', ...(f.data ? (['data'] as const) : [])];
      return reaction([{ flags: 'ACK', seq: 'snd.nxt', ack: 'seg.end' }], ['ESTABLISHED'], app, 'our SYN is acknowledged: ACK and ESTABLISHED', RFC.synSentSynAcked);
    }
    return reaction(
      [{ flags: 'SYN+ACK', seq: 'iss', ack: 'seg.seq+1' }],
      ['SYN_RCVD'],
      [],
      f.fin ? 'simultaneous open: SYN+ACK and SYN_RCVD, the FIN queued' : 'simultaneous open: SYN+ACK and SYN_RCVD',
      RFC.synSentSyn,
    );
  }
  return reaction([], [], [], 'neither SYN nor RST: dropped', RFC.synSentNeither);
}

/** RFC 9293 §3.10.7.4, for the states that have a receive window. */
function windowed(state: State, f: KindFlags, position: Position, profile: Profile): Reaction {
  // First, the sequence number.
  if (position === 'out-of-window') {
    if (f.rst) return reaction([], [], [], 'RST outside the window: dropped', RFC.unacceptable);
    if (f.syn && profile === 'rfc5961' && state !== 'SYN_RCVD')
      return reaction([ACK_NOW], [], [], 'SYN outside the window: ACK (the challenge ACK of RFC 5961 is the same segment)', RFC.unacceptable, RFC.syn5961);
    return reaction([ACK_NOW], [], [], 'not acceptable: ACK and drop', RFC.unacceptable);
  }
  // Second, the RST bit (checked at any acceptable position).
  if (f.rst) {
    if (profile === 'rfc5961' && position === 'in-window')
      return reaction([ACK_NOW], [], [], 'RST in the window but not at RCV.NXT: challenge ACK', RFC.rst5961Challenge);
    const extra = profile === 'rfc5961' ? [RFC.rst5961Exact] : [];
    if (state === 'SYN_RCVD') return reaction([], ['LISTEN'], [], 'RST after a passive open: back to LISTEN', ...extra, RFC.rstSynRcvd);
    if (state === 'ESTABLISHED' || state === 'FIN_WAIT_1' || state === 'FIN_WAIT_2' || state === 'CLOSE_WAIT')
      return reaction([], ['CLOSED'], ['connection reset'], 'RST: connection reset, CLOSED', ...extra, RFC.rstSynchronized);
    return reaction([], ['CLOSED'], [], 'RST: CLOSED', ...extra, RFC.rstClosing);
  }
  // Fourth, the SYN bit.
  if (f.syn) {
    if (state === 'SYN_RCVD') return reaction([], ['LISTEN'], [], 'SYN after a passive open: back to LISTEN', RFC.synSynRcvd);
    if (profile === 'rfc5961') return reaction([ACK_NOW], [], [], 'SYN in a synchronized state: challenge ACK', RFC.syn5961);
    return reaction([{ flags: 'RST' }], ['CLOSED'], ['connection reset'], 'SYN in the window: RST, connection reset, CLOSED', RFC.syn793);
  }
  // Segments past RCV.NXT wait for the gap to fill; nothing of them is processed yet.
  if (position === 'in-window') return reaction([{ ...ACK_NOW, optional: true }], [], [], 'past RCV.NXT: held for later, an ACK may be sent', RFC.held, RFC.mayAck);
  // Fifth, the ACK field.
  if (!f.ack) return reaction([], [], [], 'no ACK bit: dropped', RFC.noAck);
  if (position === 'ack-unacceptable') {
    if (state === 'SYN_RCVD') return reaction([{ flags: 'RST', seq: 'seg.ack' }], [], [], 'unacceptable ACK in SYN_RCVD: RST with SEQ=SEG.ACK', RFC.ackSynRcvdBad);
    if (state !== 'TIME_WAIT') return reaction([ACK_NOW], [], [], 'acknowledges something not yet sent: ACK and drop', RFC.ackTooNew);
    if (profile === 'rfc5961') return reaction([ACK_NOW], [], [], 'ACK outside the acceptable range: ACK and drop', RFC.ack5961);
    // RFC 9293's TIME-WAIT step checks no ACK: the segment goes on as any other.
  }
  const path: State[] = [];
  const cites: Citation[] = [];
  let now = state;
  const enter = (s: State, c: Citation): void => {
    path.push(s);
    cites.push(c);
    now = s;
  };
  switch (state) {
    case 'SYN_RCVD':
      enter('ESTABLISHED', RFC.ackSynRcvd);
      break;
    case 'FIN_WAIT_1':
      // Positions with an acceptable ACK acknowledge everything sent, our FIN included.
      enter('FIN_WAIT_2', RFC.ackFinWait1);
      break;
    case 'CLOSING':
      enter('TIME_WAIT', RFC.ackClosing);
      break;
    case 'LAST_ACK':
      return reaction([], ['CLOSED'], [], 'our FIN is acknowledged: CLOSED', RFC.ackLastAck);
    case 'TIME_WAIT':
      cites.push(RFC.ackTimeWait);
      break;
    default:
      cites.push(RFC.ackEstablished);
  }
  const app: AppSignal[] = [];
  let acked = false;
  const rules: string[] = path.length ? [`acceptable ACK: ${path.join(', ')}`] : [];
  // Seventh, the segment text.
  if (f.data) {
    if (now === 'ESTABLISHED' || now === 'FIN_WAIT_1' || now === 'FIN_WAIT_2') {
      app.push('data');
      acked = true;
      cites.push(RFC.text);
      rules.push('data delivered and acknowledged');
    } else {
      cites.push(RFC.textIgnored);
      rules.push('text ignored after the remote FIN');
    }
  }
  // Eighth, the FIN bit.
  if (f.fin) {
    app.push('connection closing');
    acked = true;
    cites.push(RFC.fin);
    if (now === 'ESTABLISHED') enter('CLOSE_WAIT', RFC.finToCloseWait);
    // Our FIN not acknowledged (by this segment's ACK either): a simultaneous close.
    else if (now === 'FIN_WAIT_1') enter('CLOSING', RFC.finFinWait1);
    else if (now === 'FIN_WAIT_2') enter('TIME_WAIT', RFC.finFinWait2);
    else if (now === 'TIME_WAIT') cites.push(RFC.finTimeWait);
    else cites.push(RFC.finRemain);
    rules.push(`FIN acknowledged${path.length ? `, ${now}` : ''}`);
  }
  if (!rules.length) rules.push('acceptable: nothing to send');
  return reaction(acked ? [{ flags: 'ACK', seq: 'snd.nxt', ack: 'seg.end' }] : [], path, app, rules.join('; '), ...cites);
}

/** Every cell of the grid for a profile, state-major in the order of STATES. */
export function cells(states: readonly State[], kinds: readonly SegmentKind[] = SEGMENT_KINDS): { state: State; kind: SegmentKind; position: Position }[] {
  return states.flatMap((state) => kinds.flatMap((kind) => positionsFor(state, kind).map((position) => ({ state, kind, position }))));
}
