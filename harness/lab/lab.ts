import { SockDiag } from '../observe/netlink-diag.js';
import type { Micros } from '../observe/types.js';
import { sysClose, sysCloseAsync } from '../sys/libc.js';
import type { Reactor } from '../sys/reactor.js';
import { monoNow } from './clock.js';
import { addNamespace, createTap, deleteNamespace, insideNamespace, ipBatch, openPacketSocket, openSysctls, openTun, writeSysctlFiles } from './netns.js';
import { blockAddress4, blockAddress6, claimBlock, namespaceName, releaseBlock, tapName, tunName } from './names.js';
import { Relay } from './relay.js';

/**
 * A lab: one network namespace per endpoint, each with a TUN device whose
 * descriptor the harness holds, and the relay between them. Nothing is
 * configured outside the lab's namespaces.
 */

export interface LabEndpoint {
  name: string;
  /** The endpoint's namespace; empty for a peer (the harness itself, which needs none). */
  ns: string;
  addr: string;
  ifname: string;
  /** The TUN device's descriptor (a packet socket on the TAP device for a userspace endpoint); -1 for a peer. */
  fd: number;
  /** For an endpoint whose program brings its own TCP stack: the TAP device it attaches to (`{tap}`). */
  tap?: string;
  /** sock_diag of this endpoint's namespace; absent for a peer. */
  diag?: SockDiag;
  peer: boolean;
}

export interface LabOptions {
  run: string;
  index: number;
  /** Exactly two endpoint names; the relay joins them. */
  endpoints: [string, string];
  reactor: Reactor;
  /** Extra sysctls set in every namespace of the lab. */
  sysctls?: Record<string, string | number>;
  /** The connection's address family. */
  family: 4 | 6;
  /** Endpoints the harness plays itself: no namespace, the relay hands their segments to the harness. */
  peers?: string[];
  /**
   * Endpoints whose program brings its own TCP/IP stack: they get a TAP
   * device (Ethernet) instead of a TUN device, no kernel address or route,
   * and the relay reaches them through a packet socket. IPv4 only.
   */
  userspace?: string[];
  /** Lower bound of the retransmission timeout on the lab's routes (kernel default when absent). */
  rtoMinMs?: number;
}

/**
 * Sysctls every lab namespace gets. IPv4 labs switch IPv6 off; IPv6 labs
 * keep it but generate no link-local address and take no router
 * advertisements, so nothing but the spec's own traffic is on the wire.
 */
const BASE_SYSCTLS: Record<4 | 6, Record<string, number>> = {
  4: { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 },
  6: {
    'net.ipv6.conf.default.addr_gen_mode': 1,
    'net.ipv6.conf.all.accept_ra': 0,
    'net.ipv6.conf.default.accept_ra': 0,
    'net.ipv6.conf.all.accept_dad': 0,
    'net.ipv6.conf.default.accept_dad': 0,
  },
};

/** A userspace stack's namespace: its kernel routes nothing between devices. */
const USERSPACE_SYSCTLS: Record<string, number> = { 'net.ipv4.ip_forward': 0, 'net.ipv4.conf.all.forwarding': 0 };

export class Lab {
  readonly endpoints = new Map<string, LabEndpoint>();
  readonly relay: Relay;
  readonly startedAt: Micros;
  /** The server's port: unique on the machine like the addresses, so a wildcard listener is still told apart. */
  readonly port: number;
  private destroyed: Promise<void> | undefined;

  private constructor(
    readonly run: string,
    readonly index: number,
    readonly block: number,
    endpoints: LabEndpoint[],
    reactor: Reactor,
  ) {
    for (const e of endpoints) this.endpoints.set(e.name, e);
    const [a, b] = endpoints as [LabEndpoint, LabEndpoint];
    const port = (e: LabEndpoint) => ({ endpoint: e.name, fd: e.fd, ...(e.tap ? { link: 'ethernet' as const } : {}) });
    this.relay = new Relay(reactor, port(a), port(b));
    this.startedAt = monoNow();
    this.port = 10000 + block;
  }

