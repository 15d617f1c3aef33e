import type { State } from '../model/states.js';
import type { Timeline } from '../observe/types.js';
import type { Spec } from '../spec/types.js';
import type { Observations } from './observations.js';
import { isPrefix, matchTimeline } from './verdict.js';

/**
 * Waiting on the stacks: for awaited states, for the observation to complete
 * after the last step, and the bookkeeping of how long that took.
 */

/**
 * Where a spec's wall time went, in milliseconds. `waitMs` is the part of
 * `stepsMs` spent blocked on the stacks: awaits, the settle after the last
 * step, a peer waiting for a segment, accept and recv waiting for the other
 * end. The rest is the harness's (and the target's control round trips).
 */
export interface Timing {
  labMs: number;
  startMs: number;
  stepsMs: number;
  waitMs: number;
  teardownMs: number;
}

/** Which states only sock_diag shows on Linux: awaiting them means polling ss. */
export const SS_NEEDED: ReadonlySet<State> = new Set(['LISTEN', 'SYN_RCVD', 'TIME_WAIT', 'FIN_WAIT_2', 'CLOSED']);

/** Longest wait between two `ss` samples when nothing happens on the wire. */
export const SS_RESAMPLE_MS = 50;

export class SpecError extends Error {}

/** An awaited state never came: the endpoint behaved differently, a `fail`. */
export class AwaitTimeout extends Error {
  constructor(
    message: string,
    /** The endpoints and states still awaited when time ran out. */
    readonly pending: [string, State][] = [],
  ) {
    super(message);
  }
}

/** Awaits `p`, counting the time as a wait on the stacks. */
export async function waited<T>(timing: Timing | undefined, p: Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await p;
  } finally {
    if (timing) timing.waitMs += performance.now() - t0;
  }
}

/** Waits until every endpoint's observation completes its expectation, diverges from it, or time runs out. */
export async function settle(spec: Spec, obs: Observations, settleMs: number, checkTargets: () => void, timing?: Timing): Promise<void> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    checkTargets();
    const timelines = obs.timelines();
    const pending = Object.keys(spec.expect).filter((n) => {
      const expected = spec.expect[n]!;
      const observed = timelines[n] ?? [];
      return !matchTimeline(expected, observed).ok && isPrefix(expected, observed);
    });
    if (pending.length === 0 || Date.now() >= deadline) return;
    const needSs = pending.filter((n) => {
      const next = spec.expect[n]![relevantLength(spec.expect[n]!, timelines[n] ?? [])];
      return next !== undefined && SS_NEEDED.has(next);
    });
    await waited(timing, gatherEvidence(obs, needSs, deadline));
  }
}

/**
 * Waits for the next evidence. States only sock_diag shows are sampled with
 * `ss` and then again at the next packet or trace event; the bounded wait
 * covers the few transitions that neither send nor receive a segment
 * (timer expiries).
 */
export async function gatherEvidence(obs: Observations, needSs: string[], deadline: number): Promise<void> {
  const left = Math.max(1, deadline - Date.now());
  if (needSs.length === 0) return obs.changed(left);
  obs.snapshot(needSs);
  await obs.changed(Math.min(left, SS_RESAMPLE_MS));
}

function relevantLength(expected: readonly State[], observed: Timeline): number {
  const named = new Set(expected);
  return observed.filter((o) => !o.transient || named.has(o.state)).length;
}
