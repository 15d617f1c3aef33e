import { LINKTYPE_RAW, pcapHeader, pcapRecord, readPcap } from '../../../harness/packet/pcap.js';
import { decodePacket } from '../../../harness/packet/tcp.js';
import * as cap from './captured.js';

describe('pcap', () => {
  it('writes the classic little-endian microsecond header with LINKTYPE_RAW', () => {
    expect(pcapHeader().toString('hex')).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '65000000');
  });

  it('writes records that read back with their times and bytes', () => {
    const t0 = 1_767_225_600_123_456; // 2026-01-01T00:00:00.123456Z
    const file = Buffer.concat([pcapHeader(), pcapRecord(t0, cap.v4Syn), pcapRecord(t0 + 1_000_001, cap.v6Syn)]);
    const r = readPcap(file);
    expect(r.linktype).toBe(LINKTYPE_RAW);
    expect(r.snaplen).toBe(65535);
    expect(r.records.map((x) => x.tMicros)).toEqual([t0, t0 + 1_000_001]);
    expect(r.records.map((x) => decodePacket(x.data)?.dport)).toEqual([7000, 7000]);
    expect(file.readUInt32LE(24)).toBe(1_767_225_600);
    expect(file.readUInt32LE(28)).toBe(123_456);
  });

  it('cuts records at snaplen and keeps the original length', () => {
    const rec = pcapRecord(0, cap.v4Data, 20);
    expect(rec.length).toBe(36);
    expect(rec.readUInt32LE(8)).toBe(20);
    expect(rec.readUInt32LE(12)).toBe(cap.v4Data.length);
    const r = readPcap(Buffer.concat([pcapHeader(20), rec]));
    expect(r.records[0]?.origLen).toBe(cap.v4Data.length);
    expect(r.records[0]?.data.length).toBe(20);
  });

  it('reads big-endian and nanosecond files', () => {
    const h = Buffer.alloc(24);
    h.writeUInt32BE(0xa1b23c4d, 0);
    h.writeUInt16BE(2, 4);
    h.writeUInt16BE(4, 6);
    h.writeUInt32BE(262144, 16);
    h.writeUInt32BE(101, 20);
    const rh = Buffer.alloc(16);
    rh.writeUInt32BE(10, 0);
    rh.writeUInt32BE(999_999_999, 4);
    rh.writeUInt32BE(cap.v4Rst.length, 8);
    rh.writeUInt32BE(cap.v4Rst.length, 12);
    const r = readPcap(Buffer.concat([h, rh, cap.v4Rst]));
    expect(r.linktype).toBe(101);
    expect(r.records[0]?.tMicros).toBe(10_999_999);
  });

  it('refuses files that are not pcap or are cut short', () => {
    expect(() => readPcap(Buffer.alloc(10))).toThrow(/not a pcap/);
    expect(() => readPcap(Buffer.alloc(24))).toThrow(/magic/);
    const cut = Buffer.concat([pcapHeader(), pcapRecord(0, cap.v4Syn)]).subarray(0, 50);
    expect(() => readPcap(cut)).toThrow(/cut short/);
  });
});
