import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import type { State } from '../model/states.js';
import { clip, type Entry, type NodeReader, type Value } from './nodes.js';
import { INJECT_KEYS, TEMPLATE_KEYS, type ActionName, ACTION_NAMES, ACTION_ROLES, BARE_ACTIONS, MAPPING_ACTIONS, MAX_BYTES, MAX_TEXT_BYTES, MAX_WITHIN_MS, SHUTDOWN_HOWS, type Role } from './schema.js';
import type { SpecScope } from './scope.js';
import { closest, didYouMean } from './suggest.js';
import type { Action, SegmentMatch, SegmentTemplate, Step, WireAction } from './types.js';
import { checkFlags, checkRule, checkSegmentAwait, isWireAction } from './wire.js';

/**
 * The `steps` list: each item exactly one action on one declared endpoint
 * (allowed for its role) or one await of states that endpoint is expected to
 * reach, in the order it is expected to reach them.
 */
export function checkSteps(scope: SpecScope, keyNode: Node, node: Value): Step[] | undefined {
  return new StepChecker(scope).steps(keyNode, node);
}

class StepChecker {
  private readonly r: NodeReader;
  /**
   * How far each endpoint's awaits have got in its expected list, so that an
   * await of a state already passed is caught.
   */
  private readonly cursor = new Map<string, { index: number; state: State }>();

  constructor(private readonly scope: SpecScope) {
    this.r = scope.r;
  }

  steps(keyNode: Node, node: Value): Step[] | undefined {
    const list = this.r.seq(node, 'steps', 'a list of steps', keyNode);
    if (!list) return undefined;
    if (list.items.length === 0) {
      this.r.report(keyNode, 'wrong-type', 'steps is empty; a spec needs at least one step');
      return undefined;
    }
    const out: Step[] = [];
    let ok = true;
    for (const raw of list.items as Value[]) {
      const step = this.step(raw);
      if (step) out.push(step);
      else ok = false;
    }
    return ok ? out : undefined;
  }

  private step(raw: Value): Step | undefined {
    const r = this.r;
    const node = r.deref(raw);
    if (node === undefined) return undefined;
    if (!node || !isMap(node)) {
      const word = node && isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      const hint = word !== undefined && (ACTION_NAMES as readonly string[]).includes(word) ? `; name the endpoint: \`- a: ${word}\`` : '';
      r.report(node, 'bad-step', `a step is a mapping (\`- a: connect\` or \`- await: { a: ESTABLISHED }\`), not ${r.describe(node)}${hint}`);
      return undefined;
    }
    const entries = r.entries(node);
    if (entries.length === 0) {
      r.report(node, 'bad-step', 'a step needs an endpoint and an action, or await');
      return undefined;
    }
    const awaitEntry = entries.find((e) => e.key === 'await');
    if (awaitEntry) return this.awaitStep(node, entries, awaitEntry);
    const first = entries[0]!;
    if (first.key === 'release' || first.key === 'inject' || isWireAction(first.key)) {
      for (const extra of entries.slice(1)) r.report(extra.keyNode, 'bad-step', `a ${first.key} step has only ${first.key}; put anything else in its own step`);
      if (entries.length > 1) return undefined;
      if (first.key === 'release') return this.releaseStep(node, first);
      if (first.key === 'inject') return this.injectStep(node, first);
      const rule = checkRule(this.scope, first.key as WireAction, first.keyNode, first.value, this.scope.rules.size + 1);
      return rule && { kind: 'wire', rule, pos: r.pos(node) };
    }

    let action: { endpoint: string; action: Action } | undefined;
    let ok = true;
    let actions = 0;
    for (const e of entries) {
      if (e.key === 'within') {
        r.report(e.keyNode, 'bad-step', 'within belongs to an await step');
        ok = false;
      } else if (!this.scope.isDeclared(e.key)) {
        this.scope.unknownEndpoint(e.keyNode, e.key, ['await']);
        ok = false;
      } else if (actions++ > 0) {
        r.report(e.keyNode, 'bad-step', 'a step acts on one endpoint; put each action in its own step');
        ok = false;
      } else {
        const a = this.action(e.key, this.scope.declared.get(e.key), e.value, e.keyNode);
        if (a) action = { endpoint: e.key, action: a };
        else ok = false;
      }
    }
    if (!ok || !action) return undefined;
    return { kind: 'action', endpoint: action.endpoint, action: action.action, pos: r.pos(node) };
  }

