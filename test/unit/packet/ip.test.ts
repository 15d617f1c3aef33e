import { decodeIp, encodeIp } from '../../../harness/packet/ip.js';
import * as cap from './captured.js';

describe('decodeIp', () => {
  it('reads a kernel IPv4 header', () => {
    const p = decodeIp(cap.v4Syn)!;
    expect(p).toMatchObject({
      family: 4,
      src: '198.18.0.1',
      dst: '198.18.0.2',
      protocol: 6,
      ttl: 64,
      tos: 0,
      id: 0x6010,
      dontFragment: true,
      headerChecksumOk: true,
      headerLength: 20,
    });
    expect(p.payload.length).toBe(40);
    expect(p.malformed).toBeUndefined();
    expect(p.fragment).toBeUndefined();
  });

  it('tolerates IPv4 options', () => {
    const p = decodeIp(cap.v4IpoptsSynCrafted)!;
    expect(p.headerLength).toBe(24);
    expect(p.headerChecksumOk).toBe(true);
    expect(p.payload.length).toBe(cap.v4IpoptsSynCrafted.length - 24);
    expect(p.malformed).toBeUndefined();
  });

  it('reads a kernel IPv6 header with its flow label', () => {
    const p = decodeIp(cap.v6Syn)!;
    expect(p).toMatchObject({ family: 6, src: '2001:2::1', dst: '2001:2::2', protocol: 6, ttl: 64, tos: 0, flowLabel: 0xcbbbb, headerLength: 40 });
    expect(p.payload.length).toBe(40);
  });

  it('skips IPv6 extension headers to find TCP', () => {
    const p = decodeIp(cap.v6DestoptsSynCrafted)!;
    expect(p.protocol).toBe(6);
    expect(p.headerLength).toBe(48);
    expect(p.malformed).toBeUndefined();
  });

  it('notes an IPv6 fragment header', () => {
    // A fragment header (next=6, offset 0, M=1, id 0x01020304) in front of the TCP bytes.
    const tcp = cap.v6Syn.subarray(40);
    const frag = Uint8Array.from([6, 0, 0x00, 0x01, 1, 2, 3, 4]);
    const pkt = new Uint8Array(48 + tcp.length);
    pkt.set(cap.v6Syn.subarray(0, 40));
    pkt[6] = 44;
    pkt[5] = 8 + tcp.length;
    pkt.set(frag, 40);
    pkt.set(tcp, 48);
    const p = decodeIp(pkt)!;
    expect(p.fragment).toEqual({ id: 0x01020304, offset: 0, more: true });
    expect(p.protocol).toBe(6);
  });

  it('drops link padding after the IPv4 total length', () => {
    const padded = new Uint8Array(cap.v4Rst.length + 6);
    padded.set(cap.v4Rst);
    expect(decodeIp(padded)!.payload.length).toBe(20);
  });

  it('reports truncation and bad header fields instead of throwing', () => {
    expect(decodeIp(new Uint8Array(0))).toBeUndefined();
    expect(decodeIp(Uint8Array.from([0x55, 0, 0]))).toBeUndefined(); // version 5
    expect(decodeIp(cap.v4Syn.subarray(0, 10))?.malformed).toMatch(/truncated IPv4/);
    expect(decodeIp(cap.v4Syn.subarray(0, 30))?.malformed).toMatch(/total length 60 beyond/);
    expect(decodeIp(cap.v6Syn.subarray(0, 50))?.malformed).toMatch(/payload length 40 beyond/);
    const badIhl = cap.v4Syn.slice();
    badIhl[0] = 0x43;
    expect(decodeIp(badIhl)?.malformed).toMatch(/header length 12 below 20/);
    const badSum = cap.v4Syn.slice();
    badSum[10] = (badSum[10] ?? 0) ^ 0xff;
    expect(decodeIp(badSum)).toMatchObject({ headerChecksumOk: false, malformed: expect.stringMatching(/checksum/) });
  });
});

describe('encodeIp', () => {
  it('rebuilds a kernel IPv4 header bit for bit', () => {
    const p = decodeIp(cap.v4Data)!;
    const out = encodeIp({ family: 4, src: p.src, dst: p.dst, protocol: 6, payload: p.payload, id: p.id!, ttl: p.ttl });
    expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(cap.v4Data).toString('hex'));
  });

  it('rebuilds a kernel IPv6 header bit for bit', () => {
    const p = decodeIp(cap.v6Data)!;
    const out = encodeIp({ family: 6, src: p.src, dst: p.dst, protocol: 6, payload: p.payload, flowLabel: p.flowLabel! });
    expect(Buffer.from(out).toString('hex')).toBe(Buffer.from(cap.v6Data).toString('hex'));
  });

  it('uses sensible defaults: TTL 64, DF, id 0', () => {
    const out = encodeIp({ family: 4, src: '198.18.0.2', dst: '198.18.0.3', protocol: 6, payload: new Uint8Array(20) });
    expect(decodeIp(out)).toMatchObject({ ttl: 64, dontFragment: true, id: 0, headerChecksumOk: true });
  });

  it('refuses addresses of the wrong family', () => {
    expect(() => encodeIp({ family: 4, src: '2001:2::1', dst: '198.18.0.1', protocol: 6, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeIp({ family: 6, src: '2001:2::1', dst: 'nope', protocol: 6, payload: new Uint8Array(0) })).toThrow(RangeError);
  });
});
