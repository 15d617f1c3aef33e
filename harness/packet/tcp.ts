/**
 * TCP segments (RFC 9293 §3.1): decoding what stacks send, encoding what the
 * scripted peer sends, and the modulo-2^32 sequence arithmetic both need.
 */
import { parseAddress } from './addr.js';
import { transportChecksum, verifyTransportChecksum } from './checksum.js';
import { decodeIp, encodeIp, PROTO_TCP, type IpPacket } from './ip.js';

export interface TcpFlags {
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  psh: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
}

export interface SackBlock {
  left: number;
  right: number;
}

/** TCP options by kind (IANA "TCP Option Kind Numbers"); anything else is kept as `unknown`. */
export type TcpOption =
  | { type: 'eol' }
  | { type: 'nop' }
  | { type: 'mss'; value: number }
  | { type: 'wscale'; shift: number }
  | { type: 'sackPermitted' }
  | { type: 'sack'; blocks: SackBlock[] }
  | { type: 'timestamps'; tsval: number; tsecr: number }
  | { type: 'unknown'; kind: number; bytes: Uint8Array };

/** IP header fields a segment was carried with; optional when encoding. */
export interface SegmentIpFields {
  ttl?: number;
  tos?: number;
  id?: number;
  dontFragment?: boolean;
  flowLabel?: number;
}

export interface Segment {
  src: string;
  dst: string;
  family: 4 | 6;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  window: number;
  options: TcpOption[];
  payload: Uint8Array;
  /** Urgent pointer; 0 when absent. */
  urgent?: number;
  /** IP fields; decoding fills them so that re-encoding gives the same bytes. */
  ip?: SegmentIpFields;
  /** Decoding only: the TCP checksum verifies. */
  checksumOk?: boolean;
  /** Decoding only: why the segment (or its IP packet) is not well-formed. */
  malformed?: string;
}

export const NO_FLAGS: Readonly<TcpFlags> = Object.freeze({
  syn: false, ack: false, fin: false, rst: false, psh: false, urg: false, ece: false, cwr: false,
});

/** Flag names in the order reports print them, with their bits in the header. */
const FLAG_ORDER: ReadonlyArray<readonly [keyof TcpFlags, string, number]> = [
  ['syn', 'SYN', 0x02],
  ['fin', 'FIN', 0x01],
  ['rst', 'RST', 0x04],
  ['psh', 'PSH', 0x08],
  ['ack', 'ACK', 0x10],
  ['urg', 'URG', 0x20],
  ['ece', 'ECE', 0x40],
  ['cwr', 'CWR', 0x80],
];

/** `SYN+ACK`, `FIN+ACK`, `RST`...; `NONE` for a segment without flags, so it stays visible in reports. */
export function flagsString(flags: TcpFlags): string {
  const names = FLAG_ORDER.filter(([k]) => flags[k]).map(([, n]) => n);
  return names.length > 0 ? names.join('+') : 'NONE';
}

/** Inverse of `flagsString` (any order, any case); undefined for an unknown name. */
export function parseFlags(text: string): TcpFlags | undefined {
  const flags: TcpFlags = { ...NO_FLAGS };
  const t = text.trim().toUpperCase();
  if (t === 'NONE') return flags;
  for (const part of t.split('+')) {
    const entry = FLAG_ORDER.find(([, n]) => n === part.trim());
    if (!entry) return undefined;
    flags[entry[0]] = true;
  }
  return flags;
}

export function flagsFromByte(byte: number): TcpFlags {
  const flags: TcpFlags = { ...NO_FLAGS };
  for (const [k, , bit] of FLAG_ORDER) flags[k] = (byte & bit) !== 0;
  return flags;
}

export function flagsToByte(flags: TcpFlags): number {
  let b = 0;
  for (const [k, , bit] of FLAG_ORDER) if (flags[k]) b |= bit;
  return b;
}

// ---- sequence arithmetic (RFC 9293 §3.4: comparisons are modulo 2^32) ----