  static async create(opts: LabOptions): Promise<Lab> {
    const block = claimBlock(opts.run);
    const made: { ns: string; fd?: number; diag?: SockDiag }[] = [];
    const sysctls: ReturnType<typeof openSysctls>[] = [];
    let sysctlsWritten = false;
    try {
      if (opts.family === 6 && opts.userspace?.length)
        throw new Error(`a userspace stack's endpoint (${opts.userspace.join(', ')}) runs over IPv4 only`);
      const ifname = tunName(opts.run);
      const tap = tapName(opts.run);
      const specs = opts.endpoints.map((name, i) => ({
        name,
        peer: opts.peers?.includes(name) ?? false,
        ns: opts.peers?.includes(name) ? '' : namespaceName(opts.run, opts.index, name),
        addr: opts.family === 6 ? blockAddress6(block, i + 1) : blockAddress4(block, i + 1),
      }));
      const real = specs.filter((s) => !s.peer);
      await Promise.all(
        real.map(async (s) => {
          const entry: { ns: string; fd?: number; diag?: SockDiag } = { ns: s.ns };
          made.push(entry);
          await addNamespace(s.ns);
        }),
      );
      // Settings first: a device copies the namespace's `default` ones when it is created.
      // A userspace stack's namespace keeps its own kernel off the wire: no forwarding.
      for (const s of real) {
        const own = opts.userspace?.includes(s.name) ? USERSPACE_SYSCTLS : {};
        sysctls.push(insideNamespace(s.ns, () => openSysctls({ ...BASE_SYSCTLS[opts.family], ...opts.sysctls, ...own })));
      }
      sysctlsWritten = true;
      await Promise.all(sysctls.map(writeSysctlFiles));
      const endpoints: LabEndpoint[] = specs.map((s) => {
        if (s.peer) return { ...s, ifname: '', fd: -1 };
        const entry = made.find((m) => m.ns === s.ns)!;
        if (opts.userspace?.includes(s.name)) {
          const fd = insideNamespace(s.ns, () => {
            // The namespace's own kernel stays off this wire: no address (and no forwarding, above).
            createTap(tap);
            const fd = openPacketSocket(tap);
            entry.fd = fd;
            return fd;
          });
          return { ...s, ifname: tap, fd, tap };
        }
        const { fd, diag } = insideNamespace(s.ns, () => {
          const fd = openTun(ifname);
          entry.fd = fd;
          return { fd, diag: SockDiag.open() };
        });
        entry.diag = diag;
        return { ...s, ifname, fd, diag };
      });
      await Promise.all(
        endpoints.map((e, i) => {
          if (e.peer) return undefined;
          if (e.tap) return ipBatch(e.ns, ['link set lo up', `link set ${e.tap} up`]);
          const peer = endpoints[1 - i]!;
          const plen = opts.family === 6 ? 128 : 32;
          return ipBatch(e.ns, [
            'link set lo up',
            `link set ${ifname} up txqueuelen 10000`,
            `addr add ${e.addr}/${plen} dev ${ifname}${opts.family === 6 ? ' nodad' : ''}`,
            `route add ${peer.addr}/${plen} dev ${ifname}${opts.rtoMinMs ? ` rto_min ${opts.rtoMinMs}ms` : ''}`,
          ]);
        }),
      );
      const lab = new Lab(opts.run, opts.index, block, endpoints, opts.reactor);
      lab.relay.start();
      return lab;
    } catch (err) {
      if (!sysctlsWritten) for (const o of sysctls.flat()) sysClose(o.fd);
      for (const m of made) {
        if (m.fd !== undefined) sysClose(m.fd);
        m.diag?.close();
      }
      await Promise.all(made.map((m) => deleteNamespace(m.ns)));
      releaseBlock(block);
      throw err;
    }
  }

  endpoint(name: string): LabEndpoint {
    const e = this.endpoints.get(name);
    if (!e) throw new Error(`lab has no endpoint ${name}`);
    return e;
  }

  /** Removes everything of the lab; safe to call more than once. Processes inside must be gone first. */
  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      await this.relay.stop();
      const real = [...this.endpoints.values()].filter((e) => !e.peer);
      for (const e of real) e.diag?.close();
      await Promise.all(
        real.map(async (e) => {
          await sysCloseAsync(e.fd);
          await deleteNamespace(e.ns);
        }),
      );
      releaseBlock(this.block);
    })();
    return this.destroyed;
  }
}
