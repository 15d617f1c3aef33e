import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { BEHAVIOUR_NAMES, type Behaviour } from './capabilities.js';
import { diagnosticAt, type Diagnostic, type SourceText } from './diagnostic.js';
import { checkExpect } from './expect.js';
import { clip, NodeReader, type Value } from './nodes.js';
import {
  ENDPOINT_NAME_PATTERN,
  MAX_ENDPOINTS,
  REQUIRED_TOP_LEVEL_KEYS,
  RESERVED_NAMES,
  ROLES,
  SPEC_ID_PATTERN,
  TOP_LEVEL_KEYS,
  SPEC_SYSCTLS,
  TIMED_STATES,
  WIRE_ACTIONS,
  type Role,
} from './schema.js';
import { SpecScope } from './scope.js';
import { checkSteps } from './steps.js';
import { closest, didYouMean } from './suggest.js';
import type { State } from '../model/states.js';
import type { Spec, WireRule } from './types.js';
import { checkRule, isWireAction } from './wire.js';

/**
 * Checks a parsed spec's node tree and builds the `Spec`: the structure
 * (each problem at the node that has it) and the rules the schema cannot
 * express (see expect.ts and steps.ts). Every part is checked even when an
 * earlier one has problems, so a file's problems all show at once. The walk
 * never descends below what the format allows, so its depth and work are
 * bounded by the format, not by the input (aliases included).
 */

export interface Validated {
  spec?: Spec;
  diagnostics: Diagnostic[];
  /** Where the id's value is, for problems only a suite can see (duplicate ids). */
  idRange?: [number, number];
}

const ID_RE = new RegExp(SPEC_ID_PATTERN);
const NAME_RE = new RegExp(ENDPOINT_NAME_PATTERN);
const RESERVED: ReadonlySet<string> = new Set(RESERVED_NAMES);
/** Keys a later version will understand; named so the message can say "not yet" rather than "unknown". */
const FUTURE_KEYS: ReadonlySet<string> = new Set(['capabilities']);

