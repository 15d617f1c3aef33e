import fs from 'node:fs';
import type { Micros } from '../observe/types.js';
import { decodePacket, encodeSegment, type Segment } from '../packet/tcp.js';
import { answerArp, BROADCAST_MAC, decodeEthernet, encodeEthernet, ETHERTYPE_IPV4, ETHERTYPE_IPV6, formatMac, type Mac } from '../packet/ether.js';
import type { Reactor } from '../sys/reactor.js';
import { monoNow } from './clock.js';
import { FaultEngine, type FaultRule } from './faults.js';
import { ConnectionTracker, type InjectRequest } from './tracker.js';

/**
 * The harness on the wire: every IP packet one endpoint's TUN device emits
 * is recorded and, unless a wire rule says otherwise, written into the other
 * endpoint's TUN device. Writing a packet runs the receiving namespace's TCP
 * input inside the write call, so the order of deliveries here is the order
 * in which the stacks processed them.
 */

export type Fault = 'dropped' | 'held' | 'delayed' | 'duplicated' | 'reordered' | 'injected';

export interface WirePacket {
  /** When the relay read it from the sender. */
  t: Micros;
  from: string;
  to: string;
  data: Buffer;
  /** The TCP segment it carries, decoded once when the relay first saw it; undefined for anything else. */
  seg?: Segment;
  /** What a wire rule did with it; absent when it went straight through. */
  fault?: Fault;
  /** The rule responsible. */
  rule?: string;
  /** When it was written into the receiver (undefined: never). */
  delivered?: Micros;
}

export interface RelayPort {
  endpoint: string;
  fd: number;
  /**
   * `ip` (default): the descriptor carries IP packets (a TUN device).
   * `ethernet`: it carries Ethernet frames (a packet socket on a TAP device
   * a userspace stack is attached to); the relay strips and adds the
   * framing and answers the stack's ARP requests, so everything else sees
   * the same IP packets as on a TUN device.
   */
  link?: 'ip' | 'ethernet';
}

/** The relay's own hardware address on TAP links (locally administered). */
export const RELAY_MAC: Mac = new Uint8Array([0x02, 0x74, 0x63, 0x00, 0x00, 0x01]);

/** What the relay did at the link layer of a TAP endpoint. */
export interface LinkEvent {
  t: Micros;
  endpoint: string;
  /** `arp-answered`: an ARP request for `detail` answered with RELAY_MAC; `ignored`: a frame that carried no IPv4. */
  what: 'arp-answered' | 'ignored';
  detail: string;
}

const MAX_PACKET = 65536;

export class Relay {
  readonly packets: WirePacket[] = [];
  readonly faults = new FaultEngine();
  readonly tracker = new ConnectionTracker();
  private readonly listeners = new Set<(p: WirePacket) => void>();
  private readonly buf = Buffer.alloc(MAX_PACKET);
  private readonly ports: Map<string, RelayPort>;
  private readonly held = new Map<string, WirePacket[]>();
  /** Per sender: a segment waiting for the next one from the same sender to overtake it. */
  private readonly reordering = new Map<string, WirePacket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private started = false;
  /** Link-layer work on TAP endpoints: ARP answered, frames ignored. */
  readonly link: LinkEvent[] = [];
  /** Per TAP endpoint: frames written to it (IP packets and ARP answers), to tell when its program has taken them all in. */
  readonly framesWritten = new Map<string, number>();
  /** Per TAP endpoint: the stack's hardware address, learned from its frames. */
  private readonly stackMacs = new Map<string, Mac>();
  /** Receives what is sent to an endpoint the harness plays itself (a port with fd -1). */
  private peerSink: ((p: WirePacket) => void) | undefined;

