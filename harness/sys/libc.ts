import koffi from 'koffi';
import os from 'node:os';

/**
 * The few libc calls Node has no API for: TUN set-up (ioctl), entering a
 * network namespace (setns), poll(2) over raw descriptors, and eventfd to wake
 * that poll. Loaded lazily so that commands that never touch the kernel
 * (validate, list) work where libc or koffi is unavailable.
 */

export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const CLONE_NEWNET = 0x40000000;
export const POLLIN = 0x0001;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
export const TUNSETIFF = 0x400454ca;
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;

interface Libc {
  open(path: string, flags: number, mode: number): number;
  close: koffi.KoffiFunction & ((fd: number) => number);
  ioctl(fd: number, req: number, arg: Buffer): number;
  setns(fd: number, nstype: number): number;
  eventfd(initval: number, flags: number): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  poll: koffi.KoffiFunction;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    open: lib.func('int open(const char *path, int flags, int mode)'),
    close: lib.func('int close(int fd)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const uint8_t *addr, uint32_t len)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const uint8_t *value, uint32_t len)'),
    poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)'),
  };
  return libc;
}

export class SysError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call}: ${errnoName(errno)} (${errno})`);
  }
}

export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

function check(call: string, rc: number): number {
  if (rc < 0) throw new SysError(call, koffi.errno());
  return rc;
}

export function sysOpen(path: string, flags: number): number {
  return check(`open ${path}`, load().open(path, flags, 0));
}

export function sysClose(fd: number): void {
  load().close(fd);
}

/**
 * close(2) on a libuv worker thread. Closing the last descriptor of a TUN
 * device unregisters the device, which waits for an RCU grace period: tens
 * of milliseconds the event loop (and with it the relay) must not spend.
 */
export function sysCloseAsync(fd: number): Promise<void> {
  const { close } = load();
  return new Promise((resolve) => close.async(fd, () => resolve()));
}

export function sysIoctl(fd: number, req: number, arg: Buffer, what: string): void {
  check(what, load().ioctl(fd, req, arg));
}

export function sysSetns(fd: number): void {
  check('setns', load().setns(fd, CLONE_NEWNET));
}

export function sysEventfd(): number {
  return check('eventfd', load().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

export const AF_NETLINK = 16;
export const SOCK_DGRAM = 2;
export const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_SOCK_DIAG = 4;

export function sysSocket(domain: number, type: number, protocol: number): number {
  return check('socket', load().socket(domain, type, protocol));
}

export function sysBind(fd: number, addr: Buffer, what: string): void {
  check(what, load().bind(fd, addr, addr.length));
}

export function sysSetsockopt(fd: number, level: number, name: number, value: Buffer, what: string): void {
  check(what, load().setsockopt(fd, level, name, value, value.length));
}

/** A TAP device's frames, for the relay: packet sockets (packet(7)). */
export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const ETH_P_ALL = 0x0003;
export const SOL_PACKET = 263;
export const PACKET_IGNORE_OUTGOING = 23;
export const PACKET_QDISC_BYPASS = 20;
export const SIOCGIFINDEX = 0x8933;
export const TUNSETPERSIST = 0x400454cb;

/**
 * poll(2) on a libuv worker thread: the main thread stays free while the
 * kernel waits for any of the descriptors. `fds` is an array of struct pollfd.
 */
export function sysPollAsync(fds: Buffer, count: number, timeoutMs: number): Promise<number> {
  const { poll } = load();
  return new Promise((resolve, reject) => {
    poll.async(fds, count, timeoutMs, (err: unknown, rc: number) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(rc);
    });
  });
}
