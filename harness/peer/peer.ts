import { flagsMatch } from '../lab/faults.js';
import type { WirePacket } from '../lab/relay.js';
import { encodeSegment, flagsString, parseFlags, segmentLength, seqAdd, seqDiff, seqGt, type Segment, type TcpOption } from '../packet/tcp.js';
import type { SegmentTemplate } from '../spec/types.js';

/**
 * The harness as an endpoint (like packetimpact's testbench): it sends
 * segments of its own making and expects segments from the endpoint under
 * test, tracking the connection's sequence numbers so that specs write them
 * relative to the initial ones. One template serves both ways: to send,
 * unset fields take what the connection implies; to expect, unset fields
 * match anything.
 */

export class PeerMismatch extends Error {}

interface Seen {
  seg: Segment;
  packet: WirePacket;
}

export interface PeerOptions {
  name: string;
  /** The endpoint under test, the peer's only correspondent. */
  other: string;
  addr: string;
  otherAddr: string;
  family: 4 | 6;
  /** The peer's port; the other's is given (peer as client) or learned from its first segment. */
  port: number;
  otherPort?: number;
  send: (data: Buffer) => void;
}

export class Peer {
  private readonly iss = Math.floor(Math.random() * 2 ** 32) >>> 0;
  private sndNxt: number;
  private irs: number | undefined;
  private rcvNxt: number | undefined;
  private otherPort: number | undefined;
  private readonly inbox: Seen[] = [];
  private consumed = 0;
  private waiter: (() => void) | undefined;
  /** Segments received when the peer last sent one: what came after is the answer to it. */
  private inboxAtSend = 0;

  constructor(private readonly o: PeerOptions) {
    this.sndNxt = this.iss;
    this.otherPort = o.otherPort;
  }

  /** A segment the relay delivered to the peer. */
  receive(packet: WirePacket): void {
    const seg = packet.seg;
    if (!seg) return;
    if (this.otherPort === undefined) this.otherPort = seg.sport;
    if (seg.flags.syn) {
      this.irs = seg.seq;
      this.rcvNxt = seqAdd(seg.seq, 1);
    }
    const end = seqAdd(seg.seq, segmentLength(seg));
    if (!seg.flags.rst && this.rcvNxt !== undefined && seqGt(end, this.rcvNxt)) this.rcvNxt = end;
    this.inbox.push({ seg, packet });
    this.waiter?.();
  }

  send(t: SegmentTemplate): void {
    const flags = parseFlags((t.flags ?? ['ACK']).join('+'))!;
    if (this.otherPort === undefined) throw new PeerMismatch(`${this.o.name} cannot send before ${this.o.other} has sent anything: its port is unknown`);
    if (t.ack !== undefined && this.irs === undefined) throw new PeerMismatch(`${this.o.name}: ack is relative to ${this.o.other}'s initial sequence number, which no SYN has shown yet`);
    const options: TcpOption[] = t.mss !== undefined ? [{ type: 'mss', value: t.mss }] as TcpOption[] : flags.syn ? ([{ type: 'mss', value: 1460 }] as TcpOption[]) : [];
    const seg: Segment = {
      src: this.o.addr,
      dst: this.o.otherAddr,
      family: this.o.family,
      sport: this.o.port,
      dport: this.otherPort,
      seq: t.seq !== undefined ? seqAdd(this.iss, t.seq) : this.sndNxt,
      ack: !flags.ack ? 0 : t.ack !== undefined ? seqAdd(this.irs!, t.ack) : (this.rcvNxt ?? 0),
      flags,
      window: t.window ?? 65535,
      options,
      payload: new Uint8Array(t.len ?? 0).fill(0x70),
    };
    const end = seqAdd(seg.seq, segmentLength(seg));
    if (seqGt(end, this.sndNxt)) this.sndNxt = end;
    this.inboxAtSend = this.inbox.length;
    this.o.send(Buffer.from(encodeSegment(seg)));
  }