  private awaitStep(node: YAMLMap, entries: Entry[], awaitEntry: Entry): Step | undefined {
    const r = this.r;
    let ok = true;
    let withinMs: number | undefined;
    for (const e of entries) {
      if (e.key === 'await') continue;
      if (e.key === 'within') {
        withinMs = r.integer(e.value, 'within', 1, MAX_WITHIN_MS, 'milliseconds', e.keyNode);
        if (withinMs === undefined) ok = false;
      } else if (this.scope.isDeclared(e.key)) {
        r.report(e.keyNode, 'bad-step', 'an await step has only await and within; put the action in its own step');
        ok = false;
      } else {
        r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in an await step${didYouMean(closest(e.key, ['within']))}`);
        ok = false;
      }
    }
    const map = r.map(awaitEntry.value, 'await', 'a mapping of endpoint names to states: { a: ESTABLISHED }', awaitEntry.keyNode);
    if (!map) return undefined;
    const targets = r.entries(map);
    if (targets.length === 0) {
      r.report(awaitEntry.keyNode, 'bad-step', 'await names no endpoint; write await: { a: ESTABLISHED }');
      return undefined;
    }
    const states: Record<string, State> = {};
    let segment: SegmentMatch | undefined;
    for (const e of targets) {
      if (e.key === 'segment') {
        segment = checkSegmentAwait(this.scope, e.keyNode, e.value);
        if (!segment) ok = false;
        continue;
      }
      if (!this.scope.isDeclared(e.key)) {
        this.scope.unknownEndpoint(e.keyNode, e.key);
        ok = false;
        continue;
      }
      const s = this.scope.state(e.value, `await.${e.key}`, e.keyNode);
      if (s === undefined || !this.reachable(e.key, s, e.value)) {
        ok = false;
        continue;
      }
      states[e.key] = s;
    }
    if (!ok) return undefined;
    const step: Step = { kind: 'await', states, pos: r.pos(node) };
    if (segment) step.segment = segment;
    if (withinMs !== undefined) step.withinMs = withinMs;
    return step;
  }

  private injectStep(node: YAMLMap, entry: Entry): Step | undefined {
    const r = this.r;
    const map = r.map(entry.value, 'inject', 'a mapping such as { from: b, flags: RST }', entry.keyNode);
    if (!map) return undefined;
    let ok = true;
    let from: string | undefined;
    let flags: string | undefined;
    let seqOffset: number | undefined;
    let bytes: number | undefined;
    for (const e of r.entries(map)) {
      switch (e.key) {
        case 'from':
          from = r.string(e.value, 'from', 'an endpoint name', e.keyNode);
          if (from !== undefined && !this.scope.isDeclared(from)) {
            this.scope.unknownEndpoint(r.deref(e.value) ?? e.keyNode, from);
            from = undefined;
          }
          if (from === undefined) ok = false;
          break;
        case 'flags': {
          flags = checkFlags(r, e.value, e.keyNode)?.join('+');
          if (!flags) ok = false;
          break;
        }
        case 'seq_offset':
          seqOffset = r.integer(e.value, 'seq_offset', -(2 ** 31), 2 ** 31 - 1, 'sequence numbers', e.keyNode);
          if (seqOffset === undefined) ok = false;
          break;
        case 'bytes':
          bytes = r.integer(e.value, 'bytes', 1, 1400, 'bytes', e.keyNode);
          if (bytes === undefined) ok = false;
          break;
        default:
          r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in inject${didYouMean(closest(e.key, INJECT_KEYS))}; allowed: ${INJECT_KEYS.join(', ')}`);
          ok = false;
      }
    }
    if (ok && (from === undefined || flags === undefined)) {
      r.report(entry.keyNode, 'missing-key', 'inject needs from (the endpoint it pretends to be) and flags');
      ok = false;
    }
    if (!ok || from === undefined || flags === undefined) return undefined;
    const step: Step = { kind: 'inject', from, flags, pos: r.pos(node) };
    if (seqOffset !== undefined) step.seqOffset = seqOffset;
    if (bytes !== undefined) step.bytes = bytes;
    return step;
  }

  private releaseStep(node: YAMLMap, entry: Entry): Step | undefined {
    const name = this.r.string(entry.value, 'release', 'a rule name or all', entry.keyNode);
    if (name === undefined) return undefined;
    if (name !== 'all' && !this.scope.rules.has(name)) {
      const known = [...this.scope.rules.keys()];
      this.r.report(
        this.r.deref(entry.value),
        'unknown-rule',
        `no wire rule named "${clip(name)}" before this step${didYouMean(closest(name, known))}; ${known.length ? `rules: ${known.join(', ')}, or all` : 'no rules are defined yet'}`,
      );
      return undefined;
    }
    return { kind: 'release', rule: name, pos: this.r.pos(node) };
  }

  /** Whether `endpoint` can still reach `state` after its earlier awaits; reports why not. */
  private reachable(endpoint: string, state: State, node: Value): boolean {
    const list = this.scope.expected.get(endpoint);
    if (!list) return true; // its expected list has problems of its own, reported there
    const last = this.cursor.get(endpoint);
    // The leading CLOSED is where every endpoint starts, not something to wait for.
    const at = list.indexOf(state, last?.index ?? 1);
    if (at !== -1) {
      this.cursor.set(endpoint, { index: at, state });
      return true;
    }
    const target = this.r.deref(node);
    if (list.includes(state) && last) {
      this.r.report(
        target,
        'await-order',
        `${endpoint}: ${state} comes before ${last.state} in expect.${endpoint}, and an earlier await already waits for ${last.state}; awaits follow the expected order`,
      );
    } else {
      this.r.report(target, 'await-unexpected', `${endpoint} is never expected to reach ${state}; expect.${endpoint} is ${list.join(', ')}`);
    }
    return false;
  }

  // -- actions ----------------------------------------------------------------

  private action(endpoint: string, role: Role | undefined, raw: Value, keyNode: Node): Action | undefined {
    const r = this.r;
    const node = r.deref(raw);
    if (node === undefined) return undefined;
    if (this.scope.peers.has(endpoint)) return this.peerAction(endpoint, node, keyNode);
    let action: Action | undefined;
    let at: Node = node ?? keyNode;
    if (node && isMap(node) && r.entries(node).some((e) => e.key === 'expect' || (e.key === 'send' && isMap(r.deref(e.value) ?? null)))) {
      r.report(node, 'bad-action', `only a peer endpoint (peer: true) sends and expects crafted segments; ${endpoint} is a program driven through its sockets`);
      return undefined;
    }
    if (node && isScalar(node) && typeof node.value === 'string') {
      action = this.bareAction(node, node.value);
    } else if (node && isMap(node)) {
      const entries = r.entries(node);
      const first = entries[0];
      if (!first) {
        r.report(node, 'wrong-type', `the action of ${endpoint} is empty`);
        return undefined;
      }
      for (const extra of entries.slice(1)) {
        r.report(extra.keyNode, 'bad-step', 'an action is one key, e.g. { send: 100 }; put each action in its own step');
      }
      if (entries.length > 1) return undefined;
      at = first.keyNode;
      action = this.mappingAction(first.key, first.keyNode, first.value);
    } else {
      r.report(node, 'wrong-type', `the action of ${endpoint} must be a word such as connect or a mapping such as { send: 100 }, not ${r.describe(node)}`, keyNode);
      return undefined;
    }
    if (!action || !role) return action;
    const allowed = ACTION_ROLES[action.op as ActionName];
    if (allowed && !allowed.includes(role)) {
      r.report(at, 'bad-action', `${action.op} is a ${allowed.join(' or ')} action, and endpoint ${endpoint} is a ${role}`);
      return undefined;
    }
    return action;
  }

  /** `{ send: { flags: SYN } }` or `{ expect: { flags: SYN+ACK, ack: 1 } }`: a peer's only actions. */
  private peerAction(endpoint: string, node: Value, keyNode: Node): Action | undefined {
    const r = this.r;
    const usage = `${endpoint} is a peer: its steps are { send: { flags: SYN } } and { expect: { flags: SYN+ACK } }`;
    const map = node && isMap(node) ? node : undefined;
    const entries = map ? r.entries(map) : [];
    const first = entries[0];
    if (!map || !first || entries.length > 1 || (first.key !== 'send' && first.key !== 'expect')) {
      r.report(node ?? keyNode, 'bad-action', usage);
      return undefined;
    }
    const expect = first.key === 'expect';
    const tmpl = r.map(first.value, first.key, 'a segment such as { flags: SYN+ACK, ack: 1 }', first.keyNode);
    if (!tmpl) return undefined;
    const allowed = expect ? [...TEMPLATE_KEYS, 'within'] : TEMPLATE_KEYS;
    const segment: SegmentTemplate = {};
    let withinMs: number | undefined;
    let ok = true;
    for (const e of r.entries(tmpl)) {
      let v: number | undefined;
      switch (e.key) {
        case 'flags': {
          const flags = checkFlags(r, e.value, e.keyNode);
          if (flags) segment.flags = flags;
          else ok = false;
          continue;
        }
        case 'seq':
        case 'ack':
          v = r.integer(e.value, e.key, -(2 ** 31), 2 ** 32 - 1, 'sequence numbers, relative', e.keyNode);
          break;
        case 'window':
          v = r.integer(e.value, 'window', 0, 65535, 'bytes', e.keyNode);
          break;
        case 'len':
          v = r.integer(e.value, 'len', 0, 1400, 'bytes', e.keyNode);
          break;
        case 'mss':
          v = r.integer(e.value, 'mss', 1, 65535, 'bytes', e.keyNode);
          break;
        case 'within':
          if (expect) {
            withinMs = r.integer(e.value, 'within', 1, MAX_WITHIN_MS, 'milliseconds', e.keyNode);
            if (withinMs === undefined) ok = false;
            continue;
          }
          v = undefined;
          r.report(e.keyNode, 'unknown-key', 'within belongs to expect');
          break;
        default:
          r.report(e.keyNode, 'unknown-key', `unknown key "${clip(e.key)}" in a segment${didYouMean(closest(e.key, allowed))}; allowed: ${allowed.join(', ')}`);
      }
      if (v === undefined) ok = false;
      else segment[e.key as 'seq' | 'ack' | 'window' | 'len' | 'mss'] = v;
    }
    if (!ok) return undefined;
    if (!expect) {
      if (!segment.flags) {
        r.report(first.keyNode, 'missing-key', 'a segment to send needs flags, e.g. { flags: SYN }');
        return undefined;
      }
      return { op: 'send-segment', segment };
    }
    const action: Action = { op: 'expect-segment', segment };
    if (withinMs !== undefined) action.withinMs = withinMs;
    return action;
  }

  private bareAction(node: Node, word: string): Action | undefined {
    if ((BARE_ACTIONS as readonly string[]).includes(word)) return { op: word } as Action;
    if (word === 'send') {
      this.r.report(node, 'wrong-type', 'send needs a byte count or text: { send: 100 } or { send: "GET / HTTP/1.0\\r\\n\\r\\n" }');
    } else if (word === 'shutdown') {
      this.r.report(node, 'wrong-type', 'shutdown needs a direction: { shutdown: write } (read, write or both)');
    } else {
      this.r.report(node, 'unknown-action', `unknown action "${clip(word)}"${didYouMean(closest(word, ACTION_NAMES))}; actions are ${ACTION_NAMES.join(', ')}`);
    }
    return undefined;
  }

  private mappingAction(key: string, keyNode: Node, value: Value): Action | undefined {
    const r = this.r;
    switch (key) {
      case 'send': {
        const text = r.deref(value);
        if (text && isScalar(text) && typeof text.value === 'string') {
          const bytes = Buffer.byteLength(text.value, 'utf8');
          if (bytes === 0 || bytes > MAX_TEXT_BYTES) {
            r.report(text, 'bad-value', `send takes a byte count, or text of 1 to ${MAX_TEXT_BYTES} bytes (this has ${bytes})`);
            return undefined;
          }
          return { op: 'send', bytes, data: text.value };
        }
        const bytes = r.integer(value, 'send', 1, MAX_BYTES, 'bytes (or text in quotes)', keyNode);
        return bytes === undefined ? undefined : { op: 'send', bytes };
      }
      case 'recv': {
        const n = r.deref(value);
        if (n && isScalar(n) && n.value === 'eof') return { op: 'recv', untilEof: true };
        if (n && isScalar(n) && typeof n.value === 'string') {
          r.report(n, 'bad-value', `recv takes a byte count or eof, not "${clip(n.value)}"`);
          return undefined;
        }
        const bytes = r.integer(n, 'recv', 1, MAX_BYTES, 'bytes (or eof)', keyNode);
        return bytes === undefined ? undefined : { op: 'recv', bytes };
      }
      case 'shutdown': {
        const how = r.string(value, 'shutdown', 'read, write or both', keyNode);
        if (how === undefined) return undefined;
        if ((SHUTDOWN_HOWS as readonly string[]).includes(how)) return { op: 'shutdown', how: how as 'read' | 'write' | 'both' };
        r.report(r.deref(value), 'bad-value', `shutdown takes read, write or both, not "${clip(how)}"${didYouMean(closest(how, SHUTDOWN_HOWS))}`);
        return undefined;
      }
      default:
        if ((ACTION_NAMES as readonly string[]).includes(key)) {
          r.report(keyNode, 'wrong-type', `${key} takes no argument; write it as a bare word: \`${key}\``);
        } else {
          r.report(
            keyNode,
            'unknown-action',
            `unknown action "${clip(key)}"${didYouMean(closest(key, MAPPING_ACTIONS))}; actions with an argument are ${MAPPING_ACTIONS.join(', ')}`,
          );
        }
        return undefined;
    }
  }
}
