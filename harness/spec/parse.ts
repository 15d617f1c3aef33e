import { Composer, isScalar, Parser, visit, type CST, type Document } from 'yaml';
import { diagnosticAt, fileDiagnostic, sourceText, type Diagnostic, type SourceText } from './diagnostic.js';

/**
 * From bytes to a YAML document, refusing input that would make the YAML
 * library slow, crash or print garbage: huge files, non-UTF-8 or binary
 * content, and nesting deep enough to exhaust the stack (the library's
 * composer recurses per level; its lexer and parser do not, so depth is
 * measured on their output before composing).
 */

export const MAX_SPEC_BYTES = 1024 * 1024;
export const MAX_DEPTH = 64;

export interface ParsedYaml {
  src: SourceText;
  /** Present when the text is YAML sound enough to be checked further. */
  doc?: Document.Parsed;
  diagnostics: Diagnostic[];
}

/** Offset of the first byte that is not part of valid UTF-8, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += n + 1;
  }
  return -1;
}

/** Bytes to text, or the reason the bytes are not a spec file. */
export function decodeSpec(file: string, buf: Uint8Array): { text?: string; diagnostics: Diagnostic[] } {
  if (buf.length > MAX_SPEC_BYTES) return { diagnostics: [tooLarge(file, buf.length)] };
  const bad = firstInvalidUtf8(buf);
  if (bad !== -1) {
    // Show the line with the bad byte: decode lossily, where it becomes one U+FFFD.
    const text = Buffer.from(buf).toString('utf8');
    const at = Buffer.from(buf.subarray(0, bad)).toString('utf8').length;
    const d = diagnosticAt(
      sourceText(file, text),
      'not-utf8',
      `byte 0x${(buf[bad] as number).toString(16).padStart(2, '0')} at offset ${bad} is not valid UTF-8; spec files are UTF-8 text`,
      at,
      at + 1,
    );
    return { diagnostics: [d] };
  }
  return { text: Buffer.from(buf).toString('utf8'), diagnostics: [] };
}

function tooLarge(file: string, bytes: number): Diagnostic {
  return fileDiagnostic(file, 'too-large', `the file has ${bytes} bytes; spec files are limited to ${MAX_SPEC_BYTES} (1 MiB)`);
}

// YAML 1.2 allows tab, LF and CR among the C0 controls, and excludes DEL and
// the two non-characters below: anything else means this is not a text file.
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/;

/** Parses `text` as one YAML document, collecting every YAML-level problem. */
export function parseSpecYaml(file: string, text: string): ParsedYaml {
  const bytes = Buffer.byteLength(text, 'utf8');
  // Positions come from an index of the whole text (see sourceText), not
  // from the parser's, which misses lines inside some broken constructs.
  const src: SourceText = sourceText(file, text);
  if (bytes > MAX_SPEC_BYTES) return { src, diagnostics: [tooLarge(file, bytes)] };

  const control = NOT_TEXT.exec(text);
  if (control) {
    const ch = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const d = diagnosticAt(src, 'binary', `control character U+${ch} is not allowed; is this a binary file?`, control.index, control.index + 1);
    return { src, diagnostics: [d] };
  }

  const tokens = Array.from(new Parser().parse(text));
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    const d = diagnosticAt(src, 'too-deep', `collections are nested more than ${MAX_DEPTH} levels deep`, deep, deep + 1);
    return { src, diagnostics: [d] };
  }

  // Duplicate keys are found below with one Set per mapping: yaml's own
  // uniqueKeys check compares each key with every earlier one (quadratic).
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const diagnostics: Diagnostic[] = [];
  const doc = docs[0];
  if (!doc) return { src, diagnostics: [fileDiagnostic(file, 'empty-file', 'the file is empty')] };

  let unreliable = false;
  for (const e of [...doc.errors, ...doc.warnings]) {
    const [start, end] = e.pos;
    const duplicate = e.code === 'DUPLICATE_KEY';
    if (!duplicate) unreliable = true;
    diagnostics.push(
      diagnosticAt(src, duplicate ? 'duplicate-key' : 'yaml-syntax', duplicate ? 'this key is already used in this mapping' : bareMessage(e.message), start, end),
    );
  }
  for (const [start, end] of duplicateKeys(doc)) {
    diagnostics.push(diagnosticAt(src, 'duplicate-key', 'this key is already used in this mapping', start, end));
  }
  const second = docs[1];
  if (second) {
    // One spec per file: keeps ids, positions and file names one to one.
    unreliable = true;
    const at = second.range[0];
    diagnostics.push(diagnosticAt(src, 'multiple-documents', 'the file holds more than one YAML document; put one spec in each file', at, at + 1));
  }
  if (unreliable) return { src, diagnostics };

  if (doc.contents === null || isNullScalar(doc)) {
    diagnostics.push(fileDiagnostic(file, 'empty-file', 'the file has no content (only comments or blank lines)'));
    return { src, diagnostics };
  }
  return { src, doc, diagnostics };
}

/** The ranges of keys that repeat an earlier key of the same mapping (scalar keys, compared by value). */
function duplicateKeys(doc: Document.Parsed): [number, number][] {
  const out: [number, number][] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (seen.has(key)) {
          const r = pair.key.range;
          if (r) out.push([r[0], r[1]]);
        } else seen.add(key);
      }
    },
  });
  return out;
}

function isNullScalar(doc: Document.Parsed): boolean {
  const c = doc.contents as { value?: unknown; source?: string; range?: unknown } | null;
  // An empty document composes to a null scalar with an empty source.
  return c !== null && 'value' in c && c.value === null && (c.source === '' || c.source === undefined);
}

/** yaml's messages sometimes end with position text of their own; ours carry the position separately. */
function bareMessage(m: string): string {
  return m.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

/** Offset of the first collection nested deeper than MAX_DEPTH, walking the CST without recursion. */
function tooDeep(tokens: CST.Token[]): number | undefined {
  const stack: Array<[CST.Token, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [t, depth] = stack.pop() as [CST.Token, number];
    switch (t.type) {
      case 'document':
        if (t.value) stack.push([t.value, depth]);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        const d = depth + 1;
        if (d > MAX_DEPTH) return t.type === 'flow-collection' ? t.start.offset : t.offset;
        for (const item of t.items) {
          if (item.key) stack.push([item.key, d]);
          if (item.value) stack.push([item.value, d]);
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}
