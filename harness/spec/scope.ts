import type { Node } from 'yaml';
import { isState, type State } from '../model/states.js';
import { clip, type NodeReader, type Value } from './nodes.js';
import type { Behaviour } from './capabilities.js';
import type { Role } from './schema.js';
import { closest, didYouMean, suggestState } from './suggest.js';

/**
 * What the parts of a spec know about each other while it is checked: the
 * declared endpoints and the valid expected lists. Maps, not records, so a
 * name like `constructor` is not found on Object.prototype.
 */
export class SpecScope {
  /** Declared names with their role; undefined when the role itself is wrong (the name still counts). */
  readonly declared = new Map<string, Role | undefined>();
  /** Valid expected lists only: awaits are checked against these. */
  readonly expected = new Map<string, State[]>();
  /** Endpoints the harness plays itself (`peer: true`). */
  readonly peers = new Set<string>();
  /** Behaviours each endpoint's program must show by itself (`needs`). */
  readonly needs = new Map<string, Behaviour[]>();
  /** Wire rule names defined so far (top level, then steps in order), with their action. */
  readonly rules = new Map<string, string>();
  /** False while `endpoints` is absent or not a mapping: then no name is reported as unknown. */
  endpointsKnown = false;

  constructor(readonly r: NodeReader) {}

  isDeclared(name: string): boolean {
    return !this.endpointsKnown || this.declared.has(name);
  }

  unknownEndpoint(node: Node, name: string, extra: readonly string[] = []): void {
    const names = [...this.declared.keys()];
    const known = names.length > 0 ? `endpoints: ${names.join(', ')}` : 'no endpoints are declared';
    this.r.report(
      node,
      'unknown-endpoint',
      `"${clip(name)}" is not an endpoint of this spec (${known})${didYouMean(closest(name, [...names, ...extra]))}`,
    );
  }

  /** A state name, or a report with a suggestion for near misses and Linux spellings. */
  state(node: Value | undefined, what: string, owner?: Node): State | undefined {
    const n = this.r.deref(node);
    const s = this.r.string(n, what, 'a state name such as ESTABLISHED', owner);
    if (s === undefined) return undefined;
    if (isState(s)) return s;
    this.r.report(n, 'unknown-state', `"${clip(s)}" is not an RFC 9293 state${didYouMean(suggestState(s))}`);
    return undefined;
  }
}