  /** Waits for the next segment from the other endpoint and checks it against the template. */
  async expect(t: SegmentTemplate, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (this.consumed >= this.inbox.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new PeerMismatch(`${this.o.name} expected ${this.describeWant(t)} within ${withinMs} ms and got nothing\n${this.history()}`);
      await this.nextSegment(left);
    }
    const got = this.inbox[this.consumed++]!;
    const diffs = this.compare(t, got.seg);
    if (diffs.length) {
      throw new PeerMismatch(`${this.o.name} expected ${this.describeWant(t)}, got ${this.describe(got.seg)}: ${diffs.join('; ')}\n${this.history()}`);
    }
  }

  /**
   * Waits for `segments` segments from the other endpoint since the peer's
   * last send (at most `withinMs`: a reaction is awaited, not slept for,
   * even when the relay lags), then until it has sent nothing for `ms`, or
   * 4 x `ms` have passed: proving that no (further) reaction comes takes time.
   */
  async quiet(ms: number, segments = 0, withinMs = 0): Promise<void> {
    const want = this.inboxAtSend + segments;
    const until = Date.now() + withinMs;
    while (this.inbox.length < want && Date.now() < until) await this.nextSegment(until - Date.now());
    const deadline = Date.now() + 4 * ms;
    for (;;) {
      const seen = this.inbox.length;
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, left)));
      if (this.inbox.length === seen) return;
    }
  }

  /** Resolves when the next segment arrives, or after `ms`. */
  private async nextSegment(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.waiter = undefined;
  }

  private compare(t: SegmentTemplate, seg: Segment): string[] {
    const out: string[] = [];
    if (t.flags && !flagsMatch(t.flags, seg)) out.push(`flags: got ${flagsString(seg.flags)}, want ${t.flags.join('+')}`);
    const seq = this.relSeq(seg);
    const ack = this.relAck(seg);
    if (t.seq !== undefined && seq !== t.seq) out.push(`seq: got ${seq}, want ${t.seq}`);
    if (t.ack !== undefined && (!seg.flags.ack || ack !== t.ack)) out.push(`ack: got ${seg.flags.ack ? ack : 'none'}, want ${t.ack}`);
    if (t.window !== undefined && seg.window !== t.window) out.push(`window: got ${seg.window}, want ${t.window}`);
    if (t.len !== undefined && seg.payload.length !== t.len) out.push(`len: got ${seg.payload.length}, want ${t.len}`);
    if (t.mss !== undefined) {
      const mss = seg.options.find((o) => o.type === 'mss') as { value: number } | undefined;
      if (mss?.value !== t.mss) out.push(`mss: got ${mss?.value ?? 'none'}, want ${t.mss}`);
    }
    return out;
  }

  private relSeq(seg: Segment): number {
    return this.irs === undefined ? seg.seq : seqDiff(seg.seq, this.irs);
  }

  private relAck(seg: Segment): number {
    return seqDiff(seg.ack, this.iss);
  }

  private describe(seg: Segment): string {
    return `${flagsString(seg.flags)} seq=${this.relSeq(seg)}${seg.flags.ack ? ` ack=${this.relAck(seg)}` : ''} win=${seg.window} len=${seg.payload.length}`;
  }

  private describeWant(t: SegmentTemplate): string {
    const parts = [t.flags ? t.flags.join('+') : 'any segment'];
    for (const k of ['seq', 'ack', 'window', 'len', 'mss'] as const) if (t[k] !== undefined) parts.push(`${k}=${t[k]}`);
    return parts.join(' ');
  }

  /** Every segment the peer received so far, the one just judged marked. */
  private history(): string {
    if (this.inbox.length === 0) return `  (no segment from ${this.o.other} so far)`;
    return this.inbox
      .map((s, i) => `  ${i + 1 === this.consumed ? '>' : ' '} ${this.o.other}>${this.o.name} ${this.describe(s.seg)}`)
      .join('\n');
  }
}