/** `a - b` as a signed 32-bit distance: negative when `a` is before `b`. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}
export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** SEG.LEN: payload octets plus one each for SYN and FIN (RFC 9293 §3.4). */
export function segmentLength(seg: Pick<Segment, 'flags' | 'payload'>): number {
  return seg.payload.length + (seg.flags.syn ? 1 : 0) + (seg.flags.fin ? 1 : 0);
}

// ---- options ----

function u16(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}
function u32(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

/** Decodes the option bytes; stops at the first option that does not fit and says why. */
export function decodeOptions(bytes: Uint8Array): { options: TcpOption[]; malformed?: string } {
  const options: TcpOption[] = [];
  let i = 0;
  while (i < bytes.length) {
    const kind = bytes[i] ?? 0;
    if (kind === 0) {
      // Everything after EOL is padding.
      options.push({ type: 'eol' });
      break;
    }
    if (kind === 1) {
      options.push({ type: 'nop' });
      i++;
      continue;
    }
    const len = bytes[i + 1];
    if (len === undefined || len < 2 || i + len > bytes.length) {
      return { options, malformed: `TCP option kind ${kind} at offset ${i} has bad length ${len ?? 'missing'}` };
    }
    const body = bytes.subarray(i + 2, i + len);
    if (kind === 2 && len === 4) options.push({ type: 'mss', value: u16(body, 0) });
    else if (kind === 3 && len === 3) options.push({ type: 'wscale', shift: body[0] ?? 0 });
    else if (kind === 4 && len === 2) options.push({ type: 'sackPermitted' });
    else if (kind === 5 && (len - 2) % 8 === 0 && len > 2) {
      const blocks: SackBlock[] = [];
      for (let j = 0; j < body.length; j += 8) blocks.push({ left: u32(body, j), right: u32(body, j + 4) });
      options.push({ type: 'sack', blocks });
    } else if (kind === 8 && len === 10) options.push({ type: 'timestamps', tsval: u32(body, 0), tsecr: u32(body, 4) });
    // A known kind with the wrong length is kept raw so nothing is lost or guessed.
    else options.push({ type: 'unknown', kind, bytes: body.slice() });
    i += len;
  }
  return { options };
}

/**
 * Encodes options in the given order, padded with zeros to a multiple of 4.
 * The padding is EOL on the wire, so decoding the result shows one `eol`
 * after the options whenever padding was needed.
 */
export function encodeOptions(options: readonly TcpOption[]): Uint8Array {
  const out: number[] = [];
  const be16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
  const be32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  for (const o of options) {
    switch (o.type) {
      case 'eol': out.push(0); break;
      case 'nop': out.push(1); break;
      case 'mss': out.push(2, 4, ...be16(o.value)); break;
      case 'wscale': out.push(3, 3, o.shift & 0xff); break;
      case 'sackPermitted': out.push(4, 2); break;
      case 'sack':
        out.push(5, 2 + 8 * o.blocks.length);
        for (const b of o.blocks) out.push(...be32(b.left), ...be32(b.right));
        break;
      case 'timestamps': out.push(8, 10, ...be32(o.tsval), ...be32(o.tsecr)); break;
      case 'unknown': out.push(o.kind & 0xff, 2 + o.bytes.length, ...o.bytes); break;
    }
  }
  while (out.length % 4 !== 0) out.push(0);
  if (out.length > 40) throw new RangeError(`TCP options take ${out.length} bytes; at most 40 fit`);
  return Uint8Array.from(out);
}

// ---- segments ----

/**
 * Decodes the TCP segment inside an IP packet. Undefined when the packet
 * does not carry TCP, is a fragment (the relay never reassembles: the stacks
 * it carries set DF), or is too short for the 20-byte TCP header; otherwise a
 * segment, with `malformed` set when something does not hold together.
 */
export function decodeSegment(ip: IpPacket): Segment | undefined {
  if (ip.protocol !== PROTO_TCP || ip.fragment) return undefined;
  const b = ip.payload;
  if (b.length < 20) return undefined;
  const dataOffset = ((b[12] ?? 0) >> 4) * 4;
  const reasons: string[] = [];
  if (ip.malformed) reasons.push(ip.malformed);
  let optionBytes: Uint8Array = new Uint8Array(0);
  let payload: Uint8Array = new Uint8Array(0);
  if (dataOffset < 20) reasons.push(`TCP data offset ${dataOffset} below 20`);
  else if (dataOffset > b.length) {
    reasons.push(`TCP data offset ${dataOffset} beyond the ${b.length} bytes of the segment`);
    optionBytes = b.subarray(20);
  } else {
    optionBytes = b.subarray(20, dataOffset);
    payload = b.subarray(dataOffset);
  }
  const opts = decodeOptions(optionBytes);
  if (opts.malformed) reasons.push(opts.malformed);
  const ipFields: SegmentIpFields = { ttl: ip.ttl, tos: ip.tos };
  if (ip.id !== undefined) ipFields.id = ip.id;
  if (ip.dontFragment !== undefined) ipFields.dontFragment = ip.dontFragment;
  if (ip.flowLabel !== undefined) ipFields.flowLabel = ip.flowLabel;
  const src = parseAddress(ip.src);
  const dst = parseAddress(ip.dst);
  const seg: Segment = {
    src: ip.src,
    dst: ip.dst,
    family: ip.family,
    sport: u16(b, 0),
    dport: u16(b, 2),
    seq: u32(b, 4),
    ack: u32(b, 8),
    flags: flagsFromByte(b[13] ?? 0),
    window: u16(b, 14),
    options: opts.options,
    // Copied so that a segment outlives the buffer it was read into (TUN reads reuse one).
    payload: payload.slice(),
    urgent: u16(b, 18),
    ip: ipFields,
    checksumOk: src !== undefined && dst !== undefined && verifyTransportChecksum(src.bytes, dst.bytes, PROTO_TCP, b),
  };
  if (reasons.length > 0) seg.malformed = reasons.join('; ');
  return seg;
}

/** `decodeIp` then `decodeSegment`: raw IP bytes to a segment, or undefined. */
export function decodePacket(buf: Uint8Array): Segment | undefined {
  const ip = decodeIp(buf);
  return ip ? decodeSegment(ip) : undefined;
}

/** Encodes the segment as a full IP packet with correct IP and TCP checksums. */
export function encodeSegment(seg: Segment): Uint8Array {
  for (const [name, v] of [['sport', seg.sport], ['dport', seg.dport], ['window', seg.window]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`TCP ${name} out of range: ${v}`);
  }
  const src = parseAddress(seg.src);
  const dst = parseAddress(seg.dst);
  if (!src || src.family !== seg.family) throw new RangeError(`not an IPv${seg.family} address: ${seg.src}`);
  if (!dst || dst.family !== seg.family) throw new RangeError(`not an IPv${seg.family} address: ${seg.dst}`);
  const opts = encodeOptions(seg.options);
  const hlen = 20 + opts.length;
  const tcp = new Uint8Array(hlen + seg.payload.length);
  const put16 = (i: number, n: number): void => {
    tcp[i] = (n >> 8) & 0xff;
    tcp[i + 1] = n & 0xff;
  };
  const put32 = (i: number, n: number): void => {
    const v = n >>> 0;
    put16(i, v >>> 16);
    put16(i + 2, v & 0xffff);
  };
  put16(0, seg.sport);
  put16(2, seg.dport);
  put32(4, seg.seq);
  put32(8, seg.ack);
  tcp[12] = (hlen / 4) << 4;
  tcp[13] = flagsToByte(seg.flags);
  put16(14, seg.window);
  put16(18, seg.urgent ?? 0);
  tcp.set(opts, 20);
  tcp.set(seg.payload, hlen);
  put16(16, transportChecksum(src.bytes, dst.bytes, PROTO_TCP, tcp));
  const input: Parameters<typeof encodeIp>[0] = { family: seg.family, src: seg.src, dst: seg.dst, protocol: PROTO_TCP, payload: tcp };
  const f = seg.ip ?? {};
  if (f.ttl !== undefined) input.ttl = f.ttl;
  if (f.tos !== undefined) input.tos = f.tos;
  if (f.id !== undefined) input.id = f.id;
  if (f.dontFragment !== undefined) input.dontFragment = f.dontFragment;
  if (f.flowLabel !== undefined) input.flowLabel = f.flowLabel;
  return encodeIp(input);
}
