import fs from 'node:fs';
import { runCommand } from '../sys/runner.js';
import {
  IFF_NO_PI,
  IFF_TUN,
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

/** Creates a TUN device (IP packets, no packet-info header); returns its non-blocking fd. */
export function openTun(ifname: string): number {
  const fd = sysOpen('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
  try {
    const ifr = Buffer.alloc(40); // struct ifreq
    ifr.write(ifname, 0, 15, 'ascii');
    ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, 16);
    sysIoctl(fd, TUNSETIFF, ifr, `TUNSETIFF ${ifname}`);
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

/** Writes sysctls of the current thread's namespace (call inside `insideNamespace`). */
export function writeSysctls(values: Record<string, string | number>): void {
  for (const [key, value] of Object.entries(values)) {
    fs.writeFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, String(value));
  }
}