export function validateSpec(src: SourceText, doc: Document.Parsed, file: string): Validated {
  const r = new NodeReader(src, doc);
  const root = r.deref(doc.contents as Value);
  if (!root || !isMap(root)) {
    r.report(root ?? null, 'not-a-mapping', `a spec is a mapping with id, title, endpoints, steps and expect, not ${r.describe(root)}`);
    return { diagnostics: r.diagnostics };
  }

  const fields = new Map<string, { keyNode: Node; value: Value }>();
  for (const e of r.entries(root)) {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(e.key)) {
      fields.set(e.key, e);
    } else if (FUTURE_KEYS.has(e.key)) {
      r.report(e.keyNode, 'unknown-key', `"${e.key}" is not supported by this version of tcpconform`);
    } else {
      r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in a spec${didYouMean(closest(e.key, TOP_LEVEL_KEYS))}`);
    }
  }
  const missing = REQUIRED_TOP_LEVEL_KEYS.filter((k) => !fields.has(k));
  if (missing.length > 0) {
    const [s] = r.range(root);
    r.diagnostics.push(
      diagnosticAt(src, 'missing-key', `the spec has no ${missing.join(', ')}; a spec needs ${REQUIRED_TOP_LEVEL_KEYS.join(', ')}`, s, s + 1),
    );
  }
  const field = (k: string): { keyNode?: Node; value?: Value } => fields.get(k) ?? {};

  const idNode = r.deref(field('id').value);
  const id = r.string(idNode, 'id', 'a string', field('id').keyNode);
  if (id !== undefined && !ID_RE.test(id)) {
    r.report(idNode, 'bad-value', `id "${clip(id)}" must match ${SPEC_ID_PATTERN} (lower case letters, digits, dot, dash, underscore)`);
  }
  const title = r.string(field('title').value, 'title', 'a string', field('title').keyNode);
  if (title !== undefined && title.trim() === '') r.report(field('title').value, 'bad-value', 'title must not be empty', field('title').keyNode);
  const refs = checkRefs(r, field('refs'));
  const description = r.string(field('description').value, 'description', 'a string', field('description').keyNode);

  // Endpoints first: expect and steps refer to them; awaits then refer to expect.
  const scope = new SpecScope(r);
  const ep = fields.get('endpoints');
  const endpointsOk = ep ? checkEndpoints(scope, ep.keyNode, ep.value) : false;
  const ex = fields.get('expect');
  const expectOk = ex ? checkExpect(scope, ex.keyNode, ex.value) : false;
  const wire = checkWire(scope, fields.get('wire'));
  const sysctls = checkSysctls(r, fields.get('sysctls'));
  const timers = checkTimers(scope, fields.get('timers'));
  const st = fields.get('steps');
  const steps = st ? checkSteps(scope, st.keyNode, st.value) : undefined;

  const result: Validated = { diagnostics: r.diagnostics };
  if (idNode) result.idRange = r.range(idNode);
  if (r.diagnostics.length > 0 || id === undefined || title === undefined || !endpointsOk || !expectOk || !steps || !wire || !sysctls || !timers) return result;
  const spec: Spec = {
    id,
    title,
    refs: refs ?? [],
    file,
    endpoints: Object.fromEntries(
      [...scope.declared].map(([name, role]) => [
        name,
        {
          role: role as Role,
          ...(scope.peers.has(name) ? { peer: true } : {}),
          ...(scope.needs.get(name)?.length ? { needs: scope.needs.get(name)! } : {}),
        },
      ]),
    ),
    sysctls,
    timers,
    wire,
    steps,
    expect: Object.fromEntries(scope.expected),
    pos: r.pos(root),
  };
  if (description !== undefined) spec.description = description;
  result.spec = spec;
  return result;
}

function checkRefs(r: NodeReader, f: { keyNode?: Node; value?: Value }): string[] | undefined {
  if (f.value === undefined) return undefined;
  const list = r.seq(f.value, 'refs', 'a list of strings, e.g. ["RFC 9293 §3.6"]', f.keyNode);
  if (!list) return undefined;
  const out: string[] = [];
  for (const item of list.items as Value[]) {
    const s = r.string(item, 'each ref');
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Timer expectations: per endpoint, per timed state, a range in ms; the state must be expected. */
function checkTimers(scope: SpecScope, f: { keyNode: Node; value: Value } | undefined): Spec['timers'] | undefined {
  if (!f) return {};
  const r = scope.r;
  const map = r.map(f.value, 'timers', 'a mapping such as { a: { TIME_WAIT: { min_ms: 55000, max_ms: 65000 } } }', f.keyNode);
  if (!map) return undefined;
  const out: Spec['timers'] = {};
  let ok = true;
  for (const e of r.entries(map)) {
    if (!scope.isDeclared(e.key)) {
      scope.unknownEndpoint(e.keyNode, e.key);
      ok = false;
      continue;
    }
    const states = r.map(e.value, `timers.${e.key}`, 'a mapping of states to { min_ms, max_ms }', e.keyNode);
    if (!states) {
      ok = false;
      continue;
    }
    const perState: Spec['timers'][string] = {};
    for (const st of r.entries(states)) {
      if (!(TIMED_STATES as readonly string[]).includes(st.key)) {
        r.report(st.keyNode, 'bad-value', `only the timers of ${TIMED_STATES.join(' and ')} can be measured, not ${clip(st.key)}`);
        ok = false;
        continue;
      }
      if (scope.expected.has(e.key) && !scope.expected.get(e.key)!.includes(st.key as State)) {
        r.report(st.keyNode, 'await-unexpected', `${e.key} is never expected in ${st.key}, so its timer cannot be measured`);
        ok = false;
        continue;
      }
      const range = r.map(st.value, `timers.${e.key}.${st.key}`, '{ min_ms, max_ms }', st.keyNode);
      if (!range) {
        ok = false;
        continue;
      }
      let minMs: number | undefined;
      let maxMs: number | undefined;
      for (const b of r.entries(range)) {
        if (b.key === 'min_ms') minMs = r.integer(b.value, 'min_ms', 0, 86_400_000, 'milliseconds', b.keyNode);
        else if (b.key === 'max_ms') maxMs = r.integer(b.value, 'max_ms', 0, 86_400_000, 'milliseconds', b.keyNode);
        else r.report(b.keyNode, 'unknown-key', `unknown key "${clip(b.key)}"; a timer range has min_ms and max_ms`);
      }
      if (minMs === undefined || maxMs === undefined) {
        r.report(st.keyNode, 'missing-key', 'a timer range needs both min_ms and max_ms');
        ok = false;
        continue;
      }
      if (minMs > maxMs) {
        r.report(st.keyNode, 'bad-value', `min_ms ${minMs} is more than max_ms ${maxMs}: no timer can satisfy that`);
        ok = false;
        continue;
      }
      perState[st.key as State] = { minMs, maxMs };
    }
    out[e.key] = perState;
  }
  return ok ? out : undefined;
}

/** The spec's kernel settings: only the listed keys, each within its range. */
function checkSysctls(r: NodeReader, f: { keyNode: Node; value: Value } | undefined): Record<string, number> | undefined {
  if (!f) return {};
  const map = r.map(f.value, 'sysctls', 'a mapping such as { net.ipv4.tcp_rfc1337: 1 }', f.keyNode);
  if (!map) return undefined;
  const out: Record<string, number> = {};
  let ok = true;
  const known = Object.keys(SPEC_SYSCTLS);
  for (const e of r.entries(map)) {
    const range = SPEC_SYSCTLS[e.key];
    if (!range) {
      r.report(e.keyNode, 'unknown-key', `"${clip(e.key)}" is not a setting a spec may change${didYouMean(closest(e.key, known))}; allowed: ${known.join(', ')}`);
      ok = false;
      continue;
    }
    const v = r.integer(e.value, e.key, range[0], range[1], 'units', e.keyNode);
    if (v === undefined) ok = false;
    else out[e.key] = v;
  }
  return ok ? out : undefined;
}

/** The top-level wire rules (none when absent); undefined when any is invalid. */
function checkWire(scope: SpecScope, f: { keyNode: Node; value: Value } | undefined): WireRule[] | undefined {
  if (!f) return [];
  const r = scope.r;
  const list = r.seq(f.value, 'wire', 'a list of rules such as - hold: { from: a, flags: FIN+ACK }', f.keyNode);
  if (!list) return undefined;
  const rules: WireRule[] = [];
  let ok = true;
  list.items.forEach((item, i) => {
    const map = r.map(item as Value, 'a wire rule', `one of ${WIRE_ACTIONS.join(', ')}: { hold: { from: a, flags: SYN } }`);
    const entries = map ? r.entries(map) : [];
    const first = entries[0];
    if (!map || !first) {
      if (map) r.report(map, 'wrong-type', 'a wire rule is one of ' + WIRE_ACTIONS.join(', '));
      ok = false;
      return;
    }
    for (const extra of entries.slice(1)) r.report(extra.keyNode, 'bad-step', 'a wire rule has one action; write each rule as its own list item');
    if (!isWireAction(first.key)) {
      r.report(first.keyNode, 'unknown-key', `unknown wire rule "${clip(first.key)}"${didYouMean(closest(first.key, WIRE_ACTIONS))}; rules are ${WIRE_ACTIONS.join(', ')}`);
      ok = false;
      return;
    }
    const rule = entries.length === 1 ? checkRule(scope, first.key, first.keyNode, first.value, i + 1) : undefined;
    if (rule) rules.push(rule);
    else ok = false;
  });
  return ok ? rules : undefined;
}

/** Fills `scope.declared`; true when every endpoint is valid. */
function checkEndpoints(scope: SpecScope, keyNode: Node, node: Value): boolean {
  const r = scope.r;
  const map = r.map(node, 'endpoints', 'a mapping of endpoint names to { role: client | server }', keyNode);
  if (!map) return false;
  scope.endpointsKnown = true;
  const entries = r.entries(map);
  if (entries.length === 0) {
    r.report(keyNode, 'endpoint-count', 'endpoints is empty; a spec needs 1 or 2 endpoints');
    return false;
  }
  let ok = true;
  entries.forEach((e, i) => {
    if (i === MAX_ENDPOINTS) {
      r.report(e.keyNode, 'endpoint-count', `a spec has at most ${MAX_ENDPOINTS} endpoints for now`);
      ok = false;
    }
    if (!NAME_RE.test(e.key)) {
      r.report(e.keyNode, 'bad-value', `endpoint name "${clip(e.key)}" must match ${ENDPOINT_NAME_PATTERN} (e.g. a, b, client)`);
      ok = false;
    } else if (RESERVED.has(e.key)) {
      r.report(e.keyNode, 'bad-value', `"${e.key}" is a reserved word and cannot name an endpoint`);
      ok = false;
    }
    const { role, peer, needs } = checkEndpoint(r, e.key, e.keyNode, e.value);
    scope.declared.set(e.key, role);
    if (peer) scope.peers.add(e.key);
    if (needs) scope.needs.set(e.key, needs);
    if (!role) ok = false;
  });
  if (ok && scope.peers.size === scope.declared.size) {
    r.report(keyNode, 'bad-value', 'at least one endpoint must be a real program (a target); all of them are peers');
    ok = false;
  }
  return ok;
}

function checkEndpoint(r: NodeReader, name: string, keyNode: Node, node: Value): { role?: Role; peer: boolean; needs?: Behaviour[] } {
  const map = r.map(node, `endpoint ${name}`, '{ role: client } or { role: server }', keyNode);
  if (!map) return { peer: false };
  let role: Role | undefined;
  let peer = false;
  let seen = false;
  let needs: Behaviour[] | undefined;
  for (const e of r.entries(map)) {
    if (e.key === 'needs') {
      needs = checkNeeds(r, name, e.keyNode, e.value);
      continue;
    }
    if (e.key === 'peer') {
      const v = r.deref(e.value);
      if (v && isScalar(v) && typeof v.value === 'boolean') peer = v.value;
      else r.wrongType(v, 'peer', 'true (the harness plays this endpoint) or false', e.keyNode);
      continue;
    }
    if (e.key !== 'role') {
      r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in endpoint ${name}${didYouMean(closest(e.key, ['role', 'peer', 'needs']))}`);
      continue;
    }
    seen = true;
    const value = r.deref(e.value);
    const s = r.string(value, 'role', 'client or server', e.keyNode);
    if (s === undefined) continue;
    if ((ROLES as readonly string[]).includes(s)) role = s as Role;
    else r.report(value, 'bad-value', `role must be client or server, not "${clip(s)}"${didYouMean(closest(s, ROLES))}`);
  }
  if (!seen) r.report(keyNode, 'missing-key', `endpoint ${name} has no role; write ${name}: { role: client } or { role: server }`);
  if (needs && peer) r.report(keyNode, 'bad-value', `endpoint ${name} is a peer: the harness does what the spec says, it needs no behaviours`);
  return { ...(role ? { role } : {}), peer, ...(needs ? { needs } : {}) };
}

/** `needs: [closes-on-eof]`: behaviours the endpoint's program must show by itself. */
function checkNeeds(r: NodeReader, name: string, keyNode: Node, raw: Value): Behaviour[] | undefined {
  const node = r.deref(raw);
  if (!node || !isSeq(node)) {
    r.report(node ?? keyNode, 'wrong-type', `needs is a list of behaviours: ${BEHAVIOUR_NAMES.join(', ')}`, keyNode);
    return undefined;
  }
  const out: Behaviour[] = [];
  for (const item of node.items) {
    const v = r.deref(item as Value);
    const s = v && isScalar(v) && typeof v.value === 'string' ? v.value : undefined;
    if (s === undefined || !(BEHAVIOUR_NAMES as string[]).includes(s)) {
      r.report(v ?? node, 'bad-value', `endpoint ${name}: unknown behaviour ${s === undefined ? r.describe(v) : `"${clip(s)}"`}${s ? didYouMean(closest(s, BEHAVIOUR_NAMES)) : ''}; known: ${BEHAVIOUR_NAMES.join(', ')}`);
      continue;
    }
    if (!out.includes(s as Behaviour)) out.push(s as Behaviour);
  }
  return out;
}
