import type { WirePacket } from '../lab/relay.js';
import { flagsString, seqDiff } from '../packet/tcp.js';
import { pcapHeader, pcapRecord } from '../packet/pcap.js';
import type { SegmentResult } from './results.js';

/**
 * The wire record of a spec, for results and pcap: TCP segments with
 * sequence numbers relative to each sender's initial sequence number (as
 * Wireshark shows them), so that results read the same from run to run.
 */
export function segmentsOf(packets: readonly WirePacket[], labStart: number): SegmentResult[] {
  const isn = new Map<string, number>();
  const out: SegmentResult[] = [];
  for (const p of packets) {
    const seg = p.seg;
    if (!seg) continue;
    if (seg.flags.syn && !isn.has(p.from)) isn.set(p.from, seg.seq);
    const ownIsn = isn.get(p.from);
    const peerIsn = isn.get(p.to);
    const result: SegmentResult = {
      tMs: round3((p.t - labStart) / 1000),
      from: p.from,
      to: p.to,
      flags: flagsString(seg.flags),
      seq: ownIsn === undefined ? seg.seq : seqDiff(seg.seq, ownIsn),
      ack: !seg.flags.ack ? 0 : peerIsn === undefined ? seg.ack : seqDiff(seg.ack, peerIsn),
      len: seg.payload.length,
    };
    if (p.fault) result.fault = p.fault;
    if (p.rule) result.rule = p.rule;
    if (p.fault && p.fault !== 'dropped' && p.delivered !== undefined) result.releasedMs = round3((p.delivered - labStart) / 1000);
    out.push(result);
  }
  return out;
}

/** The packets as a pcap file (raw IP link type) with wall-clock timestamps. */
export function pcapOf(packets: readonly WirePacket[], epochOffset: number): Buffer {
  return Buffer.concat([pcapHeader(), ...packets.map((p) => pcapRecord(p.t + epochOffset, p.data))]);
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
