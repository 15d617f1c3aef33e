import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compareTimelines,
  inferTimelines,
  transition,
  unexplained,
  type AppAction,
  type AppOp,
  type Disagreement,
  type TimelineEntry,
  type WireEvent,
  type WireSegment,
  type WireTimeline,
} from '../../../harness/model/wire.js';
import { STATES, type State } from '../../../harness/model/states.js';
import { checkPath, findTransition, transitionId, TRANSITIONS } from '../../../harness/model/transitions.js';
import type { ObservedState, Timeline } from '../../../harness/observe/types.js';
import { readPcap } from '../../../harness/packet/pcap.js';
import { decodePacket, flagsString, parseFlags, segmentLength, seqAdd, type Segment, type TcpOption } from '../../../harness/packet/tcp.js';

// ---------------------------------------------------------------- fixture factories

const ADDR = { a: '198.18.0.1', b: '198.18.0.2' } as const;
const PORT = { a: 40000, b: 20000 } as const;
type Side = 'a' | 'b';
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

interface SendOpts {
  /** Payload octets. */
  len?: number;
  /** Default: the sender's SND.NXT. */
  seq?: number;
  /** Default: everything the sender has received in order. */
  ack?: number;
  fate?: 'dropped';
  deliveredAt?: number;
  window?: number;
  options?: TcpOption[];
}

/**
 * A conversation between client a and server b, written as the segments and
 * calls a relay would record. It keeps each side's next sequence number and
 * what each has received, so a fixture names only what matters to it.
 */
class Wire {
  readonly segments: WireSegment[] = [];
  readonly actions: AppAction[] = [];
  t = 1_000_000;
  readonly nxt: Record<Side, number>;
  /** What each side has received in order: the ACK it sends by default. */
  readonly rcv: Record<Side, number | undefined> = { a: undefined, b: undefined };

  constructor(readonly iss: Record<Side, number> = { a: 1000, b: 5000 }) {
    this.nxt = { ...iss };
  }

  tick(): number {
    this.t += 100;
    return this.t;
  }

  act(endpoint: Side, op: AppOp): this {
    this.actions.push({ t: this.tick(), endpoint, op });
    return this;
  }

  send(from: Side, flags: string, o: SendOpts = {}): this {
    const f = parseFlags(flags);
    if (!f) throw new Error(`bad flags ${flags}`);
    const to = other(from);
    const seq = o.seq ?? this.nxt[from];
    const seg: Segment = {
      src: ADDR[from],
      dst: ADDR[to],
      family: 4,
      sport: PORT[from],
      dport: PORT[to],
      seq,
      ack: f.ack ? (o.ack ?? this.rcv[from] ?? 0) : 0,
      flags: f,
      window: o.window ?? 64240,
      options: o.options ?? [],
      payload: new Uint8Array(o.len ?? 0),
    };
    const end = seqAdd(seq, segmentLength(seg));
    if (((end - this.nxt[from]) | 0) > 0) this.nxt[from] = end;
    const ws: WireSegment = { t: this.tick(), from, to, seg };
    if (o.fate) ws.fate = o.fate;
    if (o.deliveredAt !== undefined) ws.deliveredAt = o.deliveredAt;
    if (!o.fate) this.received(to, seg);
    this.segments.push(ws);
    return this;
  }

  private received(side: Side, seg: Segment): void {
    const have = this.rcv[side];
    if (seg.flags.syn && have === undefined) this.rcv[side] = seqAdd(seg.seq, segmentLength(seg));
    else if (have !== undefined && ((seg.seq - have) | 0) <= 0) {
      const end = seqAdd(seg.seq, segmentLength(seg));
      if (((end - have) | 0) > 0) this.rcv[side] = end;
    }
  }

  infer(): Record<Side, WireTimeline> {
    const out = inferTimelines({
      endpoints: [
        { name: 'a', role: 'client' },
        { name: 'b', role: 'server' },
      ],
      segments: this.segments,
      actions: this.actions,
    });
    return { a: out.a ?? [], b: out.b ?? [] };
  }
}

// One factory per state: the conversation that puts a (or b) there.
const closed = (iss?: Record<Side, number>): Wire => new Wire(iss);
const listening = (iss?: Record<Side, number>): Wire => closed(iss).act('b', 'listen');
/** a in SYN_SENT, its SYN in b (still LISTEN, no answer yet). */
const synSent = (iss?: Record<Side, number>): Wire => listening(iss).act('a', 'connect').send('a', 'SYN');
/** b in SYN_RCVD; a ESTABLISHED (it got the SYN-ACK). */
const synRcvd = (iss?: Record<Side, number>): Wire => synSent(iss).send('b', 'SYN+ACK');
const established = (iss?: Record<Side, number>): Wire => synRcvd(iss).send('a', 'ACK');
/** a in FIN_WAIT_1; b in CLOSE_WAIT. */
const finWait1 = (iss?: Record<Side, number>): Wire => established(iss).act('a', 'close').send('a', 'FIN+ACK');
const closeWait = finWait1;
/** a in FIN_WAIT_2; b in CLOSE_WAIT. */
const finWait2 = (iss?: Record<Side, number>): Wire => finWait1(iss).send('b', 'ACK');
/** b in LAST_ACK; a in TIME_WAIT. */
const lastAck = (iss?: Record<Side, number>): Wire => finWait2(iss).act('b', 'close').send('b', 'FIN+ACK');
const timeWait = lastAck;
/** a in CLOSING: its FIN is lost, b's FIN does not acknowledge it. b in FIN_WAIT_1. */
const closing = (iss?: Record<Side, number>): Wire =>
  established(iss).act('a', 'close').send('a', 'FIN+ACK', { fate: 'dropped' }).act('b', 'close').send('b', 'FIN+ACK');

type WireState = WireTimeline[number];
const states = (tl: readonly { state: State }[]): State[] => tl.map((e) => e.state);
const last = (tl: WireTimeline): WireState => {
  const e = tl.at(-1);
  if (!e) throw new Error('empty timeline');
  return e;
};

const A_OPEN: State[] = ['CLOSED', 'SYN_SENT', 'ESTABLISHED'];
const B_OPEN: State[] = ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED'];

