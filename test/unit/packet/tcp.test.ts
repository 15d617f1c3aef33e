import {
  decodeOptions,
  decodePacket,
  encodeOptions,
  encodeSegment,
  flagsString,
  flagsFromByte,
  NO_FLAGS,
  parseFlags,
  segmentLength,
  seqAdd,
  seqDiff,
  seqGe,
  seqGt,
  seqLe,
  seqLt,
  type Segment,
} from '../../../harness/packet/tcp.js';
import * as cap from './captured.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('decoding real segments', () => {
  it('reads the kernel SYN with its options in order', () => {
    const s = decodePacket(cap.v4Syn)!;
    expect(s).toMatchObject({
      family: 4,
      src: '198.18.0.1',
      dst: '198.18.0.2',
      sport: 0xafa2,
      dport: 7000,
      seq: 0x965bf121,
      ack: 0,
      window: 64240,
      checksumOk: true,
    });
    expect(flagsString(s.flags)).toBe('SYN');
    expect(s.options).toEqual([
      { type: 'mss', value: 1460 },
      { type: 'sackPermitted' },
      { type: 'timestamps', tsval: 0x49b4b86e, tsecr: 0 },
      { type: 'nop' },
      { type: 'wscale', shift: 10 },
    ]);
    expect(s.payload.length).toBe(0);
    expect(s.malformed).toBeUndefined();
  });

  it('follows a whole IPv4 exchange', () => {
    const syn = decodePacket(cap.v4Syn)!;
    const synack = decodePacket(cap.v4SynackCrafted)!;
    const ack = decodePacket(cap.v4Ack)!;
    const data = decodePacket(cap.v4Data)!;
    const fin = decodePacket(cap.v4Fin)!;
    expect([synack, ack, data, fin].map((s) => flagsString(s.flags))).toEqual(['SYN+ACK', 'ACK', 'PSH+ACK', 'FIN+ACK']);
    expect(synack.ack).toBe(seqAdd(syn.seq, 1));
    expect(ack.seq).toBe(seqAdd(syn.seq, segmentLength(syn)));
    expect(ack.ack).toBe(seqAdd(synack.seq, 1));
    expect(Buffer.from(data.payload).toString()).toBe('hello\n');
    expect(fin.seq).toBe(seqAdd(data.seq, segmentLength(data)));
    for (const s of [synack, ack, data, fin]) expect(s.checksumOk).toBe(true);
  });

  it('reads the RST+ACK a closed port sends', () => {
    const syn = decodePacket(cap.v4SynClosedPortCrafted)!;
    const rst = decodePacket(cap.v4Rst)!;
    expect(flagsString(rst.flags)).toBe('RST+ACK');
    expect(rst.ack).toBe(syn.seq + 1);
    expect(rst.ip).toMatchObject({ id: 0, dontFragment: true, ttl: 64 });
    const rst6 = decodePacket(cap.v6Rst)!;
    expect(flagsString(rst6.flags)).toBe('RST+ACK');
    expect(rst6.checksumOk).toBe(true);
  });

  it('reads IPv6 segments, also behind an extension header', () => {
    const syn = decodePacket(cap.v6Syn)!;
    expect(syn).toMatchObject({ family: 6, src: '2001:2::1', dst: '2001:2::2', dport: 7000, window: 64800, checksumOk: true });
    expect(syn.options[0]).toEqual({ type: 'mss', value: 1440 });
    expect(syn.ip?.flowLabel).toBe(0xcbbbb);
    const behind = decodePacket(cap.v6DestoptsSynCrafted)!;
    expect(behind).toMatchObject({ sport: 40002, dport: 7001, checksumOk: true });
    const answer = decodePacket(cap.v6DestoptsSynack)!;
    expect(flagsString(answer.flags)).toBe('SYN+ACK');
    expect(answer.ack).toBe(behind.seq + 1);
  });

  it('reads a segment behind IPv4 options', () => {
    const s = decodePacket(cap.v4IpoptsSynCrafted)!;
    expect(s).toMatchObject({ sport: 40001, dport: 7001, seq: 900, checksumOk: true, options: [{ type: 'mss', value: 1400 }] });
    expect(decodePacket(cap.v4IpoptsSynack)!.ack).toBe(901);
  });
});

