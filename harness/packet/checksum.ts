/**
 * The internet checksum (RFC 1071) and the pseudo-headers that TCP sums over
 * (RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for IPv6).
 *
 * Sums are kept as unfolded 32-bit-safe numbers between calls so that a
 * pseudo-header, a header and a payload can be summed separately and folded
 * once at the end.
 */

/** Adds the 16-bit big-endian words of `data` to `sum` (odd tail padded with a zero byte). */
export function sum16(data: Uint8Array, sum = 0): number {
  let s = sum;
  const end = data.length & ~1;
  for (let i = 0; i < end; i += 2) {
    s += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
    // Fold now and then so `s` never leaves the range where doubles are exact.
    if (s > 0x7fffffff) s = (s & 0xffff) + (s >>> 16);
  }
  if (data.length & 1) s += (data[data.length - 1] ?? 0) << 8;
  return s;
}

/** Folds carries into 16 bits (end-around carry). */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value: one's complement of the folded sum. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** RFC 1071 checksum of `data` (as stored in a header whose checksum field was zero). */
export function internetChecksum(data: Uint8Array): number {
  return finish(sum16(data));
}

/** Sum of the IPv4 pseudo-header: src, dst, zero, protocol, upper-layer length. */
export function pseudoHeaderSum4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return sum16(src) + sum16(dst) + protocol + (length & 0xffff);
}

/** Sum of the IPv6 pseudo-header: src, dst, 32-bit upper-layer length, next header. */
export function pseudoHeaderSum6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  return sum16(src) + sum16(dst) + Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader;
}

/**
 * Checksum of an upper-layer message (TCP header + payload, checksum field
 * zeroed) under the pseudo-header of its family. Address lengths pick the
 * family: 4 bytes for IPv4, 16 for IPv6.
 */
export function transportChecksum(src: Uint8Array, dst: Uint8Array, protocol: number, message: Uint8Array): number {
  const pseudo =
    src.length === 4
      ? pseudoHeaderSum4(src, dst, protocol, message.length)
      : pseudoHeaderSum6(src, dst, protocol, message.length);
  return finish(sum16(message, pseudo));
}

/**
 * True when a received message (checksum field included) verifies: its sum
 * with the pseudo-header folds to 0xffff.
 */
export function verifyTransportChecksum(src: Uint8Array, dst: Uint8Array, protocol: number, message: Uint8Array): boolean {
  return transportChecksum(src, dst, protocol, message) === 0;
}
