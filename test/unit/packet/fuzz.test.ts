import { decodeIp } from '../../../harness/packet/ip.js';
import { decodePacket, encodeSegment, NO_FLAGS, flagsFromByte, type Segment, type TcpOption } from '../../../harness/packet/tcp.js';
import * as cap from './captured.js';
import { prng, randomBytes } from './prng.js';

// Decoding reads whatever a target writes to its TUN: it must never throw.
describe('decoding garbage never throws', () => {
  it('random buffers', () => {
    const next = prng(0x7cc0);
    for (let n = 0; n < 5000; n++) {
      const b = randomBytes(next, Math.floor(next() * 120));
      // Half of them get a plausible version nibble so the deeper paths run too.
      if (b.length > 0 && n % 2 === 0) b[0] = ((n % 4 === 0 ? 4 : 6) << 4) | ((b[0] ?? 0) & 0x0f);
      if (b.length > 9 && n % 4 === 0) b[9] = 6;
      if (b.length > 6 && n % 4 === 2) b[6] = [0, 6, 43, 44, 51, 60][n % 6] ?? 6;
      expect(() => decodePacket(b)).not.toThrow();
      expect(() => decodeIp(b)).not.toThrow();
    }
  });

  it('mutated and truncated real packets', () => {
    const next = prng(9293);
    const seeds = Object.values(cap);
    for (let n = 0; n < 5000; n++) {
      const base = seeds[n % seeds.length]!;
      const b = base.slice(0, Math.floor(next() * (base.length + 1)));
      const flips = 1 + Math.floor(next() * 4);
      for (let f = 0; f < flips && b.length > 0; f++) {
        const i = Math.floor(next() * b.length);
        b[i] = Math.floor(next() * 256);
      }
      let seg: Segment | undefined;
      expect(() => {
        seg = decodePacket(b);
      }).not.toThrow();
      // Whatever decodes can be looked at without surprises.
      if (seg) expect(typeof seg.checksumOk).toBe('boolean');
    }
  });
});

describe('encode then decode gives the segment back', () => {
  it('for random segments of both families', () => {
    const next = prng(1981);
    const int = (max: number): number => Math.floor(next() * (max + 1));
    for (let n = 0; n < 500; n++) {
      const family = n % 2 === 0 ? 4 : 6;
      const options: TcpOption[] = [];
      if (next() < 0.5) options.push({ type: 'mss', value: int(0xffff) });
      if (next() < 0.5) options.push({ type: 'nop' }, { type: 'wscale', shift: int(14) });
      if (next() < 0.5) options.push({ type: 'sackPermitted' });
      if (next() < 0.5) options.push({ type: 'timestamps', tsval: int(0xffffffff), tsecr: int(0xffffffff) });
      const seg: Segment = {
        family,
        src: family === 4 ? `198.18.${int(255)}.${int(255)}` : `2001:2::${int(0xffff).toString(16)}`,
        dst: family === 4 ? `198.19.${int(255)}.${int(255)}` : `2001:2:0:1::${int(0xffff).toString(16)}`,
        sport: int(0xffff),
        dport: int(0xffff),
        seq: int(0xffffffff),
        ack: int(0xffffffff),
        flags: n === 0 ? { ...NO_FLAGS } : flagsFromByte(int(255)),
        window: int(0xffff),
        options,
        payload: randomBytes(next, int(300)),
        urgent: int(0xffff),
      };
      const back = decodePacket(encodeSegment(seg));
      // Padding to a multiple of 4 is EOL on the wire, and decoding shows it.
      const optionBytes = options.reduce((n, o) => n + ({ mss: 4, nop: 1, wscale: 3, sackPermitted: 2, timestamps: 10 } as Record<string, number>)[o.type]!, 0);
      const expected = optionBytes % 4 === 0 ? options : [...options, { type: 'eol' }];
      expect(back).toMatchObject({ ...seg, options: expected, checksumOk: true });
      expect(back?.malformed).toBeUndefined();
    }
  });
});
