import { STATES } from '../model/states.js';
import { TRANSITIONS, transitionId } from '../model/transitions.js';
import type { RunResult, SpecResult } from './results.js';

/**
 * Which RFC 9293 states and transitions a run covered: those on the
 * expected path of an endpoint in a passing spec (a pass means the observed
 * path matched it). Transitions the sockets API cannot produce are listed
 * apart, with the reason, rather than counted as missed.
 */
export function coverageOf(results: readonly SpecResult[]): NonNullable<RunResult['coverage']> {
  const states: Record<string, string[]> = Object.fromEntries(STATES.map((s) => [s, []]));
  const transitions: Record<string, string[]> = {};
  const unreachable: Record<string, string> = {};
  for (const t of TRANSITIONS) {
    const id = transitionId(t.from, t.to);
    if (t.socketsApi) transitions[id] = [];
    else unreachable[id] = `${t.events.join('; ')}: no sockets API call does this (${t.ref})`;
  }
  for (const r of results) {
    if (r.verdict !== 'pass') continue;
    for (const e of Object.values(r.endpoints)) {
      e.expected.forEach((state, i) => {
        add(states, state, r.spec);
        const next = e.expected[i + 1];
        if (next !== undefined) add(transitions, transitionId(state, next), r.spec);
      });
    }
  }
  return { states, transitions, unreachable };
}

function add(map: Record<string, string[]>, key: string, spec: string): void {
  const list = map[key];
  if (list && !list.includes(spec)) list.push(spec);
}
