import type { Node } from 'yaml';
import type { State } from '../model/states.js';
import { stepProblem } from '../model/transitions.js';
import type { Value } from './nodes.js';
import type { SpecScope } from './scope.js';

/**
 * The `expect` mapping: for every declared endpoint, a list of known states
 * that starts with CLOSED and follows edges of RFC 9293 Figure 5 (through
 * the oracle in `model/`). Fills `scope.expected` with the valid lists;
 * true when all are valid and every endpoint has one.
 */
export function checkExpect(scope: SpecScope, keyNode: Node, node: Value): boolean {
  const r = scope.r;
  const map = r.map(node, 'expect', 'a mapping of endpoint names to lists of states', keyNode);
  if (!map) return false;
  let ok = true;
  const named = new Set<string>();
  for (const e of r.entries(map)) {
    named.add(e.key);
    if (!scope.isDeclared(e.key)) {
      scope.unknownEndpoint(e.keyNode, e.key);
      // Still check the list: its problems are worth showing too.
      checkPath(scope, e.key, e.keyNode, e.value);
      ok = false;
      continue;
    }
    const states = checkPath(scope, e.key, e.keyNode, e.value);
    if (states) scope.expected.set(e.key, states);
    else ok = false;
  }
  const missing = [...scope.declared.keys()].filter((n) => !named.has(n));
  if (missing.length > 0) {
    r.report(keyNode, 'missing-key', `expect has no list for endpoint ${missing.join(', ')}; every endpoint needs one`);
    ok = false;
  }
  return ok;
}

/** One endpoint's list; every problem in it is reported, each at its item. */
function checkPath(scope: SpecScope, name: string, keyNode: Node, node: Value): State[] | undefined {
  const r = scope.r;
  const list = r.seq(node, `expect.${name}`, 'a list of states starting with CLOSED', keyNode);
  if (!list) return undefined;
  const items = (list.items as Value[]).map((item) => r.deref(item));
  if (items.length === 0) {
    r.report(list, 'expect-start', `expect.${name} is empty; it lists states starting with CLOSED`);
    return undefined;
  }
  const states = items.map((item) => (item === undefined ? undefined : scope.state(item, `each state of expect.${name}`)));
  let ok = states.every((s) => s !== undefined);
  const first = states[0];
  if (first !== undefined && first !== 'CLOSED') {
    r.report(items[0], 'expect-start', `expect.${name} starts with ${first}; every expected list starts with CLOSED, written out`);
    ok = false;
  }
  for (let i = 1; i < states.length; i++) {
    const from = states[i - 1];
    const to = states[i];
    if (from === undefined || to === undefined) continue;
    const problem = stepProblem(from, to);
    if (problem) {
      r.report(items[i], 'illegal-transition', `expect.${name}: ${problem.reason}`);
      ok = false;
    }
  }
  return ok ? (states as State[]) : undefined;
}
