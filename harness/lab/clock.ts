import type { Micros } from '../observe/types.js';

/** CLOCK_MONOTONIC in microseconds: the clock tracefs uses with trace_clock=mono. */
export function monoNow(): Micros {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Offset that turns a monotonic time into microseconds since the Unix epoch (for pcap). */
export function epochOffset(): Micros {
  return Date.now() * 1000 - monoNow();
}
