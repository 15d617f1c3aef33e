import type { SockDiagSocket, SockTimer } from './types.js';

/**
 * Parser for `ss -tanoiH` output (iproute2), one socket a line:
 *
 *     FIN-WAIT-2 0      0      198.18.0.1:55670 198.18.0.2:20000 timer:(timewait,4.968ms,0)
 *     	 ts sack cubic wscale:7,7 rto:204 ...        <- `-i` info line: skipped
 *
 * Columns: state, Recv-Q, Send-Q, local address:port, peer address:port,
 * then optional fields of which only `timer:(name,expires,retrans)` is read.
 * Never throws: a line that does not parse is left out.
 */

export function parseSs(output: string): SockDiagSocket[] {
  const sockets: SockDiagSocket[] = [];
  for (const line of output.split('\n')) {
    const s = parseSocketLine(line);
    if (s) sockets.push(s);
  }
  return sockets;
}

function parseSocketLine(line: string): SockDiagSocket | undefined {
  // `-i` info lines (and the blank second line of timewait sockets) start with whitespace.
  if (line === '' || /^\s/.test(line)) return undefined;
  let cols = line.trim().split(/\s+/);
  // A Netid column appears when more than one socket type is listed (not with -t alone).
  if (cols[0] === 'tcp') cols = cols.slice(1);
  const [state, recvQ, sendQ, local, peer] = cols;
  // Also rejects the header line (without -H): "State Recv-Q Send-Q ...".
  if (!state || !/^[A-Z][A-Z0-9-]*$/.test(state) || !isCount(recvQ) || !isCount(sendQ)) return undefined;
  const l = endpoint(local);
  const p = endpoint(peer);
  if (!l || !p) return undefined;
  const timer = parseTimerField(cols.slice(5).join(' '));
  return timer ? { state, local: l, peer: p, timer } : { state, local: l, peer: p };
}

function isCount(s: string | undefined): boolean {
  return s !== undefined && /^\d+$/.test(s);
}

/**
 * `addr:port` as ss prints it: `198.18.0.1:80`, `[::1]:80` (iproute2 >= 4.x),
 * `::1:80` (older), `*:80` (wildcard), `0.0.0.0:*` (no port), with an optional
 * `%ifname` scope after the address: `[fe80::1]%v0:80`. The address is kept as
 * printed without brackets and scope (`*` stays `*`); a `*` port is 0, as the
 * tracepoint reports an unset port.
 */
function endpoint(s: string | undefined): { addr: string; port: number } | undefined {
  if (!s) return undefined;
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = s.slice(colon + 1);
  let addr = s.slice(0, colon);
  const pct = addr.lastIndexOf('%');
  if (pct > addr.lastIndexOf(']')) addr = addr.slice(0, pct);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  if (addr === '') return undefined;
  if (portText === '*') return { addr, port: 0 };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return undefined;
  return { addr, port: Number(portText) };
}

const TIMER = /(?:^|\s)timer:\(([a-z]+),([^,()]*),(\d+)\)/;

function parseTimerField(rest: string): SockTimer | undefined {
  const m = TIMER.exec(rest);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  const expiresMs = parseSsDuration(m[2]);
  if (expiresMs === undefined) return undefined;
  return { name: m[1], expiresMs, retrans: Number(m[3]) };
}

/**
 * The `expires` part of an ss timer, in milliseconds.
 *
 * ss formats it with `print_ms_timer()` (misc/ss.c), from a count of ms:
 *   - 10 min or more: `12min` (seconds and ms dropped);
 *   - 1 to 10 min: `1min`, `1min2sec` (ms dropped); recorded: `1min` on a
 *     timer just armed for 60 s (handshake-syn-recv);
 *   - 10 s to 1 min: `59sec` (ms dropped);
 *   - 1 s to 10 s: `2sec` when the ms part is 0, else `2.` followed by the ms
 *     part as `%03dms`: `2.996ms`, which means 2.996 s, not 2.996 ms. iproute2
 *     6.1 prints this. Recorded: `timer:(timewait,4.980ms,0)` on a FIN-WAIT-2
 *     timewait socket 16 ms after it began with `tcp_fin_timeout=5`
 *     (client-first-close), and `timer:(on,1.996ms,1)` on a request socket
 *     4 ms after its first SYN-ACK retransmission, whose next timeout is 2 s
 *     (handshake-final-ack-lost). A 2024 iproute2 patch prints `2.996sec`
 *     instead; both are read as 2996 ms;
 *   - under 1 s: `%03dms`, zero-padded: `300ms`, `092ms` (recorded);
 *   - 0: an empty string.
 * So a decimal point always separates seconds from milliseconds, whatever
 * the unit after it. Anything else gives `undefined`.
 */
export function parseSsDuration(text: string): number | undefined {
  if (text === '') return 0;
  const frac = /^(\d+)\.(\d{3})(?:ms|sec)$/.exec(text);
  if (frac) return Number(frac[1]) * 1000 + Number(frac[2]);
  const ms = /^(\d+)ms$/.exec(text);
  if (ms) return Number(ms[1]);
  const minSec = /^(?:(\d+)min)?(?:(\d+)sec)?$/.exec(text);
  if (minSec && (minSec[1] !== undefined || minSec[2] !== undefined)) {
    return (Number(minSec[1] ?? 0) * 60 + Number(minSec[2] ?? 0)) * 1000;
  }
  return undefined;
}
