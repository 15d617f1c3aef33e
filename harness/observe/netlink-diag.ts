import fs from 'node:fs';
import { formatIPv4, formatIPv6 } from '../packet/addr.js';
import { AF_NETLINK, NETLINK_SOCK_DIAG, SOCK_CLOEXEC, SOCK_DGRAM, sysClose, sysSocket } from '../sys/libc.js';
import type { SockDiagSocket } from './types.js';

/**
 * sock_diag over netlink, in process: what `ss -tan` shows, without starting
 * a process. A netlink socket belongs to the network namespace it was
 * created in, so one is opened inside each lab namespace (see
 * `insideNamespace`) and queried from the main thread. The kernel answers a
 * dump synchronously, so a query costs microseconds, where spawning `ss`
 * costs milliseconds of the event loop's time, which the relay needs.
 */

const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const IPPROTO_TCP = 6;
const AF_INET = 2;
const AF_INET6 = 10;
/** Every state, TIME_WAIT and the request sockets (NEW_SYN_RECV) included. */
const ALL_STATES = 0xffffffff;

/** Linux TCP state numbers, as `ss` spells them. */
const SS_STATE: Record<number, string> = {
  1: 'ESTAB',
  2: 'SYN-SENT',
  3: 'SYN-RECV',
  4: 'FIN-WAIT-1',
  5: 'FIN-WAIT-2',
  6: 'TIME-WAIT',
  7: 'UNCONN',
  8: 'CLOSE-WAIT',
  9: 'LAST-ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'SYN-RECV',
};

/** idiag_timer values, as `ss -o` names them. */
const TIMER: Record<number, string> = { 1: 'on', 2: 'keepalive', 3: 'timewait', 4: 'persist' };

export class SockDiag {
  private seq = 1;
  private readonly buf = Buffer.alloc(1 << 16);

  /** Call with the thread inside the namespace to observe. */
  static open(): SockDiag {
    return new SockDiag(sysSocket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  }

  private constructor(private readonly fd: number) {}

  /** Every TCP socket of the namespace, IPv4 and IPv6. */
  sockets(): SockDiagSocket[] {
    return [...this.dump(AF_INET), ...this.dump(AF_INET6)];
  }

  close(): void {
    sysClose(this.fd);
  }

  private dump(family: number): SockDiagSocket[] {
    const seq = this.seq++;
    const req = Buffer.alloc(16 + 56);
    req.writeUInt32LE(req.length, 0); // nlmsg_len
    req.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
    req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
    req.writeUInt32LE(seq, 8);
    // struct inet_diag_req_v2
    req.writeUInt8(family, 16);
    req.writeUInt8(IPPROTO_TCP, 17);
    req.writeUInt32LE(ALL_STATES, 20);
    fs.writeSync(this.fd, req);
    const out: SockDiagSocket[] = [];
    for (;;) {
      const n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null);
      let off = 0;
      while (off + 16 <= n) {
        const len = this.buf.readUInt32LE(off);
        const type = this.buf.readUInt16LE(off + 4);
        if (len < 16 || off + len > n) return out;
        if (type === NLMSG_DONE) return out;
        if (type === NLMSG_ERROR) throw new Error(`sock_diag: netlink error ${-this.buf.readInt32LE(off + 16)}`);
        if (type === SOCK_DIAG_BY_FAMILY) {
          const s = this.parse(off + 16, family);
          if (s) out.push(s);
        }
        off += (len + 3) & ~3;
      }
    }
  }

  /** struct inet_diag_msg at `at`. */
  private parse(at: number, family: number): SockDiagSocket | undefined {
    const b = this.buf;
    const state = SS_STATE[b.readUInt8(at + 1)];
    if (!state) return undefined;
    const timer = b.readUInt8(at + 2);
    const retrans = b.readUInt8(at + 3);
    const sport = b.readUInt16BE(at + 4);
    const dport = b.readUInt16BE(at + 6);
    const addr = (o: number) => (family === AF_INET ? formatIPv4(b, o) : formatIPv6(b, o));
    const expires = b.readUInt32LE(at + 52); // idiag_expires, after the 48-byte socket id
    const socket: SockDiagSocket = {
      state,
      local: { addr: addr(at + 8), port: sport },
      peer: { addr: addr(at + 24), port: dport },
    };
    const name = TIMER[timer];
    if (name) socket.timer = { name, expiresMs: expires, retrans };
    return socket;
  }
}
