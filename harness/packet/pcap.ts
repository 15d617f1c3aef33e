/**
 * Classic libpcap files (the format Wireshark and tcpdump open everywhere):
 * a 24-byte global header, then a 16-byte header per record. Written in
 * little-endian with microsecond timestamps and LINKTYPE_RAW, since the relay
 * carries bare IPv4/IPv6 packets from TUN devices.
 * See https://www.tcpdump.org/manpages/pcap-savefile.5.html.
 */

/** LINKTYPE_RAW: each record is an IPv4 or IPv6 packet, told apart by its version nibble. */
export const LINKTYPE_RAW = 101;

const MAGIC_MICROS = 0xa1b2c3d4;
const MAGIC_NANOS = 0xa1b23c4d;

export function pcapHeader(snaplen = 65535, linktype = LINKTYPE_RAW): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(MAGIC_MICROS, 0);
  b.writeUInt16LE(2, 4); // version 2.4
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8); // thiszone: timestamps are UTC
  b.writeUInt32LE(0, 12); // sigfigs
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(linktype, 20);
  return b;
}

/**
 * One record. `tMicrosEpoch` is microseconds since the Unix epoch; packets
 * longer than `snaplen` are cut, with the original length kept in the header
 * as the format requires.
 */
export function pcapRecord(tMicrosEpoch: number, packet: Uint8Array, snaplen = 65535): Buffer {
  const t = Math.max(0, Math.floor(tMicrosEpoch));
  const included = Math.min(packet.length, snaplen);
  const b = Buffer.alloc(16 + included);
  b.writeUInt32LE(Math.floor(t / 1e6) >>> 0, 0);
  b.writeUInt32LE(t % 1e6, 4);
  b.writeUInt32LE(included, 8);
  b.writeUInt32LE(packet.length, 12);
  b.set(packet.subarray(0, included), 16);
  return b;
}

export interface PcapRecord {
  tMicros: number;
  /** Bytes as stored (at most snaplen). */
  data: Uint8Array;
  /** Length of the packet on the wire. */
  origLen: number;
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  records: PcapRecord[];
}

/**
 * Reads a classic pcap file of either byte order, micro- or nanosecond
 * (timestamps are returned in microseconds). Throws on a file that is not
 * pcap or is cut short inside a record.
 */
export function readPcap(buf: Uint8Array): PcapFile {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24) throw new Error(`not a pcap file: ${b.length} bytes`);
  let le: boolean;
  let nanos: boolean;
  const m = b.readUInt32LE(0);
  if (m === MAGIC_MICROS || m === MAGIC_NANOS) {
    le = true;
    nanos = m === MAGIC_NANOS;
  } else {
    const mb = b.readUInt32BE(0);
    if (mb !== MAGIC_MICROS && mb !== MAGIC_NANOS) throw new Error(`not a pcap file: magic 0x${m.toString(16)}`);
    le = false;
    nanos = mb === MAGIC_NANOS;
  }
  const u32 = (i: number): number => (le ? b.readUInt32LE(i) : b.readUInt32BE(i));
  const snaplen = u32(16);
  const linktype = u32(20) & 0x0fffffff; // the top bits may carry FCS information
  const records: PcapRecord[] = [];
  let at = 24;
  while (at < b.length) {
    if (at + 16 > b.length) throw new Error(`pcap record header cut short at byte ${at}`);
    const sec = u32(at);
    const frac = u32(at + 4);
    const incl = u32(at + 8);
    const origLen = u32(at + 12);
    if (at + 16 + incl > b.length) throw new Error(`pcap record at byte ${at} cut short`);
    records.push({
      tMicros: sec * 1e6 + (nanos ? Math.floor(frac / 1000) : frac),
      data: new Uint8Array(b.subarray(at + 16, at + 16 + incl)),
      origLen,
    });
    at += 16 + incl;
  }
  return { linktype, snaplen, records };
}
