import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { diagnosticAt, type Diagnostic, type SourceText } from './diagnostic.js';
import type { Pos } from './types.js';

/**
 * Typed, position-aware access to a parsed YAML node tree. Every accessor
 * reports what is wrong at the node that has it and returns undefined, so
 * the checks built on it collect problems instead of stopping at the first.
 */

export type Value = Node | null;

export interface Entry {
  key: string;
  keyNode: Node;
  value: Value;
}

export class NodeReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly src: SourceText,
    private readonly doc: Document.Parsed,
  ) {}

  range(node: Value | undefined): [number, number] {
    const r = node?.range;
    if (!r) return [0, 0];
    return [r[0], Math.max(r[0], r[1])];
  }

  /**
   * Reports at `node`; at `owner` (the key it belongs to) when the node is
   * absent or empty, since an empty value has no text to point at.
   */
  report(node: Value | undefined, code: string, message: string, owner?: Node): void {
    const empty = !node || (isScalar(node) && node.value === null && !node.source);
    const [s, e] = this.range(empty && owner ? owner : node);
    this.diagnostics.push(diagnosticAt(this.src, code, message, s, e));
  }

  pos(node: Value | undefined): Pos {
    const { line, col } = this.src.lineCounter.linePos(this.range(node)[0]);
    return { line, col };
  }

  /** Follows an alias to its anchored node; an alias to nothing is reported (and gives undefined). */
  deref(node: Value | undefined): Value | undefined {
    if (node && isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.report(node, 'yaml-syntax', `alias *${node.source} refers to no anchor`);
        return undefined;
      }
      // An anchor is on a node, never on an alias, so one step is enough.
      return target as Node;
    }
    return node;
  }

  describe(node: Value | undefined): string {
    if (node === undefined || node === null) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return 'an empty value';
      if (typeof v === 'string') return `the string "${clip(v)}"`;
      if (typeof v === 'number') return `the number ${String(v)}`;
      if (typeof v === 'boolean') return `the boolean ${String(v)}`;
    }
    return 'a value of another kind';
  }

  wrongType(node: Value | undefined, what: string, expected: string, owner?: Node): void {
    this.report(node, 'wrong-type', `${what} must be ${expected}, not ${this.describe(node)}`, owner);
  }

  // Each accessor returns undefined for a value that is absent (the caller
  // decides whether that is a problem) or reported.

  map(node: Value | undefined, what: string, expected: string, owner?: Node): YAMLMap | undefined {
    const n = this.deref(node);
    if (n && isMap(n)) return n;
    if (n !== undefined) this.wrongType(n, what, expected, owner);
    return undefined;
  }

  seq(node: Value | undefined, what: string, expected: string, owner?: Node): YAMLSeq | undefined {
    const n = this.deref(node);
    if (n && isSeq(n)) return n;
    if (n !== undefined) this.wrongType(n, what, expected, owner);
    return undefined;
  }

  string(node: Value | undefined, what: string, expected = 'a string', owner?: Node): string | undefined {
    const n = this.deref(node);
    if (n && isScalar(n) && typeof n.value === 'string') return n.value;
    if (n !== undefined) this.wrongType(n, what, expected, owner);
    return undefined;
  }

  integer(node: Value | undefined, what: string, min: number, max: number, unit: string, owner?: Node): number | undefined {
    const n = this.deref(node);
    if (n === undefined) return undefined;
    if (!(n && isScalar(n) && typeof n.value === 'number')) {
      this.wrongType(n, what, `a whole number of ${unit}`, owner);
      return undefined;
    }
    const v = n.value;
    if (!Number.isInteger(v) || v < min || v > max) {
      this.report(n, 'bad-value', `${what} must be a whole number of ${unit} from ${min} to ${max}, not ${String(v)}`);
      return undefined;
    }
    return v;
  }

  /**
   * The pairs of a mapping whose keys are plain names, first occurrence only
   * (the parser has already reported duplicates).
   */
  entries(map: YAMLMap): Entry[] {
    const out: Entry[] = [];
    const seen = new Set<string>();
    for (const pair of map.items) {
      if (!isPair(pair)) continue;
      const keyNode = this.deref(pair.key as Value);
      if (!keyNode || !isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.report(keyNode ?? null, 'wrong-type', 'keys must be plain names', map);
        continue;
      }
      const key = String(keyNode.value);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, keyNode, value: pair.value as Value });
    }
    return out;
  }
}

/** Keeps echoed input short in messages (a key could be a megabyte long). */
export function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
