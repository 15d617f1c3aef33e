import { formatIPv4, formatIPv6, parseAddress, parseIPv4, parseIPv6 } from '../../../harness/packet/addr.js';

describe('addresses', () => {
  it('parses and formats IPv4', () => {
    expect(Array.from(parseIPv4('198.18.0.1')!)).toEqual([198, 18, 0, 1]);
    expect(formatIPv4(Uint8Array.from([198, 19, 255, 254]))).toBe('198.19.255.254');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '', '1..2.3']) {
      expect(parseIPv4(bad)).toBeUndefined();
    }
  });

  it('formats IPv6 canonically (RFC 5952)', () => {
    const cases: Array<[string, string]> = [
      ['2001:0002:0000:0000:0000:0000:0000:0001', '2001:2::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not shortened
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longer run wins
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // on a tie, the first
      ['FE80::ABCD', 'fe80::abcd'],
      ['::ffff:198.18.0.1', '::ffff:c612:1'],
    ];
    for (const [input, canonical] of cases) {
      const bytes = parseIPv6(input);
      expect(bytes).toBeDefined();
      expect(formatIPv6(bytes!)).toBe(canonical);
    }
  });

  it('rejects invalid IPv6', () => {
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', ':::', '1:2:3:4:5:6:7::8']) {
      expect(parseIPv6(bad)).toBeUndefined();
    }
  });

  it('tells the family from the text', () => {
    expect(parseAddress('198.18.0.2')?.family).toBe(4);
    expect(parseAddress('2001:2::2')?.family).toBe(6);
    expect(parseAddress('example.org')).toBeUndefined();
  });
});
