import fs from 'node:fs';
import type { Micros } from '../observe/types.js';
import type { Reactor } from '../sys/reactor.js';
import { monoNow } from './clock.js';

/**
 * The harness on the wire: every IP packet one endpoint's TUN device emits
 * is recorded and written into the other endpoint's TUN device. Writing a
 * packet runs the receiving namespace's TCP input inside the write call, so
 * the order of packets here is the order the stacks processed them.
 */

export interface WirePacket {
  t: Micros;
  from: string;
  to: string;
  data: Buffer;
}

export interface RelayPort {
  endpoint: string;
  fd: number;
}

const MAX_PACKET = 65536;

export class Relay {
  readonly packets: WirePacket[] = [];
  private readonly listeners = new Set<(p: WirePacket) => void>();
  private readonly buf = Buffer.alloc(MAX_PACKET);
  private started = false;

  constructor(
    private readonly reactor: Reactor,
    private readonly a: RelayPort,
    private readonly b: RelayPort,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.reactor.add(this.a.fd, () => this.drain(this.a, this.b));
    this.reactor.add(this.b.fd, () => this.drain(this.b, this.a));
  }

  /** Called for every packet after it has been delivered. */
  onPacket(listener: (p: WirePacket) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all([this.reactor.remove(this.a.fd), this.reactor.remove(this.b.fd)]);
  }

  private drain(from: RelayPort, to: RelayPort): void {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(from.fd, this.buf, 0, MAX_PACKET, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        throw err;
      }
      if (n <= 0) return;
      const packet: WirePacket = { t: monoNow(), from: from.endpoint, to: to.endpoint, data: Buffer.from(this.buf.subarray(0, n)) };
      this.packets.push(packet);
      try {
        fs.writeSync(to.fd, packet.data);
      } catch (err) {
        // The receiving device is gone or full: the packet is lost on the wire, as it would be.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EIO' && code !== 'EBADF') throw err;
      }
      for (const listener of this.listeners) listener(packet);
    }
  }
}
