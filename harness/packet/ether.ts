/**
 * Ethernet II framing and ARP (RFC 826) for IPv4 over Ethernet: what the
 * relay needs to sit on a TAP device, where a userspace stack sends and
 * expects frames rather than IP packets. Pure functions, no I/O.
 */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETH_HEADER = 14;
const ARP_LENGTH = 28;

export type Mac = Uint8Array;

export const BROADCAST_MAC: Mac = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export interface EthernetFrame {
  dst: Mac;
  src: Mac;
  type: number;
  payload: Uint8Array;
}

export function formatMac(mac: Mac): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function decodeEthernet(buf: Uint8Array): EthernetFrame | undefined {
  if (buf.length < ETH_HEADER) return undefined;
  const type = (buf[12]! << 8) | buf[13]!;
  let payload = buf.subarray(ETH_HEADER);
  // Short frames may be padded to 60 bytes: an IPv4 packet is as long as its header says.
  if (type === ETHERTYPE_IPV4 && payload.length >= 4) {
    const total = (payload[2]! << 8) | payload[3]!;
    if (total >= 20 && total < payload.length) payload = payload.subarray(0, total);
  }
  return { dst: buf.subarray(0, 6), src: buf.subarray(6, 12), type, payload };
}

export function encodeEthernet(frame: EthernetFrame): Uint8Array {
  const out = new Uint8Array(ETH_HEADER + frame.payload.length);
  out.set(frame.dst, 0);
  out.set(frame.src, 6);
  out[12] = frame.type >> 8;
  out[13] = frame.type & 0xff;
  out.set(frame.payload, ETH_HEADER);
  return out;
}

export interface ArpPacket {
  /** 1 request, 2 reply. */
  op: 1 | 2;
  senderMac: Mac;
  senderIp: Uint8Array;
  targetMac: Mac;
  targetIp: Uint8Array;
}

/** ARP for IPv4 over Ethernet only; anything else is undefined. */
export function decodeArp(buf: Uint8Array): ArpPacket | undefined {
  if (buf.length < ARP_LENGTH) return undefined;
  const htype = (buf[0]! << 8) | buf[1]!;
  const ptype = (buf[2]! << 8) | buf[3]!;
  const op = (buf[6]! << 8) | buf[7]!;
  if (htype !== 1 || ptype !== ETHERTYPE_IPV4 || buf[4] !== 6 || buf[5] !== 4 || (op !== 1 && op !== 2)) return undefined;
  return {
    op,
    senderMac: buf.slice(8, 14),
    senderIp: buf.slice(14, 18),
    targetMac: buf.slice(18, 24),
    targetIp: buf.slice(24, 28),
  };
}

export function encodeArp(p: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_LENGTH);
  out.set([0, 1, ETHERTYPE_IPV4 >> 8, ETHERTYPE_IPV4 & 0xff, 6, 4, 0, p.op]);
  out.set(p.senderMac, 8);
  out.set(p.senderIp, 14);
  out.set(p.targetMac, 18);
  out.set(p.targetIp, 24);
  return out;
}

/**
 * The answer to an ARP request asking for `ip`, as a frame from `mac` to
 * the asker; undefined when the frame is no such request (a gratuitous ARP
 * announcing the asker's own address included).
 */
export function answerArp(frame: EthernetFrame, mac: Mac): Uint8Array | undefined {
  if (frame.type !== ETHERTYPE_ARP) return undefined;
  const arp = decodeArp(frame.payload);
  if (!arp || arp.op !== 1) return undefined;
  if (arp.targetIp.every((b, i) => b === arp.senderIp[i])) return undefined;
  const reply = encodeArp({ op: 2, senderMac: mac, senderIp: arp.targetIp, targetMac: arp.senderMac, targetIp: arp.senderIp });
  return encodeEthernet({ dst: arp.senderMac, src: mac, type: ETHERTYPE_ARP, payload: reply });
}
