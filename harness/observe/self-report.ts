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

export interface Corroborated {
  timeline: Timeline;
  /** Reports no state of the timeline accounts for. */
  unmatched: SelfReport[];
  /** Why the timeline differs from the wire's, one line each (times in microseconds, absolute). */
  notes: { t: Micros; text: string }[];
}

const connection = (r: SelfReport): string => `${r.local}|${r.peer ?? ''}`;

/**
 * The wire's timeline of one endpoint, checked against its program's
 * self-report (docs/observers.md, "Self-report"):
 *
 * - a wire state the program also reported entering gets `self-report`
 *   among its sources (reports are matched in order);
 * - a wire state the program did not report is kept, and listed;
 * - where the wire inferred a change that sends nothing (a RST received in
 *   TIME_WAIT, a SYN in SYN_SENT) and the program, having taken in every
 *   frame up to `caughtUp`, reported no such state, the program is
 *   believed: the entry is dropped and the state before it is marked
 *   `self-report-stayed` (a state entered and left within one segment,
 *   `transient`, is kept: the program cannot see those);
 * - changes after the last wire state that only the program saw (a timer
 *   ending FIN_WAIT_2 or SYN_RCVD in silence) are appended, from
 *   `self-report` alone; a connection that dies in SYN_RCVD while its
 *   listener still listens leaves the endpoint in LISTEN, as RFC 9293's
 *   single TCB returns there (`listener-remains`).
 */
export function corroborate(wire: Timeline, reports: readonly SelfReport[], caughtUp: Micros = -Infinity): Corroborated {
  const used = new Set<number>();
  const notes: Corroborated['notes'] = [];
  const timeline: Timeline = [];
  let cursor = 0;
  let last: SelfReport | undefined;
  // A connection that dies in SYN_RCVD while its listener still listens leaves the endpoint in LISTEN.
  const entered = (r: SelfReport): State =>
    r.from === 'SYN_RCVD' && r.to === 'CLOSED' && listenerOpen(reports, r.local, r.t) ? 'LISTEN' : r.to;
  for (const [i, entry] of wire.entries()) {
    // Every connection starts in CLOSED; the program reports only changes.
    if (i === 0 && entry.state === 'CLOSED') {
      timeline.push(entry);
      continue;
    }
    const at = reports.findIndex((r, k) => k >= cursor && !used.has(k) && entered(r) === entry.state);
    if (at >= 0) {
      used.add(at);
      cursor = at + 1;
      last = reports[at]!;
      timeline.push(entry.sources.includes('self-report') ? entry : { ...entry, sources: [...entry.sources, 'self-report'] });
      continue;
    }
    // The program scans its states between frames, so it cannot see one
    // entered and left within one segment (`transient`); any other state the
    // wire implies, it would have reported by the time it caught up.
    if (last && !entry.transient && entry.t < caughtUp) {
      const conn = connection(last);
      const next = reports.find((r, k) => !used.has(k) && connection(r) === conn && r.t > last!.t && r.from === last!.to);
      notes.push({
        t: entry.t,
        text: next
          ? `the wire implies ${entry.state}; the program reports it went from ${last.to} to ${next.to} instead`
          : `the wire implies ${entry.state}; the program reports it stayed in ${last.to}`,
      });
      const prev = timeline.at(-1);
      if (prev && !prev.notes?.includes('self-report-stayed')) timeline[timeline.length - 1] = { ...prev, notes: [...(prev.notes ?? []), 'self-report-stayed'] };
      continue;
    }
    notes.push({ t: entry.t, text: `the wire implies ${entry.state}; the program reported no such state` });
    timeline.push(entry);
  }
  // What only the program saw, after the last state the wire shows.
  for (let k = cursor; k < reports.length; k++) {
    const r = reports[k]!;
    const tail = timeline.at(-1);
    if (used.has(k) || !tail || !last || r.t <= tail.t || connection(r) !== connection(last) || r.from !== last.to) continue;
    used.add(k);
    const listening = entered(r) !== r.to;
    timeline.push({
      state: entered(r),
      t: r.t,
      sources: ['self-report'],
      notes: listening ? ['listener-remains'] : [],
    });
    last = r;
  }
  return { timeline, unmatched: reports.filter((_, k) => !used.has(k)), notes };
}

/** Whether a listener on `local` was open at time `t`, by the program's own reports. */
function listenerOpen(reports: readonly SelfReport[], local: string, t: Micros): boolean {
  let open = false;
  for (const r of reports) {
    if (r.t > t) break;
    if (r.local !== local || r.peer !== undefined) continue;
    if (r.to === 'LISTEN') open = true;
    else if (r.from === 'LISTEN') open = false;
  }
  return open;
}
