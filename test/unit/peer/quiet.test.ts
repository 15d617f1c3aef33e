import type { WirePacket } from '../../../harness/lab/relay.js';
import { Peer } from '../../../harness/peer/peer.js';
import type { Segment } from '../../../harness/packet/tcp.js';

/**
 * The peer's quiet step, on its own: segments are handed to it as the relay
 * would, on timers, to check how long it waits and what it counts from.
 */

function peer(): Peer {
  return new Peer({ name: 'p', other: 't', addr: '198.18.0.1', otherAddr: '198.18.0.2', family: 4, port: 7000, otherPort: 40000, send: () => {} });
}

function packet(flags: Partial<Segment['flags']>): WirePacket {
  const seg = {
    src: '198.18.0.2',
    dst: '198.18.0.1',
    family: 4,
    sport: 40000,
    dport: 7000,
    seq: 1,
    ack: 1,
    flags: { syn: false, fin: false, rst: false, psh: false, ack: true, urg: false, ece: false, cwr: false, ...flags },
    window: 1000,
    options: [],
    payload: new Uint8Array(0),
  } as Segment;
  return { t: 0, from: 't', to: 'p', data: Buffer.alloc(0), seg };
}

test('with nothing coming, quiet returns after one silent spell', async () => {
  const p = peer();
  p.send({ flags: ['ACK'] });
  const t0 = Date.now();
  await p.quiet(50, 0, 1000);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  // Not the 1000 ms an expected reply would be awaited (bounds loose for a loaded machine).
  expect(Date.now() - t0).toBeLessThan(800);
});

test('an expected reply that came before quiet started is counted: no wait for another', async () => {
  const p = peer();
  p.send({ flags: ['ACK'] });
  p.receive(packet({}));
  const t0 = Date.now();
  await p.quiet(50, 1, 2000);
  expect(Date.now() - t0).toBeLessThan(1500);
});

test('an expected reply that is late is awaited, then the silent spell follows', async () => {
  const p = peer();
  p.send({ flags: ['ACK'] });
  setTimeout(() => p.receive(packet({})), 300);
  const t0 = Date.now();
  await p.quiet(50, 1, 2000);
  const took = Date.now() - t0;
  expect(took).toBeGreaterThanOrEqual(340);
  expect(took).toBeLessThan(1800);
});

test('segments that keep coming extend the wait up to four spells', async () => {
  const p = peer();
  p.send({ flags: ['ACK'] });
  const timer = setInterval(() => p.receive(packet({})), 20);
  const t0 = Date.now();
  await p.quiet(50, 0, 0);
  clearInterval(timer);
  const took = Date.now() - t0;
  expect(took).toBeGreaterThanOrEqual(190);
  expect(took).toBeLessThan(1000);
});
