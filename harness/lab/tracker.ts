import { parseFlags, segmentLength, seqAdd, seqGt, type Segment } from '../packet/tcp.js';

/**
 * Sequence-number bookkeeping of the one connection a lab carries, from the
 * segments the relay delivered, so that segments the harness injects fit the
 * connection without specs ever writing absolute numbers.
 */

interface Side {
  addr: string;
  port: number;
  family: 4 | 6;
  /** Highest sequence number sent so far plus its length (SYN and FIN count one). */
  sndNxt?: number;
  /** The last acknowledgment number this side sent: what it expects next. */
  rcvNxt?: number;
}

export interface InjectRequest {
  from: string;
  to: string;
  /** Flags joined by +, e.g. RST or FIN+ACK. */
  flags: string;
  /** Added to the sequence number the receiver expects (default 0: exactly in window). */
  seqOffset?: number;
  payload?: Uint8Array;
}

export class ConnectionTracker {
  private readonly sides = new Map<string, Side>();

  /** Records a segment that `from` sent and the relay delivered. */
  delivered(from: string, seg: Segment): void {
    const side = this.sides.get(from) ?? { addr: seg.src, port: seg.sport, family: seg.family };
    side.addr = seg.src;
    side.port = seg.sport;
    // A RST's sequence number says nothing about the sender's stream (it may even be 0).
    const end = seqAdd(seg.seq, segmentLength(seg));
    if (!seg.flags.rst && (side.sndNxt === undefined || seqGt(end, side.sndNxt))) side.sndNxt = end;
    if (seg.flags.ack) side.rcvNxt = seg.ack;
    this.sides.set(from, side);
  }

  /**
   * A segment from `from` to `to` placed where the receiver expects the
   * sender's next byte: the receiver's last acknowledgment number (or the
   * sender's next sequence number if the receiver never acknowledged), and
   * acknowledging everything the receiver sent.
   */
  craft(req: InjectRequest): Segment {
    const src = this.sides.get(req.from);
    const dst = this.sides.get(req.to);
    if (!src || !dst) throw new Error(`cannot inject ${req.from}>${req.to}: no segment has been seen in both directions yet`);
    const flags = parseFlags(req.flags);
    if (!flags) throw new Error(`cannot inject: bad flags ${req.flags}`);
    const expected = dst.rcvNxt ?? src.sndNxt ?? 0;
    return {
      src: src.addr,
      dst: dst.addr,
      family: src.family,
      sport: src.port,
      dport: dst.port,
      seq: seqAdd(expected, req.seqOffset ?? 0),
      ack: flags.ack ? (dst.sndNxt ?? 0) : 0,
      flags,
      window: flags.rst ? 0 : 65535,
      options: [],
      payload: req.payload ?? new Uint8Array(0),
    };
  }
}