  constructor(
    private readonly reactor: Reactor,
    private readonly a: RelayPort,
    private readonly b: RelayPort,
  ) {
    this.ports = new Map([
      [a.endpoint, a],
      [b.endpoint, b],
    ]);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.a.fd >= 0) this.reactor.add(this.a.fd, () => this.drain(this.a, this.b));
    if (this.b.fd >= 0) this.reactor.add(this.b.fd, () => this.drain(this.b, this.a));
  }

  /** Where segments for the harness-played endpoint go. */
  setPeerSink(sink: (p: WirePacket) => void): void {
    this.peerSink = sink;
  }

  /** A segment the harness-played endpoint sends: routed like any other, through the wire rules. */
  sendFromPeer(from: string, data: Buffer): void {
    const to = from === this.a.endpoint ? this.b : this.a;
    const packet = record({ t: monoNow(), from, to: to.endpoint, data });
    this.packets.push(packet);
    this.route(packet);
  }

  /** Called for every packet the relay delivers, after the receiver has processed it. */
  onPacket(listener: (p: WirePacket) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  startRule(rule: FaultRule): void {
    this.faults.start(rule);
  }

  /** Ends a rule (or `all`) and delivers, in arrival order, what it held. */
  release(name: string): void {
    const ended = this.faults.end(name);
    const due = ended
      .flatMap((n) => this.held.get(n) ?? [])
      .sort((x, y) => x.t - y.t);
    for (const n of ended) this.held.delete(n);
    for (const p of due) this.deliver(p);
  }

  /**
   * Reads whatever the endpoints have already emitted, now, rather than at
   * the next turn of the poll loop: on a busy machine that turn can come many
   * milliseconds later, and a step that changes the wire rules must find
   * every segment the stacks sent before it already routed.
   */
  flush(): void {
    if (!this.started) return;
    if (this.a.fd >= 0) this.drain(this.a, this.b);
    if (this.b.fd >= 0) this.drain(this.b, this.a);
  }

  /** Writes a segment of the harness's own making into `req.to`, placed in the connection's sequence space. */
  inject(req: InjectRequest): void {
    const seg = this.tracker.craft(req);
    const packet: WirePacket = { t: monoNow(), from: req.from, to: req.to, data: Buffer.from(encodeSegment(seg)), seg, fault: 'injected' };
    this.packets.push(packet);
    this.deliver(packet);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!this.started) return;
    this.started = false;
    await Promise.all([this.a, this.b].filter((p) => p.fd >= 0).map((p) => this.reactor.remove(p.fd)));
  }

  private drain(from: RelayPort, to: RelayPort): void {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(from.fd, this.buf, 0, MAX_PACKET, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        // A packet socket reports its TAP device going down (the program let go of it) once; the next read goes on.
        if (from.link === 'ethernet' && (code === 'ENETDOWN' || code === 'ENXIO')) continue;
        throw err;
      }
      if (n <= 0) return;
      const data = from.link === 'ethernet' ? this.unframe(from, this.buf.subarray(0, n)) : Buffer.from(this.buf.subarray(0, n));
      if (!data) continue;
      const packet = record({ t: monoNow(), from: from.endpoint, to: to.endpoint, data });
      this.packets.push(packet);
      this.route(packet);
    }
  }

  /** Applies the first matching wire rule; non-TCP packets always pass. */
  private route(packet: WirePacket): void {
    const rule = packet.seg && this.faults.decide(packet.from, packet.seg);
    const waiting = this.reordering.get(packet.from);
    if (!rule) {
      this.deliver(packet);
      if (waiting) {
        this.reordering.delete(packet.from);
        this.deliver(waiting);
      }
      return;
    }
    packet.rule = rule.name;
    switch (rule.action) {
      case 'drop':
        packet.fault = 'dropped';
        return;
      case 'hold':
        packet.fault = 'held';
        this.held.set(rule.name, [...(this.held.get(rule.name) ?? []), packet]);
        return;
      case 'delay': {
        packet.fault = 'delayed';
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (this.started) this.deliver(packet);
        }, rule.ms ?? 0);
        this.timers.add(timer);
        return;
      }
      case 'duplicate': {
        this.deliver(packet);
        const copy: WirePacket = { ...packet, t: monoNow(), fault: 'duplicated' };
        this.packets.push(copy);
        this.deliver(copy);
        return;
      }
      case 'reorder':
        packet.fault = 'reordered';
        if (waiting) this.deliver(waiting);
        this.reordering.set(packet.from, packet);
        return;
    }
  }

  /**
   * The IP packet a frame from a TAP endpoint carries. ARP requests are
   * answered here, at once, with the relay's address for whatever the stack
   * asks about; frames without IPv4 are not on the wire the specs judge.
   */
  private unframe(port: RelayPort, bytes: Uint8Array): Buffer | undefined {
    const frame = decodeEthernet(bytes);
    if (!frame) return undefined;
    if (!(frame.src[0]! & 1)) this.stackMacs.set(port.endpoint, Uint8Array.from(frame.src));
    if (frame.type === ETHERTYPE_IPV4) return Buffer.from(frame.payload);
    const answer = answerArp(frame, RELAY_MAC);
    if (answer) {
      try {
        this.writeFrame(port, answer);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'ENETDOWN' && code !== 'ENXIO' && code !== 'ENOBUFS') throw err;
      }
      const ip = frame.payload.subarray(24, 28);
      this.link.push({ t: monoNow(), endpoint: port.endpoint, what: 'arp-answered', detail: [...ip].join('.') });
      return undefined;
    }
    this.link.push({ t: monoNow(), endpoint: port.endpoint, what: 'ignored', detail: `ethertype 0x${frame.type.toString(16).padStart(4, '0')} from ${formatMac(frame.src)}` });
    return undefined;
  }

  /** An IP packet framed for a TAP endpoint: to the stack's address once known, broadcast before. */
  private frame(port: RelayPort, ip: Buffer): Uint8Array {
    const type = ip[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    return encodeEthernet({ dst: this.stackMacs.get(port.endpoint) ?? BROADCAST_MAC, src: RELAY_MAC, type, payload: ip });
  }

  /** Writes one frame to a TAP endpoint, counted. */
  private writeFrame(port: RelayPort, frame: Uint8Array): void {
    fs.writeSync(port.fd, frame);
    this.framesWritten.set(port.endpoint, (this.framesWritten.get(port.endpoint) ?? 0) + 1);
  }

  private deliver(packet: WirePacket): void {
    const to = this.ports.get(packet.to);
    if (!to) return;
    try {
      if (to.fd >= 0 && to.link === 'ethernet') this.writeFrame(to, this.frame(to, packet.data));
      else if (to.fd >= 0) fs.writeSync(to.fd, packet.data);
      packet.delivered = monoNow();
      if (to.fd < 0) this.peerSink?.(packet);
      if (packet.seg) this.tracker.delivered(packet.from, packet.seg);
    } catch (err) {
      // The receiving device is gone or full: the packet is lost on the wire, as it would be.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EIO' && code !== 'EBADF' && code !== 'ENETDOWN' && code !== 'ENXIO' && code !== 'ENOBUFS') throw err;
    }
    for (const listener of this.listeners) listener(packet);
  }
}

/** A packet as the relay records it: with its TCP segment decoded once, here. */
function record(p: WirePacket): WirePacket {
  const seg = decodePacket(p.data);
  if (seg) p.seg = seg;
  return p;
}
