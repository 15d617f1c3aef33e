import { STATES, type State } from '../model/states.js';
import type { Micros, Timeline } from './types.js';

/**
 * The self-report observer: states a target program reports about its own
 * connections over the control channel (`state` events, docs/observers.md).
 * A userspace stack has no kernel observer; its timeline is inferred from
 * the wire, and the program's own word corroborates it: each wire state the
 * program also reported entering gets `self-report` among its sources, and
 * what the program reported that the wire does not show is listed.
 */

export interface SelfReport {
  /** CLOCK_MONOTONIC microseconds, as the program read it. */
  t: Micros;
  from: State;
  to: State;
  local: string;
  peer?: string;
}

const KNOWN = new Set<string>(STATES);

/** The well-formed `state` events among a target's events; anything else is ignored. */
export function selfReports(events: readonly Record<string, unknown>[]): SelfReport[] {
  const out: SelfReport[] = [];
  for (const e of events) {
    if (e.event !== 'state') continue;
    const { from, to, t_us: t, local, peer } = e;
    if (typeof from !== 'string' || typeof to !== 'string' || !KNOWN.has(from) || !KNOWN.has(to)) continue;
    if (typeof t !== 'number' || typeof local !== 'string') continue;
    out.push({ t, from: from as State, to: to as State, local, ...(typeof peer === 'string' ? { peer } : {}) });
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * Marks the wire timeline's states the program reported, in order, and
 * returns the reports no wire state accounts for.
 */
export function corroborate(wire: Timeline, reports: readonly SelfReport[]): { timeline: Timeline; unmatched: SelfReport[] } {
  const used = new Set<number>();
  let cursor = 0;
  const timeline = wire.map((entry) => {
    for (let i = cursor; i < reports.length; i++) {
      if (used.has(i) || reports[i]!.to !== entry.state) continue;
      used.add(i);
      cursor = i + 1;
      return entry.sources.includes('self-report') ? entry : { ...entry, sources: [...entry.sources, 'self-report' as const] };
    }
    return entry;
  });
  return { timeline, unmatched: reports.filter((_, i) => !used.has(i)) };
}
