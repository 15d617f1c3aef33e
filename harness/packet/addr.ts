/**
 * Text <-> bytes for IPv4 and IPv6 addresses. `node:net` can tell whether a
 * string is an address but gives no bytes, and headers need the bytes.
 * Output text is canonical (RFC 5952 for IPv6) so that addresses decoded from
 * the wire compare equal to the ones a lab assigned.
 */

/** Parses dotted-quad IPv4 (`198.18.0.1`); undefined when it is not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    // No leading zeros: `010` is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parses IPv6 text (with `::` and an optional trailing dotted IPv4); undefined when invalid. */
export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const groups: number[] = [];
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseHalf = (half: string, allowV4Tail: boolean): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const items = half.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (allowV4Tail && i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
      out.push(parseInt(item, 16));
    }
    return out;
  };
  if (halves.length === 2) {
    const head = parseHalf(halves[0] ?? '', false);
    const tail = parseHalf(halves[1] ?? '', true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseHalf(s, true);
    if (!all || all.length !== 8) return undefined;
    groups.push(...all);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

export function formatIPv4(b: Uint8Array, offset = 0): string {
  return `${b[offset] ?? 0}.${b[offset + 1] ?? 0}.${b[offset + 2] ?? 0}.${b[offset + 3] ?? 0}`;
}

/** RFC 5952 canonical text: lower case, longest run (>= 2) of zero groups as `::`. */
export function formatIPv6(b: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[offset + i * 2] ?? 0) << 8) | (b[offset + i * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Parses either family; the family follows from the text. */
export function parseAddress(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const v4 = parseIPv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6) return { family: 6, bytes: v6 };
  return undefined;
}
