import { isScalar, type Node } from 'yaml';
import { clip, type NodeReader, type Value } from './nodes.js';
import { MAX_DELAY_MS, RULE_KEYS, RULE_NAME_PATTERN, WIRE_ACTIONS } from './schema.js';
import type { SpecScope } from './scope.js';
import { closest, didYouMean } from './suggest.js';
import type { SegmentMatch, WireAction, WireRule } from './types.js';

/**
 * Wire rules: `{ hold: { from: a, flags: FIN+ACK } }` and the like, at the
 * top level (`wire:`) or as a step. Flags are written the way results and
 * Wireshark show them, joined by `+`.
 */

const CONTROL_FLAGS = ['SYN', 'FIN', 'RST', 'ACK'] as const;
const OTHER_FLAGS = ['PSH', 'URG', 'ECE', 'CWR'] as const;
const ALL_FLAGS: readonly string[] = [...CONTROL_FLAGS, ...OTHER_FLAGS];
const NAME_RE = new RegExp(RULE_NAME_PATTERN);

export function isWireAction(key: string): key is WireAction {
  return (WIRE_ACTIONS as readonly string[]).includes(key);
}

/** The `segment` of an await: which delivered segment to wait for. */
export function checkSegmentAwait(scope: SpecScope, keyNode: Node, value: Value): SegmentMatch | undefined {
  const r = scope.r;
  const map = r.map(value, 'segment', 'a mapping such as { from: b, flags: SYN+ACK, nth: 2 }', keyNode);
  if (!map) return undefined;
  const allowed = ['from', 'flags', 'data', 'nth'];
  let ok = true;
  for (const e of r.entries(map)) {
    if (!allowed.includes(e.key)) {
      r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in an awaited segment${didYouMean(closest(e.key, allowed))}; allowed: ${allowed.join(', ')}`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  // The same fields as a rule's pattern; the throwaway rule name is never used.
  const rule = checkRule(scope, 'hold', keyNode, value, 0, false);
  return rule?.match;
}

/** Checks one rule written as `{ <action>: { ... } }`; `index` names it when it has no name. */
export function checkRule(
  scope: SpecScope,
  action: WireAction,
  keyNode: Node,
  value: Value,
  index: number,
  register = true,
): WireRule | undefined {
  const r = scope.r;
  const map = r.map(value, action, `a mapping such as { from: a, flags: FIN+ACK }`, keyNode);
  if (!map) return undefined;
  let ok = true;
  const match: Partial<SegmentMatch> = {};
  let name: string | undefined;
  let ms: number | undefined;
  let nthNode: Node | undefined;
  const allowed = action === 'delay' ? [...RULE_KEYS, 'ms'] : RULE_KEYS;
  for (const e of r.entries(map)) {
    switch (e.key) {
      case 'from': {
        const from = r.string(e.value, 'from', 'an endpoint name', e.keyNode);
        if (from === undefined) ok = false;
        else if (!scope.isDeclared(from)) {
          scope.unknownEndpoint(r.deref(e.value) ?? e.keyNode, from);
          ok = false;
        } else match.from = from;
        break;
      }
      case 'flags': {
        const flags = checkFlags(r, e.value, e.keyNode);
        if (flags === undefined) ok = false;
        else match.flags = flags;
        break;
      }
      case 'data': {
        const n = r.deref(e.value);
        if (n && isScalar(n) && typeof n.value === 'boolean') match.data = n.value;
        else {
          r.wrongType(n, 'data', 'true (segments with payload) or false (without)', e.keyNode);
          ok = false;
        }
        break;
      }
      case 'nth':
      case 'count': {
        const v = r.integer(e.value, e.key, 1, 1_000_000, 'segments', e.keyNode);
        if (v === undefined) ok = false;
        else match[e.key] = v;
        if (e.key === 'nth') nthNode = e.keyNode;
        break;
      }
      case 'name': {
        const n = r.string(e.value, 'name', 'a rule name', e.keyNode);
        if (n === undefined) ok = false;
        else if (!NAME_RE.test(n)) {
          r.report(r.deref(e.value), 'bad-value', `rule name "${clip(n)}" must match ${RULE_NAME_PATTERN}`);
          ok = false;
        } else name = n;
        break;
      }
      case 'ms':
        if (action !== 'delay') {
          r.report(e.keyNode, 'unknown-key', `ms belongs to delay rules; a ${action} rule has ${allowed.join(', ')}`);
          ok = false;
          break;
        }
        ms = r.integer(e.value, 'ms', 1, MAX_DELAY_MS, 'milliseconds', e.keyNode);
        if (ms === undefined) ok = false;
        break;
      default:
        r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in a ${action} rule${didYouMean(closest(e.key, allowed))}; allowed: ${allowed.join(', ')}`);
        ok = false;
    }
  }
  if (match.from === undefined && ok) {
    r.report(keyNode, 'missing-key', register ? `a ${action} rule needs from: the endpoint whose segments it applies to` : 'an awaited segment needs from: the endpoint that sends it');
    ok = false;
  }
  if (action === 'delay' && ms === undefined && ok) {
    r.report(keyNode, 'missing-key', 'a delay rule needs ms: how long to hold each segment back');
    ok = false;
  }
  if (match.nth !== undefined && match.count !== undefined && match.count > 1) {
    r.report(nthNode, 'contradictory-rule', 'nth picks one segment, so count cannot be more than 1');
    ok = false;
  }
  if (!ok) return undefined;
  const ruleName = name ?? `${action}-${index}`;
  if (!register) return { action, name: ruleName, match: match as SegmentMatch, pos: r.pos(keyNode) };
  if (scope.rules.has(ruleName)) {
    r.report(keyNode, 'duplicate-rule', `a rule named "${ruleName}" already exists; names must be unique`);
    return undefined;
  }
  scope.rules.set(ruleName, action);
  const rule: WireRule = { action, name: ruleName, match: match as SegmentMatch, pos: r.pos(keyNode) };
  if (ms !== undefined) rule.ms = ms;
  return rule;
}

/** Flags written joined by +, in any case and order; normalized to the order results use. */
export function checkFlags(r: NodeReader, value: Value, keyNode: Node): string[] | undefined {
  const text = r.string(value, 'flags', 'flags joined by +, e.g. SYN+ACK', keyNode);
  if (text === undefined) return undefined;
  const names = text.toUpperCase().split('+').map((f) => f.trim());
  const bad = names.filter((f) => !ALL_FLAGS.includes(f));
  if (bad.length || names.length === 0) {
    r.report(r.deref(value), 'bad-value', `unknown flag "${clip(bad[0] ?? text)}"${didYouMean(closest(bad[0] ?? '', ALL_FLAGS))}; flags are ${ALL_FLAGS.join(', ')}, joined by +`);
    return undefined;
  }
  if (new Set(names).size !== names.length) {
    r.report(r.deref(value), 'bad-value', `flag repeated in "${clip(text)}"`);
    return undefined;
  }
  return ALL_FLAGS.filter((f) => names.includes(f));
}
