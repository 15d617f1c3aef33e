import { execa } from 'execa';
import path from 'node:path';
import { Lab } from '../../harness/lab/lab.js';
import { newRunId, tapName } from '../../harness/lab/names.js';
import type { WirePacket } from '../../harness/lab/relay.js';
import { encodeSegment, NO_FLAGS } from '../../harness/packet/tcp.js';
import { Reactor } from '../../harness/sys/reactor.js';
import { ensureLwipBuilt } from '../../harness/target/lwip-build.js';
import { TargetProcess } from '../../harness/target/process.js';

/**
 * The relay on a TAP device: a real lwIP program attached to the TAP device
 * of a lab endpoint, the harness playing the other endpoint. The relay must
 * answer the program's ARP, hand it our IP packets in Ethernet frames, and
 * record its frames as IP packets; the namespace's kernel stays off the wire.
 */

const until = async (what: string, ok: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('a SYN reaches lwIP through the TAP device and its SYN-ACK comes back as an IP packet', async () => {
  const run = newRunId();
  const reactor = new Reactor();
  const lab = await Lab.create({ run, index: 0, endpoints: ['a', 'p'], reactor, family: 4, peers: ['p'], userspace: ['a'] });
  let target: TargetProcess | undefined;
  try {
    const a = lab.endpoint('a');
    const p = lab.endpoint('p');
    expect(a.tap).toBe(tapName(run));
    // The namespace's kernel has no address on the TAP device.
    const addrs = await execa('ip', ['-n', a.ns, '-4', 'addr', 'show', 'dev', a.tap!]);
    expect(addrs.stdout).not.toMatch(/inet /);

    const received: WirePacket[] = [];
    lab.relay.setPeerSink((packet) => received.push(packet));
    const dir = await ensureLwipBuilt();
    target = await TargetProcess.start({ ns: a.ns, argv: [path.join(dir, 'tcplwip'), 'server', a.tap!, a.addr], label: 'a (lwip server)', readyTimeoutMs: 5000, run });
    await target.control.request('listen', { addr: a.addr, port: lab.port }, 5000);

    const syn = encodeSegment({
      src: p.addr, dst: a.addr, family: 4, sport: 40000, dport: lab.port, seq: 1000, ack: 0,
      flags: { ...NO_FLAGS, syn: true }, window: 65535, options: [], payload: new Uint8Array(0),
    });
    lab.relay.sendFromPeer('p', Buffer.from(syn));
    await until('a SYN-ACK from lwIP', () => received.some((x) => x.seg?.flags.syn && x.seg.flags.ack));

    const synAck = received.find((x) => x.seg?.flags.syn && x.seg.flags.ack)!.seg!;
    expect(synAck).toMatchObject({ src: a.addr, dst: p.addr, sport: lab.port, dport: 40000, ack: 1001 });
    // lwIP asked for the peer's hardware address before answering; the relay answered.
    expect(lab.relay.link).toContainEqual(expect.objectContaining({ endpoint: 'a', what: 'arp-answered', detail: p.addr }));
    // Everything recorded is an IPv4 packet: framing stays at the relay.
    expect(lab.relay.packets.length).toBeGreaterThanOrEqual(2);
    for (const packet of lab.relay.packets) expect(packet.data[0]! >> 4).toBe(4);
    expect(lab.relay.packets[0]!.delivered).toBeDefined();
    // The program saw the SYN arrive: its self-report has the new connection block.
    await until('the self-report of SYN_RCVD', () => target!.control.events.some((e) => e.event === 'state' && e.to === 'SYN_RCVD'));
  } finally {
    await target?.stop();
    await lab.destroy();
    await reactor.close();
  }
  // The TAP device went away with the namespace.
  const links = await execa('ip', ['-o', 'link', 'show']);
  expect(links.stdout).not.toContain(tapName(run));
}, 30_000);
