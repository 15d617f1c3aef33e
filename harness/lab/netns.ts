import fs from 'node:fs';
import { runCommand } from '../sys/runner.js';
import {
  AF_PACKET,
  ETH_P_ALL,
  IFF_NO_PI,
  IFF_TAP,
  IFF_TUN,
  PACKET_IGNORE_OUTGOING,
  PACKET_QDISC_BYPASS,
  SIOCGIFINDEX,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_PACKET,
  TUNSETPERSIST,
  sysBind,
  sysSetsockopt,
  sysSocket,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  TUNSETIFF,
  sysClose,
  sysIoctl,
  sysOpen,
  sysSetns,
} from '../sys/libc.js';

/**
 * Network namespaces and what the harness does inside them. Namespaces are
 * made and removed with iproute2 (`ip netns`), so that they appear under
 * /run/netns where users and the reaper can see them.
 */

export async function addNamespace(name: string): Promise<void> {
  await checked(['ip', 'netns', 'add', name]);
}

export async function deleteNamespace(name: string): Promise<void> {
  await runCommand(['ip', 'netns', 'delete', name]);
}

/** Runs a helper command (through the command shell, see sys/runner.ts); throws with its output when it fails. */
async function checked(argv: string[], input?: string): Promise<void> {
  const r = await runCommand(argv, input);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed with status ${r.exitCode}: ${r.output.trim()}`);
}

export async function listNamespaces(): Promise<string[]> {
  try {
    return fs.readdirSync('/run/netns');
  } catch {
    return [];
  }
}

/** Runs several `ip` commands inside a namespace with one process. */
export async function ipBatch(ns: string, commands: string[]): Promise<void> {
  await checked(['ip', '-n', ns, '-batch', '-'], commands.join('\n') + '\n');
}

/**
 * Runs `fn` with the calling thread inside namespace `ns`, then returns to
 * the original one. Only the main thread moves (setns is per thread), and
 * only for the duration of synchronous work, so nothing else of Node's can
 * run in the wrong namespace meanwhile. Used to create TUN devices and set
 * sysctls directly in the lab, without ever configuring the host namespace.
 */
export function insideNamespace<T>(ns: string, fn: () => T): T {
  const home = sysOpen('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
  try {
    const target = sysOpen(`/run/netns/${ns}`, O_RDONLY | O_CLOEXEC);
    try {
      sysSetns(target);
    } finally {
      sysClose(target);
    }
    try {
      return fn();
    } finally {
      sysSetns(home);
    }
  } finally {
    sysClose(home);
  }
}

/** A `struct ifreq` naming `ifname`, with `flags` (ifr_flags) where given. */
function ifreq(ifname: string, flags?: number): Buffer {
  const ifr = Buffer.alloc(40);
  ifr.write(ifname, 0, 15, 'ascii');
  if (flags !== undefined) ifr.writeUInt16LE(flags, 16);
  return ifr;
}

/** Creates a TUN device (IP packets, no packet-info header); returns its non-blocking fd. */
export function openTun(ifname: string): number {
  const fd = sysOpen('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
  try {
    sysIoctl(fd, TUNSETIFF, ifreq(ifname, IFF_TUN | IFF_NO_PI), `TUNSETIFF ${ifname}`);
    return fd;
  } catch (err) {
    sysClose(fd);
    throw err;
  }
}

/**
 * Creates a persistent TAP device (Ethernet frames) in the current thread's
 * namespace, for a userspace stack to attach to itself: a TAP takes one
 * owner at a time, so the harness lets go of it at once and reaches the
 * wire through a packet socket instead (`openPacketSocket`). The device
 * goes away with its namespace.
 */
export function createTap(ifname: string): void {
  const fd = sysOpen('/dev/net/tun', O_RDWR | O_CLOEXEC);
  try {
    sysIoctl(fd, TUNSETIFF, ifreq(ifname, IFF_TAP | IFF_NO_PI), `TUNSETIFF ${ifname}`);
    sysIoctl(fd, TUNSETPERSIST, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), `TUNSETPERSIST ${ifname}`);
  } finally {
    sysClose(fd);
  }
}

/**
 * A non-blocking packet socket on `ifname` (current thread's namespace):
 * reading it gives every frame the program attached to the TAP device
 * writes; writing a frame to it hands that frame to the program. Frames
 * the namespace's own kernel sends out are ignored.
 */
export function openPacketSocket(ifname: string): number {
  const proto = ((ETH_P_ALL & 0xff) << 8) | (ETH_P_ALL >> 8); // htons
  const fd = sysSocket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  try {
    const ifr = ifreq(ifname);
    sysIoctl(fd, SIOCGIFINDEX, ifr, `SIOCGIFINDEX ${ifname}`);
    const ifindex = ifr.readInt32LE(16);
    const sll = Buffer.alloc(20); // struct sockaddr_ll
    sll.writeUInt16LE(AF_PACKET, 0);
    sll.writeUInt16LE(proto, 2);
    sll.writeInt32LE(ifindex, 4);
    sysBind(fd, sll, `bind packet socket to ${ifname}`);
    sysSetsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, Buffer.from([1, 0, 0, 0]), 'PACKET_IGNORE_OUTGOING');
    // Straight to the device: after the program attaches, the kernel activates
    // the device's queueing discipline only at its next link-watch run (up to
    // a second later), and until then frames sent through it are dropped.
    sysSetsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, Buffer.from([1, 0, 0, 0]), 'PACKET_QDISC_BYPASS');
    return fd;
  } catch (err) {
    sysClose(fd);
    throw err;
  }
}

/**
 * Opens sysctls of the current thread's namespace (call inside
 * `insideNamespace`), to be written later from any thread with
 * `writeSysctlFiles`: an open sysctl file stays bound to the namespace it was
 * opened in. Some writes (`disable_ipv6`) retry until they get the kernel's
 * rtnl lock, which namespaces being made or removed elsewhere hold for long
 * stretches; written from the thread pool, that wait blocks no event loop.
 */
export function openSysctls(values: Record<string, string | number>): { fd: number; key: string; value: string }[] {
  const opened: { fd: number; key: string; value: string }[] = [];
  try {
    for (const [key, value] of Object.entries(values)) {
      opened.push({ fd: fs.openSync(`/proc/sys/${key.replaceAll('.', '/')}`, fs.constants.O_WRONLY), key, value: String(value) });
    }
  } catch (err) {
    for (const o of opened) fs.closeSync(o.fd);
    throw err;
  }
  return opened;
}

/** Writes and closes sysctl files opened with `openSysctls`; all are closed even when one write fails. */
export async function writeSysctlFiles(opened: { fd: number; key: string; value: string }[]): Promise<void> {
  const written = await Promise.allSettled(
    opened.map(
      (o) =>
        new Promise<void>((resolve, reject) =>
          fs.write(o.fd, o.value, (err) => {
            fs.close(o.fd, () => {});
            if (err) reject(new Error(`sysctl ${o.key}=${o.value}: ${err.message}`));
            else resolve();
          }),
        ),
    ),
  );
  const failed = written.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed) throw failed.reason;
}