describe('encoding', () => {
  const all = Object.entries(cap).filter(([name]) => !name.includes('Ipopts') && !name.includes('Destopts'));
  it.each(all)('re-encodes %s to the same bytes', (_name, bytes) => {
    const s = decodePacket(bytes)!;
    expect(toHex(encodeSegment(s))).toBe(toHex(bytes));
  });

  it('re-encodes the TCP part of packets with IP options or extension headers', () => {
    for (const [bytes, at] of [[cap.v4IpoptsSynCrafted, 24], [cap.v6DestoptsSynCrafted, 48]] as const) {
      const s = decodePacket(bytes)!;
      const out = encodeSegment(s);
      const fixed = s.family === 4 ? 20 : 40;
      expect(toHex(out.subarray(fixed))).toBe(toHex(bytes.subarray(at)));
    }
  });

  it('builds a segment from scratch that decodes back equal', () => {
    const seg: Segment = {
      src: '2001:2::5',
      dst: '2001:2::6',
      family: 6,
      sport: 1,
      dport: 65535,
      seq: 0xffffffff,
      ack: 0x80000000,
      flags: { ...NO_FLAGS, ack: true, psh: true, urg: true, ece: true, cwr: true },
      window: 12345,
      options: [
        { type: 'nop' },
        { type: 'nop' },
        { type: 'sack', blocks: [{ left: 1, right: 2 }, { left: 0xfffffff0, right: 5 }] },
        { type: 'unknown', kind: 253, bytes: Uint8Array.from([0xde, 0xad]) },
      ],
      payload: Uint8Array.from([1, 2, 3]),
      urgent: 2,
    };
    const back = decodePacket(encodeSegment(seg))!;
    expect(back).toMatchObject({ ...seg, checksumOk: true });
    expect(flagsString(back.flags)).toBe('PSH+ACK+URG+ECE+CWR');
  });

  it('pads options with EOL to a multiple of 4 and refuses more than 40 bytes', () => {
    expect(Array.from(encodeOptions([{ type: 'wscale', shift: 7 }]))).toEqual([3, 3, 7, 0]);
    const tooMany = Array.from({ length: 5 }, () => ({ type: 'timestamps', tsval: 1, tsecr: 2 }) as const);
    expect(() => encodeOptions(tooMany)).toThrow(RangeError);
  });

  it('refuses out-of-range fields and wrong-family addresses', () => {
    const base = decodePacket(cap.v4Ack)!;
    expect(() => encodeSegment({ ...base, sport: 70000 })).toThrow(/sport/);
    expect(() => encodeSegment({ ...base, window: -1 })).toThrow(/window/);
    expect(() => encodeSegment({ ...base, src: '2001:2::1' })).toThrow(RangeError);
  });
});

describe('options with bad lengths', () => {
  it('keeps what it read and says where it stopped', () => {
    const r = decodeOptions(Uint8Array.from([1, 2, 5, 5, 0xb4]));
    expect(r.options).toEqual([{ type: 'nop' }]);
    expect(r.malformed).toMatch(/kind 2 at offset 1/);
    expect(decodeOptions(Uint8Array.from([8, 0])).malformed).toMatch(/bad length 0/);
    expect(decodeOptions(Uint8Array.from([8])).malformed).toMatch(/missing/);
  });

  it('keeps a known kind with an unexpected length as unknown', () => {
    expect(decodeOptions(Uint8Array.from([2, 3, 9])).options).toEqual([{ type: 'unknown', kind: 2, bytes: Uint8Array.from([9]) }]);
  });

  it('stops at EOL', () => {
    expect(decodeOptions(Uint8Array.from([1, 0, 2, 4, 5, 0xb4])).options).toEqual([{ type: 'nop' }, { type: 'eol' }]);
  });

  it('marks a segment whose data offset points past its end', () => {
    const bad = cap.v4Ack.slice();
    bad[20 + 12] = 0xf0; // data offset 60 in a 32-byte segment
    expect(decodePacket(bad)?.malformed).toMatch(/data offset 60 beyond/);
    bad[20 + 12] = 0x40; // 16
    expect(decodePacket(bad)?.malformed).toMatch(/data offset 16 below 20/);
  });
});

describe('flags', () => {
  it('prints in the fixed order SYN, FIN, RST, PSH, ACK, URG, ECE, CWR', () => {
    expect(flagsString(flagsFromByte(0x12))).toBe('SYN+ACK');
    expect(flagsString(flagsFromByte(0x11))).toBe('FIN+ACK');
    expect(flagsString(flagsFromByte(0x04))).toBe('RST');
    expect(flagsString(flagsFromByte(0x10))).toBe('ACK');
    expect(flagsString(flagsFromByte(0xff))).toBe('SYN+FIN+RST+PSH+ACK+URG+ECE+CWR');
    expect(flagsString(NO_FLAGS)).toBe('NONE');
  });

  it('parses what it prints, in any order', () => {
    for (let b = 0; b < 256; b++) expect(parseFlags(flagsString(flagsFromByte(b)))).toEqual(flagsFromByte(b));
    expect(parseFlags('ack+syn')).toEqual(flagsFromByte(0x12));
    expect(parseFlags('SYN+BOGUS')).toBeUndefined();
  });
});

describe('sequence arithmetic modulo 2^32', () => {
  it('compares across the wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xfffffff0)).toBe(true);
    expect(seqDiff(0x10, 0xfffffff0)).toBe(0x20);
    expect(seqDiff(0xfffffff0, 0x10)).toBe(-0x20);
    expect(seqLe(5, 5) && seqGe(5, 5)).toBe(true);
    expect(seqLt(5, 5)).toBe(false);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
  });

  it('counts SYN and FIN in the segment length', () => {
    expect(segmentLength({ flags: { ...NO_FLAGS, syn: true }, payload: new Uint8Array(0) })).toBe(1);
    expect(segmentLength({ flags: { ...NO_FLAGS, fin: true, ack: true }, payload: new Uint8Array(3) })).toBe(4);
  });
});
