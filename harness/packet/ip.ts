/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) headers: enough to carry TCP through
 * the relay and to read what a stack sent. Decoding is for untrusted bytes
 * (whatever a target writes to its TUN), so it never throws; encoding is for
 * our own segments, so it throws on impossible input.
 */
import { formatIPv4, formatIPv6, parseAddress } from './addr.js';
import { internetChecksum } from './checksum.js';

export const PROTO_TCP = 6;

export interface IpPacket {
  family: 4 | 6;
  src: string;
  dst: string;
  /** Upper-layer protocol: IPv4 protocol, or IPv6 next header after the extension headers. */
  protocol: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 type of service or IPv6 traffic class (DSCP and ECN bits). */
  tos: number;
  /** IPv4 identification. */
  id?: number;
  /** IPv4 DF bit. */
  dontFragment?: boolean;
  /** IPv6 flow label. */
  flowLabel?: number;
  /** Set when the packet is a fragment (IPv4 MF/offset, IPv6 fragment header). */
  fragment?: { id: number; offset: number; more: boolean };
  /** IPv4 header checksum verifies. */
  headerChecksumOk?: boolean;
  /** Header bytes before the upper layer (IPv4 options, IPv6 extension headers included). */
  headerLength: number;
  /** Upper-layer bytes, cut to the length the header declares. */
  payload: Uint8Array;
  /** Why the packet is not well-formed; the fields above hold what could be read. */
  malformed?: string;
}

export interface IpEncodeInput {
  family: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  payload: Uint8Array;
  /** Default 64, as Linux's `net.ipv4.ip_default_ttl`. */
  ttl?: number;
  /** Default 0. */
  tos?: number;
  /**
   * IPv4 identification. Default 0: with DF set the datagram is atomic and
   * RFC 6864 lets the id be any value.
   */
  id?: number;
  /** IPv4 DF bit. Default true, as Linux sets it for TCP (path MTU discovery). */
  dontFragment?: boolean;
  /** IPv6 flow label. Default 0. */
  flowLabel?: number;
}

/** IPv6 extension headers with the generic (next header, length in 8-octet units) layout. */
const IPV6_GENERIC_EXT = new Set([0 /* hop-by-hop */, 43 /* routing */, 60 /* destination */, 135 /* mobility */, 139 /* HIP */, 140 /* shim6 */]);
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;