// ---------------------------------------------------------------- per state

describe('CLOSED', () => {
  it('CLOSED listen -> LISTEN', () => {
    const w = listening();
    const { b } = w.infer();
    expect(b).toEqual([
      { state: 'CLOSED', t: 1_000_100, sources: ['wire'] },
      { state: 'LISTEN', t: 1_000_100, sources: ['wire'] },
    ]);
  });

  it('CLOSED connect -> SYN_SENT, dated by the call', () => {
    const w = closed().act('a', 'connect').send('a', 'SYN');
    const { a } = w.infer();
    expect(states(a)).toEqual(['CLOSED', 'SYN_SENT']);
    expect(a[1]?.t).toBe(w.actions[0]?.t);
  });

  it('CLOSED snd SYN -> SYN_SENT without a connect call (a userspace stack)', () => {
    const w = closed().send('a', 'SYN');
    const { a } = w.infer();
    expect(states(a)).toEqual(['CLOSED', 'SYN_SENT']);
    expect(a[1]?.t).toBe(w.segments[0]?.t);
  });

  it('CLOSED rcv SYN, snd SYN+ACK -> LISTEN -> SYN_RCVD without a listen call', () => {
    const w = closed().send('a', 'SYN').send('b', 'SYN+ACK');
    const { b } = w.infer();
    expect(states(b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD']);
    expect(b[1]).toEqual({ state: 'LISTEN', t: w.segments[0]?.t, sources: ['wire'], notes: ['listen-inferred'] });
  });

  it('CLOSED rcv SYN, snd RST+ACK -> CLOSED (no listener)', () => {
    const w = closed().act('a', 'connect').send('a', 'SYN').send('b', 'RST+ACK', { seq: 0 });
    const { a, b } = w.infer();
    expect(states(b)).toEqual(['CLOSED']);
    expect(states(a)).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
  });

  it('CLOSED with no call and no segment is CLOSED, silent', () => {
    const w = listening().act('b', 'close-listener');
    const { a } = w.infer();
    expect(a).toEqual([{ state: 'CLOSED', t: w.actions[0]?.t, sources: ['wire'], notes: ['silent'] }]);
  });

  it('CLOSED after a connection stays CLOSED: one connection per endpoint', () => {
    const w = synSent().act('a', 'close').send('a', 'SYN', { seq: 9000 });
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
  });
});

describe('LISTEN', () => {
  it('LISTEN snd SYN+ACK -> SYN_RCVD, dated by the SYN-ACK', () => {
    const w = synRcvd();
    const { b } = w.infer();
    expect(states(b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD']);
    expect(last(b).t).toBe(w.segments[1]?.t);
  });

  it('LISTEN rcv SYN without an answer -> LISTEN', () => {
    expect(states(synSent().infer().b)).toEqual(['CLOSED', 'LISTEN']);
  });

  it('LISTEN rcv ACK, snd RST -> LISTEN (a reply changes nothing)', () => {
    const w = listening().send('a', 'ACK', { seq: 77, ack: 99 }).send('b', 'RST', { seq: 99 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN']);
  });

  it('LISTEN rcv RST -> LISTEN', () => {
    const w = listening().send('a', 'RST', { seq: 77 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN']);
  });

  it('LISTEN close-listener -> CLOSED', () => {
    expect(states(listening().act('b', 'close-listener').infer().b)).toEqual(['CLOSED', 'LISTEN', 'CLOSED']);
  });

  it('LISTEN abort -> CLOSED', () => {
    expect(states(listening().act('b', 'abort').infer().b)).toEqual(['CLOSED', 'LISTEN', 'CLOSED']);
  });

  it('LISTEN snd SYN -> SYN_SENT (SEND on a listening TCB)', () => {
    expect(states(listening().send('b', 'SYN').infer().b)).toEqual(['CLOSED', 'LISTEN', 'SYN_SENT']);
  });
});

describe('SYN_SENT', () => {
  it('SYN_SENT rcv SYN+ACK -> ESTABLISHED', () => {
    const w = synRcvd();
    const { a } = w.infer();
    expect(states(a)).toEqual(A_OPEN);
    expect(last(a).t).toBe(w.segments[1]?.t);
  });

  it('SYN_SENT rcv SYN -> SYN_RCVD (simultaneous open)', () => {
    const w = closed().act('a', 'connect').act('b', 'connect').send('a', 'SYN', { fate: 'dropped' }).send('b', 'SYN');
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT', 'SYN_RCVD']);
  });

  it('SYN_SENT rcv RST+ACK -> CLOSED', () => {
    const w = synSent().send('b', 'RST+ACK', { seq: 0 });
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
  });

  it('SYN_SENT rcv RST without ACK -> SYN_SENT (§3.10.7.3 drops it)', () => {
    const w = synSent().send('b', 'RST', { seq: 0 });
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT']);
  });

  it('SYN_SENT rcv SYN+ACK with an unacceptable ACK -> SYN_SENT, and its RST reply changes nothing', () => {
    const w = synSent().send('b', 'SYN+ACK', { ack: 1000 }).send('a', 'RST', { seq: 1000 });
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT']);
  });

  it('SYN_SENT rcv SYN+ACK+FIN -> ESTABLISHED -> CLOSE_WAIT, ESTABLISHED transient', () => {
    const w = synSent().send('b', 'SYN+ACK+FIN');
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'CLOSE_WAIT']);
    expect(a[2]?.transient).toBe(true);
    expect(a[3]?.transient).toBeUndefined();
  });

  it('SYN_SENT retransmitted SYN -> SYN_SENT', () => {
    const w = synSent().send('a', 'SYN', { seq: 1000 });
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT']);
  });

  it('SYN_SENT close -> CLOSED (nothing is sent)', () => {
    expect(states(synSent().act('a', 'close').infer().a)).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
  });

  it('SYN_SENT abort -> CLOSED', () => {
    expect(states(synSent().act('a', 'abort').infer().a)).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
  });
});

describe('SYN_RCVD', () => {
  it('SYN_RCVD rcv ACK -> ESTABLISHED', () => {
    const w = established();
    const { b } = w.infer();
    expect(states(b)).toEqual(B_OPEN);
    expect(last(b).t).toBe(w.segments[2]?.t);
  });

  it('SYN_RCVD rcv ACK+FIN -> ESTABLISHED -> CLOSE_WAIT, ESTABLISHED transient', () => {
    const w = synRcvd().send('a', 'FIN+ACK');
    const { b } = w.infer();
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT']);
    expect(b[3]).toMatchObject({ state: 'ESTABLISHED', transient: true });
  });

  it('SYN_RCVD rcv RST -> LISTEN after a passive open', () => {
    const w = synRcvd().act('a', 'abort').send('a', 'RST', { seq: 1001 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD', 'LISTEN']);
  });

  it('SYN_RCVD rcv RST -> LISTEN, then a new handshake with new ISNs -> SYN_RCVD -> ESTABLISHED', () => {
    const w = synRcvd().send('a', 'RST', { seq: 1001 });
    // b's new ISN is below the old one: with the old SND.NXT kept, the ACK would not count.
    w.send('a', 'SYN', { seq: 90_000 }).send('b', 'SYN+ACK', { seq: 3000, ack: 90_001 }).send('a', 'ACK', { seq: 90_001, ack: 3001 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED']);
  });

  it('SYN_RCVD rcv in-window SYN -> LISTEN after a passive open', () => {
    const w = synRcvd().send('a', 'SYN', { seq: 1500 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD', 'LISTEN']);
  });

  it('SYN_RCVD rcv SYN+ACK -> ESTABLISHED (simultaneous open)', () => {
    const w = closed()
      .act('a', 'connect')
      .act('b', 'connect')
      .send('a', 'SYN', { fate: 'dropped' })
      .send('b', 'SYN')
      .send('a', 'SYN+ACK', { seq: 1000 })
      .send('b', 'SYN+ACK', { seq: 5000 });
    const { a, b } = w.infer();
    expect(states(a)).toEqual(['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED']);
    expect(states(b)).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED']);
  });

  it('SYN_RCVD rcv RST -> CLOSED after an active open', () => {
    const w = closed().act('a', 'connect').send('a', 'SYN', { fate: 'dropped' }).send('b', 'SYN').send('b', 'RST', { seq: 5001 });
    expect(states(w.infer().a)).toEqual(['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'CLOSED']);
  });

  it('SYN_RCVD rcv retransmitted SYN -> SYN_RCVD', () => {
    const w = synRcvd().send('a', 'SYN', { seq: 1000 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD']);
  });

  it('SYN_RCVD rcv ACK of nothing we sent, snd RST -> SYN_RCVD', () => {
    const w = synRcvd().send('a', 'ACK', { ack: 4000 }).send('b', 'RST', { seq: 4000 });
    expect(states(w.infer().b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD']);
  });

  it('SYN_RCVD dropped ACK -> SYN_RCVD, while the sender is ESTABLISHED', () => {
    const w = synRcvd().send('a', 'ACK', { fate: 'dropped' });
    const { a, b } = w.infer();
    expect(states(b)).toEqual(['CLOSED', 'LISTEN', 'SYN_RCVD']);
    expect(states(a)).toEqual(A_OPEN);
  });

  it('SYN_RCVD held ACK -> ESTABLISHED when the relay releases it', () => {
    const w = synRcvd().send('a', 'ACK', { deliveredAt: 2_000_000 });
    const { b } = w.infer();
    expect(last(b)).toEqual({ state: 'ESTABLISHED', t: 2_000_000, sources: ['wire'] });
  });
});

describe('ESTABLISHED', () => {
  it('ESTABLISHED close, snd FIN -> FIN_WAIT_1, dated by the call', () => {
    const w = finWait1();
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1']);
    expect(last(a).t).toBe(w.actions.find((x) => x.op === 'close')?.t);
  });

  it('ESTABLISHED snd FIN -> FIN_WAIT_1, dated by the FIN without a close call', () => {
    const w = established().send('a', 'FIN+ACK');
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1']);
    expect(last(a).t).toBe(w.segments.at(-1)?.t);
  });

  it('ESTABLISHED close, FIN read before the call is timed -> FIN_WAIT_1 at the FIN', () => {
    const w = established().send('a', 'FIN+ACK').act('a', 'close');
    expect(last(w.infer().a)).toMatchObject({ state: 'FIN_WAIT_1', t: w.segments.at(-1)?.t });
  });

  it('ESTABLISHED shutdown-write, snd FIN -> FIN_WAIT_1', () => {
    const w = established().act('a', 'shutdown-write').send('a', 'FIN+ACK');
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1']);
  });

  it('ESTABLISHED close without a FIN yet -> ESTABLISHED (the stack may still reset)', () => {
    expect(states(established().act('a', 'close').infer().a)).toEqual(A_OPEN);
  });

  it('ESTABLISHED rcv FIN -> CLOSE_WAIT', () => {
    const w = closeWait();
    const { b } = w.infer();
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT']);
    expect(last(b).t).toBe(w.segments.at(-1)?.t);
  });

  it('ESTABLISHED rcv data+FIN -> CLOSE_WAIT', () => {
    const w = established().send('a', 'PSH+FIN+ACK', { len: 100 });
    expect(states(w.infer().b)).toEqual([...B_OPEN, 'CLOSE_WAIT']);
  });

  it('ESTABLISHED rcv out-of-order FIN -> ESTABLISHED, then CLOSE_WAIT when the gap fills', () => {
    const w = established().send('a', 'FIN+ACK', { seq: 1101 });
    expect(states(w.infer().b)).toEqual(B_OPEN);
    w.send('a', 'PSH+ACK', { seq: 1001, len: 100 });
    const { b } = w.infer();
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT']);
    expect(last(b).t).toBe(w.segments.at(-1)?.t);
  });

  it('ESTABLISHED rcv FIN beyond the window -> ESTABLISHED', () => {
    const w = established().send('a', 'FIN+ACK', { seq: 1001 + 70000 });
    expect(states(w.infer().b)).toEqual(B_OPEN);
  });

  it('ESTABLISHED rcv RST at RCV.NXT -> CLOSED', () => {
    const w = established().send('a', 'RST', { seq: 1001 });
    expect(states(w.infer().b)).toEqual([...B_OPEN, 'CLOSED']);
  });

  it('ESTABLISHED rcv RST in the window but not at RCV.NXT -> ESTABLISHED (challenge ACK)', () => {
    const w = established().send('a', 'RST', { seq: 1500 });
    expect(states(w.infer().b)).toEqual(B_OPEN);
  });

  it('ESTABLISHED rcv RST outside the window -> ESTABLISHED', () => {
    const w = established().send('a', 'RST', { seq: 900 });
    expect(states(w.infer().b)).toEqual(B_OPEN);
  });

  it('ESTABLISHED rcv in-window SYN -> ESTABLISHED (challenge ACK)', () => {
    const w = established().send('a', 'SYN', { seq: 1500 });
    expect(states(w.infer().b)).toEqual(B_OPEN);
  });

  it('ESTABLISHED abort -> CLOSED, dated by the call; its RST closes the peer', () => {
    const w = established().act('a', 'abort').send('a', 'RST+ACK');
    const { a, b } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'CLOSED']);
    expect(last(a).t).toBe(w.actions.at(-1)?.t);
    expect(states(b)).toEqual([...B_OPEN, 'CLOSED']);
  });

  it('ESTABLISHED snd RST -> CLOSED without a call', () => {
    expect(states(established().send('a', 'RST+ACK').infer().a)).toEqual([...A_OPEN, 'CLOSED']);
  });

  it('ESTABLISHED close, snd RST -> CLOSED (close with unread data)', () => {
    const w = established().send('b', 'PSH+ACK', { len: 10 }).act('a', 'close').send('a', 'RST+ACK');
    expect(last(w.infer().a)).toEqual({ state: 'CLOSED', t: w.actions.at(-1)?.t, sources: ['wire'], notes: ['close-reset'] });
  });

  it('ESTABLISHED rcv data -> ESTABLISHED', () => {
    expect(states(established().send('a', 'PSH+ACK', { len: 1000 }).infer().b)).toEqual(B_OPEN);
  });
});

describe('FIN_WAIT_1', () => {
  it('FIN_WAIT_1 ACK of FIN -> FIN_WAIT_2', () => {
    const w = finWait2();
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'FIN_WAIT_2']);
    expect(last(a).t).toBe(w.segments.at(-1)?.t);
  });

  it('FIN_WAIT_1 FIN+ACK -> TIME_WAIT', () => {
    const w = finWait1().act('b', 'close').send('b', 'FIN+ACK');
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'TIME_WAIT']);
    expect(a.some((e) => e.transient)).toBe(false);
  });

  it('FIN_WAIT_1 FIN -> CLOSING (the FIN does not acknowledge ours)', () => {
    expect(states(closing().infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'CLOSING']);
  });

  it('FIN_WAIT_1 ACK of data only -> FIN_WAIT_1', () => {
    const w = established().send('a', 'PSH+ACK', { len: 10 }).act('a', 'close').send('a', 'FIN+ACK').send('b', 'ACK', { ack: 1011 });
    expect(last(w.infer().a).state).toBe('FIN_WAIT_1');
  });

  it('FIN_WAIT_1 retransmitted FIN -> FIN_WAIT_1', () => {
    const w = finWait1().send('a', 'FIN+ACK', { seq: 1001 });
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1']);
  });

  it('FIN_WAIT_1 RST -> CLOSED', () => {
    const w = finWait1().send('b', 'RST', { seq: 5001 });
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'CLOSED']);
  });

  it('FIN_WAIT_1 FIN+ACK after an out-of-order FIN -> TIME_WAIT in one step', () => {
    // The early FIN does not acknowledge a's; the segment that fills the gap does.
    const w = finWait1().send('b', 'FIN+ACK', { seq: 5011, ack: 1001 }).send('b', 'PSH+ACK', { seq: 5001, len: 10 });
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'TIME_WAIT']);
  });

  it('FIN_WAIT_1 FIN crossing ours on the wire -> CLOSING (note crossed)', () => {
    // a's FIN is relayed into b before the relay reads b's FIN; b's FIN
    // does not acknowledge a's, so b built it before processing a's.
    const w = established().act('a', 'close').act('b', 'close').send('a', 'FIN+ACK').send('b', 'FIN+ACK', { ack: 1001 });
    w.send('b', 'ACK', { ack: 1002 }).send('a', 'ACK', { ack: 5002 });
    const { a, b } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(states(b)).toEqual([...B_OPEN, 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    // b's CLOSE is dated by its call; the crossed FIN confirms it.
    expect(b[4]).toEqual({ state: 'FIN_WAIT_1', t: w.actions[3]?.t, sources: ['wire'], notes: ['crossed'] });
  });

  it('FIN_WAIT_1 crossed FIN without a close call is dated by the delivery it preceded', () => {
    const w = established().send('a', 'FIN+ACK').send('b', 'FIN+ACK', { ack: 1001 });
    const { b } = w.infer();
    expect(b.slice(-2)).toEqual([
      { state: 'FIN_WAIT_1', t: w.segments.at(-2)?.t, sources: ['wire'], notes: ['crossed'] },
      { state: 'CLOSING', t: w.segments.at(-2)?.t, sources: ['wire'] },
    ]);
  });
});

describe('FIN_WAIT_2', () => {
  it('FIN_WAIT_2 FIN -> TIME_WAIT', () => {
    const w = timeWait();
    const { a } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
    expect(last(a).t).toBe(w.segments.at(-1)?.t);
  });

  it('FIN_WAIT_2 data -> FIN_WAIT_2 (half-close keeps receiving)', () => {
    const w = finWait2().send('b', 'PSH+ACK', { len: 1000 });
    expect(last(w.infer().a).state).toBe('FIN_WAIT_2');
  });

  it('FIN_WAIT_2 RST -> CLOSED', () => {
    const w = finWait2().send('b', 'RST', { seq: 5001 });
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSED']);
  });

  it('FIN_WAIT_2 close -> FIN_WAIT_2 (already closing)', () => {
    const w = established().act('a', 'shutdown-write').send('a', 'FIN+ACK').send('b', 'ACK').act('a', 'close');
    expect(last(w.infer().a).state).toBe('FIN_WAIT_2');
  });

  it('FIN_WAIT_2 with no FIN coming -> FIN_WAIT_2 (an orphan leaves no trace on the wire)', () => {
    expect(last(finWait2().infer().a).state).toBe('FIN_WAIT_2');
  });
});

describe('CLOSE_WAIT', () => {
  it('CLOSE_WAIT close, snd FIN -> LAST_ACK, dated by the call', () => {
    const w = lastAck();
    const { b } = w.infer();
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT', 'LAST_ACK']);
    expect(last(b).t).toBe(w.actions.at(-1)?.t);
  });

  it('CLOSE_WAIT retransmitted FIN -> CLOSE_WAIT', () => {
    const w = closeWait().send('a', 'FIN+ACK', { seq: 1001 });
    expect(states(w.infer().b)).toEqual([...B_OPEN, 'CLOSE_WAIT']);
  });

  it('CLOSE_WAIT RST at RCV.NXT -> CLOSED', () => {
    const w = closeWait().send('a', 'RST', { seq: 1002 });
    expect(states(w.infer().b)).toEqual([...B_OPEN, 'CLOSE_WAIT', 'CLOSED']);
  });

  it('CLOSE_WAIT RST on the FIN (RCV.NXT - 1) -> CLOSE_WAIT, noted rst-after-fin', () => {
    const w = closeWait().send('a', 'RST', { seq: 1001 });
    const { b } = w.infer();
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT']);
    expect(last(b).notes).toEqual(['rst-after-fin']);
  });

  it('CLOSE_WAIT abort -> CLOSED', () => {
    expect(last(closeWait().act('b', 'abort').infer().b).state).toBe('CLOSED');
  });
});

describe('CLOSING', () => {
  it('CLOSING ACK of FIN -> TIME_WAIT', () => {
    // a's retransmitted FIN acknowledges b's, so b goes FIN_WAIT_1 -> TIME_WAIT.
    const w = closing().send('a', 'FIN+ACK', { seq: 1001 }).send('b', 'ACK');
    const { a, b } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(last(a).t).toBe(w.segments.at(-1)?.t);
    expect(states(b)).toEqual([...B_OPEN, 'FIN_WAIT_1', 'TIME_WAIT']);
  });

  it('CLOSING ACK that does not cover our FIN -> CLOSING', () => {
    const w = closing().send('b', 'ACK', { ack: 1001 });
    expect(last(w.infer().a).state).toBe('CLOSING');
  });

  it('CLOSING RST -> CLOSED', () => {
    const w = closing().send('b', 'RST', { seq: 5002 });
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'CLOSING', 'CLOSED']);
  });
});

describe('LAST_ACK', () => {
  it('LAST_ACK ACK of FIN -> CLOSED', () => {
    const w = lastAck().send('a', 'ACK');
    const { b } = w.infer();
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    expect(last(b).t).toBe(w.segments.at(-1)?.t);
  });

  it('LAST_ACK ACK of data only -> LAST_ACK', () => {
    const w = finWait2().act('b', 'close').send('b', 'PSH+ACK', { len: 10 }).send('b', 'FIN+ACK').send('a', 'ACK', { ack: 5011 });
    expect(last(w.infer().b).state).toBe('LAST_ACK');
  });

  it('LAST_ACK segments after CLOSED are answered by no connection: CLOSED stays', () => {
    const w = lastAck().send('a', 'ACK').send('a', 'ACK').send('b', 'RST', { seq: 5002 });
    expect(states(w.infer().b)).toEqual([...B_OPEN, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
  });
});

describe('TIME_WAIT', () => {
  it('TIME_WAIT never ends by itself on the wire', () => {
    expect(last(timeWait().send('a', 'ACK').infer().a).state).toBe('TIME_WAIT');
  });

  it('TIME_WAIT retransmitted FIN -> TIME_WAIT', () => {
    const w = timeWait().send('a', 'ACK').send('b', 'FIN+ACK', { seq: 5001 }).send('a', 'ACK');
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
  });

  it('TIME_WAIT RST at RCV.NXT -> CLOSED', () => {
    const w = timeWait().send('a', 'ACK').send('b', 'RST', { seq: 5002 });
    expect(states(w.infer().a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED']);
  });
});

describe('sequence space', () => {
  it('works across the 2^32 wrap (ISS just below it)', () => {
    const iss = { a: 0xffff_fffe, b: 0xffff_ffff };
    const w = established(iss).act('a', 'close').send('a', 'PSH+FIN+ACK', { len: 5 }).send('b', 'ACK');
    w.act('b', 'close').send('b', 'FIN+ACK').send('a', 'ACK');
    const { a, b } = w.infer();
    expect(states(a)).toEqual([...A_OPEN, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT']);
    expect(states(b)).toEqual([...B_OPEN, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
  });

  it('scales the advertised window once both SYNs carry window scaling', () => {
    // b advertises 1024 << 7 = 128 KiB: a FIN 100 KiB ahead is in the window.
    const w = listening().act('a', 'connect').send('a', 'SYN', { options: [{ type: 'wscale', shift: 7 }] });
    w.send('b', 'SYN+ACK', { options: [{ type: 'wscale', shift: 7 }] }).send('a', 'ACK').send('b', 'ACK', { window: 1024 });
    w.send('a', 'FIN+ACK', { seq: 1001 + 100_000 });
    w.send('a', 'PSH+ACK', { seq: 1001, len: 100_000 });
    expect(last(w.infer().b).state).toBe('CLOSE_WAIT');
  });
});

describe('the transition table', () => {
  const events: WireEvent[] = [
    'passive OPEN', 'active OPEN', 'CLOSE', 'ABORT', 'snd SYN', 'snd SYN,ACK', 'snd RST', 'rcv SYN', 'rcv SYN,ACK',
    'rcv ACK of SYN', 'rcv ACK of FIN', 'rcv FIN', 'rcv FIN,ACK of FIN', 'rcv RST', 'rcv RST after passive OPEN',
  ];

  it('makes only edges of RFC 9293 Figure 5 (transitions.ts), each citing RFC 9293', () => {
    for (const from of STATES) {
      for (const ev of events) {
        const next = transition(from, ev);
        if (!next) continue;
        expect(findTransition(from, next.to)).toBeDefined();
        expect(next.ref).toMatch(/^RFC 9293 §3\.10/);
      }
    }
  });

  it('covers every edge of the figure', () => {
    const covered = new Set<string>();
    for (const from of STATES) {
      for (const ev of events) {
        const next = transition(from, ev);
        if (next) covered.add(transitionId(from, next.to));
      }
    }
    expect([...covered].sort()).toEqual(TRANSITIONS.map((t) => transitionId(t.from, t.to)).sort());
  });
});

// ---------------------------------------------------------------- comparison

const entry = (state: State, t: number, extra: Partial<TimelineEntry> = {}): TimelineEntry => ({ state, t, sources: ['tracepoint'], ...extra });
const seq = (...s: State[]): TimelineEntry[] => s.map((x, i) => entry(x, i * 1000));
const brief = (ds: Disagreement[]): Partial<Disagreement>[] => ds.map(({ kind, state, rule }) => (rule ? { kind, state, rule } : { kind, state }));

describe('compareTimelines', () => {
  it('finds nothing when the sequences agree, whatever the times', () => {
    const kernel = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED');
    const wire = kernel.map((e) => ({ ...e, t: e.t + 30_000, sources: ['wire'] }));
    expect(compareTimelines(kernel, wire)).toEqual([]);
  });

  it('allows a transient kernel FIN_WAIT_2 between FIN_WAIT_1 and TIME_WAIT (transient)', () => {
    const kernel = [...seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1'), entry('FIN_WAIT_2', 5000, { transient: true }), entry('TIME_WAIT', 5011)];
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT');
    const ds = compareTimelines(kernel, wire, { endpoint: 'a' });
    expect(brief(ds)).toEqual([{ kind: 'missing-on-wire', state: 'FIN_WAIT_2', rule: 'transient' }]);
    expect(ds[0]?.endpoint).toBe('a');
    expect(unexplained(ds)).toEqual([]);
  });

  it('does not allow a FIN_WAIT_2 the wire lacks when it is not transient', () => {
    const kernel = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT');
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT');
    expect(brief(compareTimelines(kernel, wire))).toEqual([{ kind: 'missing-on-wire', state: 'FIN_WAIT_2' }]);
  });

  it('does not allow a transient entry whose neighbours Figure 5 does not join', () => {
    const kernel = [...seq('CLOSED', 'LISTEN', 'SYN_RCVD'), entry('ESTABLISHED', 3000, { transient: true }), entry('CLOSE_WAIT', 3001)];
    const wire = seq('CLOSED', 'LISTEN', 'SYN_RCVD', 'CLOSE_WAIT');
    expect(unexplained(compareTimelines(kernel, wire))).toHaveLength(1);
  });

  it('allows the wire ending TIME_WAIT on a RST the kernel cannot see (rst-in-time-wait)', () => {
    const kernel = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT');
    const wire = [...kernel, entry('CLOSED', 9000)];
    expect(brief(compareTimelines(kernel, wire))).toEqual([{ kind: 'missing-in-kernel', state: 'CLOSED', rule: 'rst-in-time-wait' }]);
  });

  it('allows a request socket giving up silently (timer)', () => {
    const kernel = [...seq('CLOSED', 'LISTEN', 'SYN_RCVD'), entry('LISTEN', 9000, { notes: ['synrecv-request-gone'] })];
    const wire = seq('CLOSED', 'LISTEN', 'SYN_RCVD');
    expect(brief(compareTimelines(kernel, wire))).toEqual([{ kind: 'missing-on-wire', state: 'LISTEN', rule: 'timer' }]);
  });

  it('allows an orphan FIN-WAIT-2 timing out (timer)', () => {
    const kernel = [...seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2'), entry('CLOSED', 9000, { notes: ['timewait-gone'] })];
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2');
    expect(brief(compareTimelines(kernel, wire))).toEqual([{ kind: 'missing-on-wire', state: 'CLOSED', rule: 'timer' }]);
  });

  it('allows an unseen FIN-WAIT-2 timewait socket while the wire is still in FIN_WAIT_2 (orphan-fin-wait-2)', () => {
    const kernel = [...seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2'), entry('CLOSED', 5000, { notes: ['timewait-unseen'] })];
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2');
    expect(brief(compareTimelines(kernel, wire))).toEqual([{ kind: 'missing-on-wire', state: 'CLOSED', rule: 'orphan-fin-wait-2' }]);
  });

  it('reports a stack without TIME_WAIT: the peer FIN came, and the kernel went CLOSED', () => {
    const kernel = [...seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2'), entry('CLOSED', 5000, { notes: ['timewait-unseen'] })];
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT');
    expect(brief(compareTimelines(kernel, wire))).toEqual([
      { kind: 'missing-on-wire', state: 'CLOSED' },
      { kind: 'missing-in-kernel', state: 'TIME_WAIT' },
    ]);
  });

  it('allows the kernel closing on a RST at RCV.NXT - 1 that the wire saw (rst-after-fin)', () => {
    const kernel = seq('CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'CLOSED');
    const wire = [...seq('CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED'), entry('CLOSE_WAIT', 4000, { notes: ['rst-after-fin'] })];
    expect(brief(compareTimelines(kernel, wire))).toEqual([{ kind: 'missing-on-wire', state: 'CLOSED', rule: 'rst-after-fin' }]);
    // Without the wire's evidence the same CLOSED is a disagreement.
    expect(unexplained(compareTimelines(kernel, seq('CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT')))).toHaveLength(1);
  });

  it('names a state both sides have in different places an order disagreement', () => {
    const kernel = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT');
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'CLOSING', 'FIN_WAIT_1', 'TIME_WAIT');
    const ds = compareTimelines(kernel, wire);
    expect(brief(ds)).toEqual([{ kind: 'order', state: 'FIN_WAIT_1' }]);
    expect(ds[0]?.detail).toMatch(/^FIN_WAIT_1 comes after ESTABLISHED in the kernel .* and after CLOSING on the wire/);
  });

  it('compares nothing at or after `until`', () => {
    const kernel = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED');
    const wire = seq('CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING');
    expect(compareTimelines(kernel, wire, { until: 3000 })).toEqual([]);
    expect(brief(compareTimelines(kernel, wire))).toHaveLength(2);
  });

  it('explains with times relative to `origin`, in ms', () => {
    const [d] = compareTimelines(seq('CLOSED', 'LISTEN'), seq('CLOSED'), { origin: 500 });
    expect(d?.detail).toBe('the kernel entered LISTEN at 0.500 ms (tracepoint) after CLOSED; the wire has no such state there');
  });

  it('accepts observe/ timelines and returns wire timelines they accept', () => {
    const kernel: Timeline = [{ state: 'CLOSED', t: 0, sources: ['tracepoint'] }];
    const wire: Timeline = inferTimelines({ endpoints: [{ name: 'a', role: 'client' }], segments: [], actions: [] }).a ?? [];
    const one: ObservedState | undefined = wire[0];
    expect(one?.sources).toEqual(['wire']);
    expect(compareTimelines(kernel, wire)).toEqual([]);
  });
});

// ---------------------------------------------------------------- real recordings

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/wire');

interface RecordedState {
  state: State;
  tMs: number;
  sources: string[];
  transient?: boolean;
  notes?: string[];
}
interface Recording {
  spec: string;
  endpoints: Record<string, { role: 'client' | 'server'; addr: string; observed: RecordedState[] }>;
  segments: { tMs: number; from: string; to: string; flags: string; fault?: string; releasedMs?: number }[];
  actions: { endpoint: string; op: AppOp; at: State; nth?: number }[];
  untilMs?: number;
  pcap?: string;
}

const us = (ms: number): number => Math.round(ms * 1000);

function loadRecording(spec: string): Recording {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${spec}.json`), 'utf8')) as Recording;
}

function kernelTimeline(rec: Recording, name: string): Timeline {
  return (rec.endpoints[name]?.observed ?? []).map(({ tMs, ...rest }) => ({ ...rest, t: us(tMs) }) as ObservedState);
}

/** The pcap's segments, timed like results.json (µs since the lab started), with the relay's fate of each. */
function recordedSegments(rec: Recording): WireSegment[] {
  if (!rec.pcap) return [];
  const records = readPcap(fs.readFileSync(path.join(FIXTURES, rec.pcap))).records;
  const byAddr = new Map(Object.entries(rec.endpoints).map(([name, e]) => [e.addr, name]));
  const first = records[0];
  const firstMeta = rec.segments[0];
  if (!first || !firstMeta) return [];
  const offset = first.tMicros - us(firstMeta.tMs);
  expect(records).toHaveLength(rec.segments.length);
  return records.map((r, i) => {
    const seg = decodePacket(r.data);
    const meta = rec.segments[i];
    if (!seg || !meta) throw new Error(`${rec.spec}: record ${i} is not a TCP segment`);
    // The pcap and results.json describe the same packets.
    expect([byAddr.get(seg.src), byAddr.get(seg.dst), flagsString(seg.flags)]).toEqual([meta.from, meta.to, meta.flags]);
    expect(Math.abs(r.tMicros - offset - us(meta.tMs))).toBeLessThanOrEqual(1);
    // The harness's own segments are from no endpoint.
    const ws: WireSegment = { t: us(meta.tMs), from: meta.fault === 'injected' ? 'peer' : meta.from, to: meta.to, seg };
    // A held or delayed segment without `releasedMs` was never delivered.
    const delivered = meta.fault !== 'dropped' && (meta.releasedMs !== undefined || (meta.fault !== 'held' && meta.fault !== 'delayed'));
    if (!delivered) ws.fate = 'dropped';
    else if (meta.releasedMs !== undefined) ws.deliveredAt = us(meta.releasedMs);
    return ws;
  });
}

/** The spec's calls, each timed by the kernel entry it caused (fixtures README). */
function recordedActions(rec: Recording): AppAction[] {
  return rec.actions.map(({ endpoint, op, at, nth = 1 }) => {
    const hit = (rec.endpoints[endpoint]?.observed ?? []).filter((o) => o.state === at)[nth - 1];
    if (!hit) throw new Error(`${rec.spec}: ${endpoint} has no ${at} #${nth} for ${op}`);
    return { t: us(hit.tMs), endpoint, op };
  });
}

function inferRecording(rec: Recording): Record<string, WireTimeline> {
  return inferTimelines({
    endpoints: Object.entries(rec.endpoints).map(([name, e]) => ({ name, role: e.role })),
    segments: recordedSegments(rec),
    actions: recordedActions(rec),
  });
}

interface Expected {
  /** The wire's full inferred sequence per endpoint, with notes where there are. */
  wire: Record<string, string[]>;
  /** The allowed disagreements, `endpoint kind STATE rule`. */
  allowed?: string[];
}

const show = (tl: WireTimeline): string[] => tl.map((e) => `${e.state}${e.transient ? '~' : ''}${e.notes ? `[${e.notes.join(',')}]` : ''}`);
const A_UP = ['CLOSED', 'SYN_SENT', 'ESTABLISHED'];
const B_UP = ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED'];

const RECORDINGS: Record<string, Expected> = {
  'close.client-first': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
  },
  'close.half-close': {
    // b's duplicate FIN is answered by a; b, CLOSED, answers that with a RST that ends a's TIME_WAIT.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
    allowed: ['a missing-in-kernel CLOSED rst-in-time-wait'],
  },
  'close.server-first': {
    wire: { a: [...A_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'], b: [...B_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'] },
  },
  'handshake.three-way': {
    // After `until`, the targets' teardown: the FINs cross, b's FIN was built before it processed a's.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'], b: [...B_UP, 'FIN_WAIT_1[crossed]', 'CLOSING'] },
  },
  'handshake.close-in-syn-sent': {
    // a's SYN was dropped, and the relay read it only after a's close.
    wire: { a: ['CLOSED', 'SYN_SENT', 'CLOSED'], b: ['CLOSED', 'LISTEN'] },
  },
  'handshake.closed-port': { wire: { a: ['CLOSED', 'SYN_SENT', 'CLOSED'], b: ['CLOSED'] } },
  'handshake.final-ack-held': { wire: { a: A_UP, b: B_UP } },
  'handshake.final-ack-lost': {
    // After `until`, a's teardown FIN reaches b, whose request socket is long gone.
    wire: { a: [...A_UP, 'FIN_WAIT_1'], b: ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED~', 'CLOSE_WAIT'] },
    allowed: ['b missing-on-wire LISTEN timer'],
  },
  'handshake.listener-close': { wire: { a: ['CLOSED[silent]'], b: ['CLOSED', 'LISTEN', 'CLOSED'] } },
  'handshake.rst-answers-syn-ack': { wire: { a: ['CLOSED', 'SYN_SENT', 'CLOSED'], b: ['CLOSED', 'LISTEN', 'SYN_RCVD', 'LISTEN'] } },
  'handshake.simultaneous-open': {
    wire: {
      a: ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'],
      b: ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1[crossed]', 'CLOSING'],
    },
  },
  'wirecap.abort': { wire: { a: [...A_UP, 'CLOSED'], b: [...B_UP, 'CLOSED'] } },
  'wirecap.close-unread': {
    wire: { a: [...A_UP, 'FIN_WAIT_1[crossed]', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT[rst-after-fin]'] },
    allowed: ['b missing-on-wire CLOSED rst-after-fin'],
  },
  'wirecap.fin-ack-in-fin-wait-1': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'TIME_WAIT'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
    allowed: ['a missing-on-wire FIN_WAIT_2 transient'],
  },
  'wirecap.orphan-fin-wait-2': {
    // After `until`, the teardown: b's FIN puts the orphan in TIME_WAIT.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK'] },
  },
  'wirecap.simultaneous-close': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'], b: [...B_UP, 'FIN_WAIT_1[crossed]', 'CLOSING', 'TIME_WAIT'] },
  },
  'close.fin-ack-in-fin-wait-1': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'TIME_WAIT'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
    allowed: ['a missing-on-wire FIN_WAIT_2 transient'],
  },
  'close.fin-wait-2-timeout': {
    // The orphan's FIN-WAIT-2 timewait socket expires: no segment.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2'], b: [...B_UP, 'CLOSE_WAIT'] },
    allowed: ['a missing-on-wire CLOSED timer'],
  },
  'close.last-ack-lost': {
    // a's last ACK dropped; b's retransmitted FIN is acknowledged again from TIME_WAIT.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
  },
  'close.rst-in-time-wait': {
    // A RST the harness injected ends TIME_WAIT; fusion saw the timewait socket go.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
  },
  'close.rst-in-time-wait-rfc1337': {
    // The same RST, and tcp_rfc1337=1 keeps TIME_WAIT: RFC 9293 says CLOSED.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
    allowed: ['a missing-in-kernel CLOSED rst-in-time-wait'],
  },
  'close.simultaneous': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT'], b: [...B_UP, 'FIN_WAIT_1[crossed]', 'CLOSING', 'TIME_WAIT'] },
  },
  'handshake.abort-in-syn-rcvd': {
    wire: { a: ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'CLOSED'], b: ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'CLOSED'] },
  },
  'handshake.close-in-syn-rcvd': {
    // After `until`, b's teardown FIN meets a's FIN (held for ever).
    wire: { a: ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'FIN_WAIT_1', 'CLOSING'], b: ['CLOSED', 'SYN_SENT', 'SYN_RCVD', 'FIN_WAIT_1'] },
  },
  'reset.close-wait': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'CLOSED'] },
  },
  'reset.close-with-unread-data': {
    wire: { a: [...A_UP, 'CLOSED'], b: [...B_UP, 'CLOSED[close-reset]'] },
  },
  'reset.closing': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'CLOSING', 'CLOSED'], b: [...B_UP, 'FIN_WAIT_1[crossed]', 'CLOSING', 'CLOSED'] },
  },
  'reset.established': { wire: { a: [...A_UP, 'CLOSED'], b: [...B_UP, 'CLOSED'] } },
  'reset.fin-wait-1': {
    // b's ACK of a's FIN is held for ever, so a is still in FIN_WAIT_1 when b's RST comes.
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'CLOSED'] },
  },
  'reset.fin-wait-2': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'CLOSED'] },
  },
  'reset.last-ack': {
    wire: { a: [...A_UP, 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSED'], b: [...B_UP, 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'] },
  },
};

describe('real recordings (test/fixtures/wire)', () => {
  it('has an expectation for every recording', () => {
    const specs = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(specs.sort()).toEqual(Object.keys(RECORDINGS).sort());
  });

  describe.each(Object.entries(RECORDINGS))('%s', (spec, expected) => {
    const rec = loadRecording(spec);
    const inferred = inferRecording(rec);

    it('infers these states from the segments and calls', () => {
      const got = Object.fromEntries(Object.keys(rec.endpoints).map((n) => [n, show(inferred[n] ?? [])]));
      expect(got).toEqual(expected.wire);
    });

    it('infers legal RFC 9293 paths whose times never go backwards', () => {
      for (const tl of Object.values(inferred)) {
        expect(checkPath(states(tl))).toEqual({ ok: true });
        tl.forEach((e, i) => expect(e.t).toBeGreaterThanOrEqual(tl[i - 1]?.t ?? e.t));
      }
    });

    it('agrees with the kernel timeline of the same run, modulo the allowances', () => {
      const ds = Object.keys(rec.endpoints).flatMap((n) =>
        compareTimelines(kernelTimeline(rec, n), inferred[n] ?? [], {
          endpoint: n,
          ...(rec.untilMs !== undefined ? { until: us(rec.untilMs) } : {}),
        }),
      );
      expect(unexplained(ds)).toEqual([]);
      expect(ds.map((d) => `${d.endpoint} ${d.kind} ${d.state} ${d.rule}`)).toEqual(expected.allowed ?? []);
    });
  });
});
