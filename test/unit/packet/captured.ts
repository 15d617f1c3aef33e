/**
 * Real packets, captured on Linux 6.18 (x86_64) from a TUN device inside a
 * private network namespace (`unshare -n`), read from the TUN descriptor
 * without packet information: raw IPv4/IPv6 as the relay sees them.
 *
 * Packets marked "kernel" were sent by the kernel's TCP. Packets marked
 * "crafted" were built by a separate throwaway script (not this code) and
 * written to the TUN; the kernel answering each one (the packet after it)
 * shows that their checksums and headers are right. The interface had no
 * offloads, so the kernel filled in complete checksums.
 *
 * Addresses: 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:2::/48 (RFC 5180).
 */

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** kernel: connect() from 198.18.0.1 to 198.18.0.2:7000 */
export const v4Syn = hex(
  '4500003c6010400040064e84c6120001c6120002afa21b58965bf12100000000a002faf06c490000020405b40402080a49b4b86e000000000103030a',
);

/** crafted SYN+ACK answering v4Syn (the kernel accepted it: v4Ack) */
export const v4SynackCrafted = hex(
  '4500003c1234400040069c60c6120002c61200011b58afa200001388965bf122a012ffff55580000020405b40402080a0000006f0000000001030307',
);

/** kernel: final ACK of the handshake */
export const v4Ack = hex(
  '450000346011400040064e8bc6120001c6120002afa21b58965bf122000013898010003f81c200000101080a49b4b86e0000006f',
);

/** kernel: send("hello\n") */
export const v4Data = hex(
  '4500003a6012400040064e84c6120001c6120002afa21b58965bf122000013898018003f3da600000101080a49b4b8a00000006f68656c6c6f0a',
);

/** kernel: shutdown(SHUT_WR) */
export const v4Fin = hex(
  '450000346013400040064e89c6120001c6120002afa21b58965bf128000013898011003f818900000101080a49b4b8a00000006f',
);

/** crafted SYN to port 9, where nothing listens */
export const v4SynClosedPortCrafted = hex(
  '450000281234400040069c74c6120002c61200019c40000900000309000000005002040080680000',
);

/** kernel: RST+ACK answering v4SynClosedPortCrafted */
export const v4Rst = hex(
  '45000028000040004006aea8c6120001c612000200099c40000000000000030a5014000084550000',
);

/** crafted SYN with IPv4 options NOP NOP NOP EOL to a listener on 7001 */
export const v4IpoptsSynCrafted = hex(
  '46000030123440004006996bc6120002c6120001010101009c411b590000038400000000600204004d1c000002040578',
);

/** kernel: SYN+ACK answering v4IpoptsSynCrafted */
export const v4IpoptsSynack = hex(
  '4500002c000040004006aea4c6120001c61200021b599c41d9b1b5c2000003856012faf0c6690000020405b4',
);

/** kernel: connect() from 2001:2::1 to [2001:2::2]:7000 */
export const v6Syn = hex(
  '600cbbbb002806402001000200000000000000000000000120010002000000000000000000000002cb761b5852a5198800000000a002fd201e5d0000020405a00402080a34076587000000000103030a',
);

/** crafted SYN+ACK answering v6Syn (the kernel accepted it: v6Ack) */
export const v6SynackCrafted = hex(
  '600123450028064020010002000000000000000000000002200100020000000000000000000000011b58cb760000138852a51989a012ffffa0f30000020405b40402080a0000006f0000000001030307',
);

/** kernel: final ACK of the handshake */
export const v6Ack = hex(
  '600cbbbb002006402001000200000000000000000000000120010002000000000000000000000002cb761b5852a51989000013898010004035f100000101080a340765870000006f',
);

/** kernel: send("hello\n") */
export const v6Data = hex(
  '600cbbbb002606402001000200000000000000000000000120010002000000000000000000000002cb761b5852a519890000138980180040f1d400000101080a340765b90000006f68656c6c6f0a',
);

/** kernel: shutdown(SHUT_WR) */
export const v6Fin = hex(
  '600cbbbb002006402001000200000000000000000000000120010002000000000000000000000002cb761b5852a5198f000013898011004035b800000101080a340765b90000006f',
);

/** crafted SYN to port 9, where nothing listens */
export const v6SynClosedPortCrafted = hex(
  '600123450014064020010002000000000000000000000002200100020000000000000000000000019c400009000003090000000050020400cc870000',
);

/** kernel: RST+ACK answering v6SynClosedPortCrafted */
export const v6Rst = hex(
  '600154db00140640200100020000000000000000000000012001000200000000000000000000000200099c40000000000000030a50140000d0740000',
);

/** crafted SYN behind a Destination Options extension header (PadN) to a listener on 7001 */
export const v6DestoptsSynCrafted = hex(
  '6001234500203c40200100020000000000000000000000022001000200000000000000000000000106000104000000009c421b590000038500000000600204009939000002040578',
);

/** kernel: SYN+ACK answering v6DestoptsSynCrafted */
export const v6DestoptsSynack = hex(
  '6007dd4a0018064020010002000000000000000000000001200100020000000000000000000000021b599c424840c3c0000003866012fd2093de0000020405a0',
);
