import type { Micros, TraceEvent } from './types.js';

/**
 * Parsers for the text lines of a tracefs instance (`trace` or `trace_pipe`):
 *
 *     python3-2473    [001] ..s2.   262.361069: inet_sock_set_state: family=AF_INET ...
 *     <task>-<pid>    [cpu] flags   seconds.us: event: field=value ...
 *
 * The timestamp is in seconds with microseconds because the instance runs
 * with `trace_clock=mono`. Comment lines (`# tracer: nop`), lost-event notices
 * (`CPU:1 [LOST 12 EVENTS]`), other events and malformed lines give
 * `undefined`; these functions never throw.
 */

/** One `tcp:tcp_retransmit_synack` event: a request socket (SYN-RECV) resent its SYN-ACK. */
export interface SynackRetransmit {
  t: Micros;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
}

interface TracefsLine {
  t: Micros;
  ctx: { task: string; cpu: number; flags: string };
  event: string;
  fields: Map<string, string>;
}

// task-pid, optional "(tgid)" column (option record-tgid), [cpu], optional
// flags column (absent when the irq-info option is off), seconds.fraction.
const LINE =
  /^\s*(.+)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:([.a-zA-Z0-9]{4,5})\s+)?(\d+)\.(\d+):\s+(\w+):\s*(.*)$/;
const FIELD = /(\w+)=(\S*)/g;

function parseTracefsLine(line: string): TracefsLine | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, comm, pid, cpu, flags, secs, frac, event, body] = m;
  if (comm === undefined || secs === undefined || frac === undefined || event === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const f of (body ?? '').matchAll(FIELD)) if (f[1] !== undefined) fields.set(f[1], f[2] ?? '');
  return {
    t: toMicros(secs, frac),
    ctx: { task: `${comm.trim()}-${pid ?? ''}`, cpu: Number(cpu), flags: flags ?? '' },
    event,
    fields,
  };
}

/** `262.361069` -> 262361069 µs, from the digits (no float rounding); extra digits are rounded. */
function toMicros(secs: string, frac: string): Micros {
  const us = Number(secs) * 1_000_000 + Number((frac + '000000').slice(0, 6));
  return frac.length > 6 && Number(frac[6]) >= 5 ? us + 1 : us;
}

function port(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 65535 ? n : undefined;
}

function family(value: string | undefined): 4 | 6 | undefined {
  if (value === 'AF_INET') return 4;
  if (value === 'AF_INET6') return 6;
  return undefined;
}

/**
 * The event's own addresses: the IPv4 fields for an AF_INET socket, the IPv6
 * ones for AF_INET6 (for those the IPv4 fields hold the v4-mapped part or
 * 0.0.0.0; the v6 fields are the socket's real addresses).
 */
function addresses(f: Map<string, string>, fam: 4 | 6): { saddr: string; daddr: string } | undefined {
  const saddr = f.get(fam === 4 ? 'saddr' : 'saddrv6');
  const daddr = f.get(fam === 4 ? 'daddr' : 'daddrv6');
  if (!saddr || !daddr) return undefined;
  return { saddr, daddr };
}

function tcpState(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.startsWith('TCP_') ? value.slice(4) : value;
  return /^[A-Z][A-Z0-9_]*$/.test(bare) ? bare : undefined;
}

/** Parses one `sock:inet_sock_set_state` line of a TCP socket. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  const l = parseTracefsLine(line);
  if (!l || l.event !== 'inet_sock_set_state') return undefined;
  const f = l.fields;
  // The tracepoint also fires for SCTP and MPTCP sockets; those are not ours.
  const protocol = f.get('protocol');
  if (protocol !== undefined && protocol !== 'IPPROTO_TCP') return undefined;
  const fam = family(f.get('family'));
  if (fam === undefined) return undefined;
  const addrs = addresses(f, fam);
  const sport = port(f.get('sport'));
  const dport = port(f.get('dport'));
  const oldstate = tcpState(f.get('oldstate'));
  const newstate = tcpState(f.get('newstate'));
  if (!addrs || sport === undefined || dport === undefined || !oldstate || !newstate) return undefined;
  return { t: l.t, family: fam, sport, dport, ...addrs, oldstate, newstate, ctx: l.ctx };
}

/** Parses one `tcp:tcp_retransmit_synack` line. */
export function parseSynackRetransmit(line: string): SynackRetransmit | undefined {
  const l = parseTracefsLine(line);
  if (!l || l.event !== 'tcp_retransmit_synack') return undefined;
  const fam = family(l.fields.get('family'));
  if (fam === undefined) return undefined;
  const addrs = addresses(l.fields, fam);
  const sport = port(l.fields.get('sport'));
  const dport = port(l.fields.get('dport'));
  if (!addrs || sport === undefined || dport === undefined) return undefined;
  return { t: l.t, ...addrs, sport, dport };
}
