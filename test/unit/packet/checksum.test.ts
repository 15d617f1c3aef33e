import {
  finish,
  fold,
  internetChecksum,
  pseudoHeaderSum4,
  sum16,
  transportChecksum,
  verifyTransportChecksum,
} from '../../../harness/packet/checksum.js';
import { parseAddress } from '../../../harness/packet/addr.js';
import * as cap from './captured.js';
import { prng, randomBytes } from './prng.js';

/**
 * Reference: the checksum as RFC 1071 §1 defines it, written as plainly as
 * possible (one's complement addition word by word, carry added back at once).
 */
function referenceChecksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) {
    const word = ((data[i] ?? 0) << 8) | (i + 1 < data.length ? (data[i + 1] ?? 0) : 0);
    sum += word;
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return ~sum & 0xffff;
}

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

describe('internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // Bytes 00 01 f2 03 f4 f5 f6 f7: the folded sum is 0xddf2.
    const data = hex('0001 f203 f4f5 f6f7');
    expect(fold(sum16(data))).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it('gives the well-known IPv4 header checksum 0xb861', () => {
    // The example header used in the IPv4 article of Wikipedia and many textbooks.
    const header = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(header)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header)).toBe(0);
  });

  it('pads an odd length with a zero byte', () => {
    expect(internetChecksum(hex('ab'))).toBe(internetChecksum(hex('ab00')));
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
  });

  it('agrees with the reference algorithm on random data', () => {
    const next = prng(1071);
    for (let n = 0; n < 300; n++) {
      const data = randomBytes(next, Math.floor(next() * 1600));
      expect(internetChecksum(data)).toBe(referenceChecksum(data));
    }
  });

  it('can sum in pieces (pseudo-header, then message)', () => {
    const next = prng(7);
    const a = randomBytes(next, 40);
    const b = randomBytes(next, 99);
    const whole = new Uint8Array(139);
    whole.set(a);
    whole.set(b, 40);
    expect(finish(sum16(b, sum16(a)))).toBe(internetChecksum(whole));
  });
});

describe('TCP checksum with pseudo-headers', () => {
  const cases: Array<[string, Uint8Array, number]> = [
    ['IPv4 kernel SYN', cap.v4Syn, 20],
    ['IPv4 kernel data', cap.v4Data, 20],
    ['IPv4 kernel RST+ACK', cap.v4Rst, 20],
    ['IPv4 crafted, with IP options', cap.v4IpoptsSynCrafted, 24],
    ['IPv6 kernel SYN', cap.v6Syn, 40],
    ['IPv6 kernel FIN', cap.v6Fin, 40],
    ['IPv6 crafted, behind a destination options header', cap.v6DestoptsSynCrafted, 48],
  ];
  it.each(cases)('verifies the captured %s', (_name, packet, tcpAt) => {
    const v6 = packet[0] === 0x60;
    const src = packet.subarray(v6 ? 8 : 12, v6 ? 24 : 16);
    const dst = packet.subarray(v6 ? 24 : 16, v6 ? 40 : 20);
    const tcp = packet.subarray(tcpAt);
    expect(verifyTransportChecksum(src, dst, 6, tcp)).toBe(true);
    // Recomputing with the field zeroed gives the stored value.
    const zeroed = tcp.slice();
    zeroed[16] = 0;
    zeroed[17] = 0;
    expect(transportChecksum(src, dst, 6, zeroed)).toBe(((tcp[16] ?? 0) << 8) | (tcp[17] ?? 0));
  });

  it('detects a flipped bit', () => {
    const tcp = cap.v4Data.slice(20);
    tcp[25] = (tcp[25] ?? 0) ^ 0x01;
    expect(verifyTransportChecksum(cap.v4Data.subarray(12, 16), cap.v4Data.subarray(16, 20), 6, tcp)).toBe(false);
  });

  it('builds the IPv4 pseudo-header sum from its fields', () => {
    const src = parseAddress('198.18.0.1')!.bytes;
    const dst = parseAddress('198.18.0.2')!.bytes;
    const pseudo = hex('c6120001 c6120002 00 06 0014');
    expect(fold(pseudoHeaderSum4(src, dst, 6, 20))).toBe(fold(sum16(pseudo)));
  });
});