function u16(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

/**
 * Decodes one raw IP packet (as read from a TUN device without packet
 * information). Undefined when it is not IPv4 or IPv6 at all; otherwise a
 * packet, with `malformed` set when the header does not hold together.
 */
export function decodeIp(buf: Uint8Array): IpPacket | undefined {
  if (buf.length < 1) return undefined;
  const version = (buf[0] ?? 0) >> 4;
  if (version === 4) return decodeIPv4(buf);
  if (version === 6) return decodeIPv6(buf);
  return undefined;
}

function decodeIPv4(buf: Uint8Array): IpPacket {
  const empty = new Uint8Array(0);
  if (buf.length < 20) {
    return { family: 4, src: '', dst: '', protocol: -1, ttl: 0, tos: 0, headerLength: 0, payload: empty, malformed: `truncated IPv4 header (${buf.length} bytes)` };
  }
  const ihl = ((buf[0] ?? 0) & 0x0f) * 4;
  const totalLength = u16(buf, 2);
  const flagsOffset = u16(buf, 6);
  const pkt: IpPacket = {
    family: 4,
    src: formatIPv4(buf, 12),
    dst: formatIPv4(buf, 16),
    protocol: buf[9] ?? 0,
    ttl: buf[8] ?? 0,
    tos: buf[1] ?? 0,
    id: u16(buf, 4),
    dontFragment: (flagsOffset & 0x4000) !== 0,
    headerLength: ihl,
    payload: empty,
  };
  const more = (flagsOffset & 0x2000) !== 0;
  const offset = (flagsOffset & 0x1fff) * 8;
  if (more || offset > 0) pkt.fragment = { id: pkt.id ?? 0, offset, more };
  if (ihl < 20) return { ...pkt, malformed: `IPv4 header length ${ihl} below 20` };
  if (ihl > buf.length) return { ...pkt, malformed: `IPv4 header length ${ihl} beyond the ${buf.length} bytes read` };
  pkt.headerChecksumOk = internetChecksum(buf.subarray(0, ihl)) === 0;
  if (totalLength < ihl) return { ...pkt, malformed: `IPv4 total length ${totalLength} below header length ${ihl}` };
  if (totalLength > buf.length) {
    return { ...pkt, payload: buf.subarray(ihl), malformed: `IPv4 total length ${totalLength} beyond the ${buf.length} bytes read` };
  }
  // Bytes past totalLength are link padding (e.g. Ethernet minimum frame), not payload.
  pkt.payload = buf.subarray(ihl, totalLength);
  if (!pkt.headerChecksumOk) pkt.malformed = 'IPv4 header checksum does not verify';
  return pkt;
}

function decodeIPv6(buf: Uint8Array): IpPacket {
  const empty = new Uint8Array(0);
  if (buf.length < 40) {
    return { family: 6, src: '', dst: '', protocol: -1, ttl: 0, tos: 0, headerLength: 0, payload: empty, malformed: `truncated IPv6 header (${buf.length} bytes)` };
  }
  const word0 = (((buf[0] ?? 0) << 24) | ((buf[1] ?? 0) << 16) | ((buf[2] ?? 0) << 8) | (buf[3] ?? 0)) >>> 0;
  const payloadLength = u16(buf, 4);
  const pkt: IpPacket = {
    family: 6,
    src: formatIPv6(buf, 8),
    dst: formatIPv6(buf, 24),
    protocol: buf[6] ?? 0,
    ttl: buf[7] ?? 0,
    tos: (word0 >>> 20) & 0xff,
    flowLabel: word0 & 0xfffff,
    headerLength: 40,
    payload: empty,
  };
  let end = 40 + payloadLength;
  let malformed: string | undefined;
  if (end > buf.length) {
    malformed = `IPv6 payload length ${payloadLength} beyond the ${buf.length - 40} bytes read`;
    end = buf.length;
  }
  // Walk the extension header chain to the upper layer (RFC 8200 §4).
  let next = pkt.protocol;
  let at = 40;
  // A bound on the walk: each header is at least 8 bytes, so this only guards against bugs.
  for (let hops = 0; hops < 64; hops++) {
    if (IPV6_GENERIC_EXT.has(next) || next === IPV6_FRAGMENT || next === IPV6_AH) {
      if (at + 8 > end) {
        malformed ??= `IPv6 extension header ${next} truncated`;
        break;
      }
      const len =
        next === IPV6_FRAGMENT ? 8 : next === IPV6_AH ? ((buf[at + 1] ?? 0) + 2) * 4 : ((buf[at + 1] ?? 0) + 1) * 8;
      if (at + len > end) {
        malformed ??= `IPv6 extension header ${next} truncated`;
        break;
      }
      if (next === IPV6_FRAGMENT) {
        const fo = u16(buf, at + 2);
        const id = (((buf[at + 4] ?? 0) << 24) | ((buf[at + 5] ?? 0) << 16) | ((buf[at + 6] ?? 0) << 8) | (buf[at + 7] ?? 0)) >>> 0;
        pkt.fragment = { id, offset: fo & 0xfff8, more: (fo & 1) !== 0 };
      }
      next = buf[at] ?? 0;
      at += len;
      continue;
    }
    break;
  }
  pkt.protocol = next;
  pkt.headerLength = at;
  pkt.payload = buf.subarray(Math.min(at, end), end);
  if (malformed !== undefined) pkt.malformed = malformed;
  return pkt;
}

/** Encodes a packet with a fixed header (no IPv4 options, no IPv6 extension headers). */
export function encodeIp(input: IpEncodeInput): Uint8Array {
  const src = parseAddress(input.src);
  const dst = parseAddress(input.dst);
  if (!src || src.family !== input.family) throw new RangeError(`not an IPv${input.family} address: ${input.src}`);
  if (!dst || dst.family !== input.family) throw new RangeError(`not an IPv${input.family} address: ${input.dst}`);
  const ttl = input.ttl ?? 64;
  const tos = input.tos ?? 0;
  const len = input.payload.length;
  if (input.family === 4) {
    if (20 + len > 0xffff) throw new RangeError(`IPv4 packet too large: ${20 + len} bytes`);
    const out = new Uint8Array(20 + len);
    out[0] = 0x45;
    out[1] = tos & 0xff;
    out[2] = (20 + len) >> 8;
    out[3] = (20 + len) & 0xff;
    const id = (input.id ?? 0) & 0xffff;
    out[4] = id >> 8;
    out[5] = id & 0xff;
    out[6] = (input.dontFragment ?? true) ? 0x40 : 0;
    out[8] = ttl & 0xff;
    out[9] = input.protocol & 0xff;
    out.set(src.bytes, 12);
    out.set(dst.bytes, 16);
    const c = internetChecksum(out.subarray(0, 20));
    out[10] = c >> 8;
    out[11] = c & 0xff;
    out.set(input.payload, 20);
    return out;
  }
  if (len > 0xffff) throw new RangeError(`IPv6 payload too large: ${len} bytes (jumbograms not supported)`);
  const out = new Uint8Array(40 + len);
  const flow = (input.flowLabel ?? 0) & 0xfffff;
  out[0] = 0x60 | ((tos >> 4) & 0x0f);
  out[1] = ((tos & 0x0f) << 4) | (flow >> 16);
  out[2] = (flow >> 8) & 0xff;
  out[3] = flow & 0xff;
  out[4] = len >> 8;
  out[5] = len & 0xff;
  out[6] = input.protocol & 0xff;
  out[7] = ttl & 0xff;
  out.set(src.bytes, 8);
  out.set(dst.bytes, 24);
  out.set(input.payload, 40);
  return out;
}
