import type { State } from '../model/states.js';

/**
 * Times are microseconds on CLOCK_MONOTONIC: the tracefs instance runs with
 * `trace_clock=mono`, and Node's `process.hrtime` reads the same clock, so
 * every observer shares one time axis without conversion.
 */
export type Micros = number;

export type ObserverName = 'tracepoint' | 'sock_diag' | 'wire' | 'self-report';

/** One `sock:inet_sock_set_state` event, as the tracepoint printed it. */
export interface TraceEvent {
  t: Micros;
  family: 4 | 6;
  sport: number;
  dport: number;
  saddr: string;
  daddr: string;
  /** Linux names without the `TCP_` prefix: `SYN_RECV`, `FIN_WAIT1`, `CLOSE`, ... */
  oldstate: string;
  newstate: string;
  /**
   * Where the kernel fired the event, from the tracefs line prefix: the task
   * (`comm-pid`), the CPU and the flags field (`..s2.`). Absent when the source
   * does not give it. Fusion uses it to tell whether two transitions happened
   * while one segment was processed (docs/observers.md, rule one-segment).
   */
  ctx?: { task: string; cpu: number; flags: string };
}

/** A `timer:(name,expires,retrans)` field of `ss -o`. */
export interface SockTimer {
  name: string; // on, keepalive, timewait, persist, unknown
  /** Time left in milliseconds (ss prints 2.996ms meaning 2.996 s under 10 s; see parser). */
  expiresMs: number;
  retrans: number;
}

/** One socket line of `ss -tanoiH` run inside an endpoint's namespace. */
export interface SockDiagSocket {
  /** ss spelling: `SYN-RECV`, `TIME-WAIT`, `ESTAB`, ... */
  state: string;
  local: { addr: string; port: number };
  peer: { addr: string; port: number };
  timer?: SockTimer;
}

/**
 * One run of `ss` in one namespace: every TCP socket present (possibly none)
 * at some moment between `t`, when ss was started, and `tEnd`, when its exit
 * was seen. `t` is the accurate one: ss reads the sockets a few ms after it
 * starts, while `tEnd` can be late by however long the event loop was busy.
 */
export interface SockDiagSnapshot {
  t: Micros;
  tEnd?: Micros;
  endpoint: string;
  sockets: SockDiagSocket[];
}

/** What the harness knows about one endpoint of a lab, for attributing observations. */
export interface EndpointContext {
  name: string;
  role: 'client' | 'server';
  addr: string;
  /** The server's listening port (for a client: the port it connects to). */
  port: number;
}

/** One state of one endpoint's fused timeline. */
export interface ObservedState {
  state: State;
  /** When the state was entered. */
  t: Micros;
  /** Observers that saw this state (directly or through a documented normalization). */
  sources: ObserverName[];
  /**
   * Entered and left while the stack processed a single segment (e.g. Linux's
   * FIN_WAIT_2 between FIN_WAIT_1 and TIME_WAIT on a FIN+ACK).
   */
  transient?: boolean;
  /** Normalizations applied to reach this entry, named as in docs/observers.md. */
  notes?: string[];
}

export type Timeline = ObservedState[];
