import { STATES, isState, type State } from '../model/states.js';
import { TRANSITIONS, coverage as pathCoverage, transitionId } from '../model/transitions.js';
import type { RunResult, VerdictName } from '../run/results.js';

/**
 * Which RFC 9293 states and transitions a run covered. A run that carries
 * `coverage` is shown as it says; an older results file without it gets the
 * same figures computed here from the observed paths of its passing specs,
 * so every report of every run has them.
 */

export interface RunCoverage {
  /** Where the figures come from. */
  source: 'results' | 'computed';
  /** Every state, with the passing specs that observed it (empty when none). */
  states: Map<State, string[]>;
  /** Every transition of the model (`FROM->TO`), with the passing specs that observed it. */
  transitions: Map<string, string[]>;
  /** Transitions the sockets API cannot produce, with why: not counted as missed. */
  unreachable: Map<string, string>;
}

/** Verdicts whose observed paths count: deviation is a pass the target's profile explains. */
export const COVERING_VERDICTS: ReadonlySet<VerdictName> = new Set(['pass', 'deviation']);

export function runCoverage(run: RunResult): RunCoverage {
  const states = new Map<State, string[]>(STATES.map((s) => [s, []]));
  const transitions = new Map<string, string[]>(TRANSITIONS.map((t) => [transitionId(t.from, t.to), []]));
  const unreachable = new Map<string, string>();

  if (run.coverage) {
    for (const [s, ids] of Object.entries(run.coverage.states)) if (isState(s)) states.set(s, [...ids]);
    for (const [t, ids] of Object.entries(run.coverage.transitions)) transitions.set(t, [...ids]);
    for (const [t, why] of Object.entries(run.coverage.unreachable)) unreachable.set(t, why);
    return { source: 'results', states, transitions, unreachable };
  }

  for (const t of TRANSITIONS) {
    if (!t.socketsApi) unreachable.set(transitionId(t.from, t.to), `the sockets API cannot make a stack take it (${t.events.join('; ')})`);
  }
  for (const r of run.results) {
    if (!COVERING_VERDICTS.has(r.verdict)) continue;
    const paths = Object.values(r.endpoints).map((e) => e.observed.map((o) => o.state));
    const c = pathCoverage(paths);
    for (const s of c.states) addOnce(states, s, r.spec);
    for (const t of c.transitions) addOnce(transitions, t, r.spec);
  }
  return { source: 'computed', states, transitions, unreachable };
}

function addOnce<K>(map: Map<K, string[]>, key: K, id: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(id)) list.push(id);
  map.set(key, list);
}

export interface CoverageCounts {
  states: { covered: number; total: number };
  /** `total` leaves out the unreachable transitions. */
  transitions: { covered: number; total: number; unreachable: number };
  missedStates: State[];
  missedTransitions: string[];
}

export function coverageCounts(c: RunCoverage): CoverageCounts {
  const missedStates = [...c.states].filter(([, ids]) => ids.length === 0).map(([s]) => s);
  const reachable = [...c.transitions].filter(([t]) => !c.unreachable.has(t));
  const missedTransitions = reachable.filter(([, ids]) => ids.length === 0).map(([t]) => t);
  return {
    states: { covered: c.states.size - missedStates.length, total: c.states.size },
    transitions: {
      covered: reachable.length - missedTransitions.length,
      total: reachable.length,
      unreachable: [...c.transitions.keys()].filter((t) => c.unreachable.has(t)).length,
    },
    missedStates,
    missedTransitions,
  };
}
