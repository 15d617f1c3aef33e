import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../../harness/spec/diagnostic.js';
import { loadSpecFile } from '../../../harness/spec/load.js';
import { loadTargetFile } from '../../../harness/target/definition.js';

/**
 * Property-based fuzzing of the loaders: whatever text comes in, they
 * return (never throw), every diagnostic points inside the text with
 * 1-based positions, and each input takes bounded time.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GOOD_SPECS = ['specs/handshake/three-way.yaml', 'specs/close/simultaneous.yaml', 'specs/handshake/final-ack-held.yaml'].map((f) =>
  fs.readFileSync(path.join(ROOT, f), 'utf8'),
);
const GOOD_TARGET = fs.readFileSync(path.join(ROOT, 'targets/reference.yaml'), 'utf8');

/** Generous, for loaded CI machines: a well-behaved loader takes a few milliseconds. */
const MAX_MS_PER_INPUT = 2000;
const RUNS = 300;

/** Pieces of YAML and of the spec vocabulary, so random text often gets far into the loader. */
const TOKENS = [
  ...' \n\n\t:-[]{},#&*!|>?\'"%@`\\',
  'id: ', 'title: ', 'endpoints:', 'steps:', 'expect:', 'wire:', 'refs: ', 'within: ', 'await: ', 'release: ', 'role: ',
  '  ', '    ', '- ', 'a', 'b', 'a: ', 'b: ', 'client', 'server', 'listen', 'connect', 'accept', 'close', 'abort',
  '{ send: ', '{ recv: ', 'eof', 'shutdown', 'hold', 'drop', 'from: ', 'flags: ', 'FIN+ACK', 'SYN',
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK',
  '-1', '0', '1e12', '.nan', '0x10', 'null', '~', 'true', '---', '...', '&x ', '*x', '!!str ', '<<: ', '\r\n', '\u00e9', '\u{1F600}', '\u0000',
];

const yamlish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 300 }).map((t) => t.join(''));

/** A random edit of a good file: insert, delete or replace a stretch, or move a line. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 10 }), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('move-line' as const), from: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('unicode' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 8 }) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, e: Edit): string {
  if (e.kind === 'move-line') {
    const lines = text.split('\n');
    const [line] = lines.splice(e.from % lines.length, 1);
    lines.splice(e.to % (lines.length + 1), 0, line!);
    return lines.join('\n');
  }
  const at = e.at % (text.length + 1);
  if (e.kind === 'insert' || e.kind === 'unicode') return text.slice(0, at) + e.text + text.slice(at);
  if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + e.len);
  return text.slice(0, at) + e.text + text.slice(at + e.len);
}

const mutated = (sources: string[]) =>
  fc.tuple(fc.constantFrom(...sources), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([text, edits]) => edits.reduce(applyEdit, text));

/** Every diagnostic is inside the text: 1-based line and column, within the line it names. */
function checkPositions(text: string, diagnostics: Diagnostic[]): void {
  const lines = text.split('\n');
  for (const d of diagnostics) {
    expect(Number.isInteger(d.line) && Number.isInteger(d.col)).toBe(true);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines.length);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeLessThanOrEqual(lines[d.line - 1]!.length + 1);
    expect(d.code).toMatch(/^[a-z0-9-]+$/);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

function loadSpec(text: string): void {
  const t0 = performance.now();
  const r = loadSpecFile('fuzz.yaml', text);
  expect(performance.now() - t0).toBeLessThan(MAX_MS_PER_INPUT);
  checkPositions(text, r.diagnostics);
  // A spec comes back exactly when there is nothing to say about the file.
  expect(r.spec === undefined).toBe(r.diagnostics.length > 0);
}

function loadTarget(text: string): void {
  const t0 = performance.now();
  const r = loadTargetFile('fuzz-target.yaml', text);
  expect(performance.now() - t0).toBeLessThan(MAX_MS_PER_INPUT);
  checkPositions(text, r.diagnostics);
  expect(r.target === undefined).toBe(r.diagnostics.length > 0);
}

describe('spec loader under fuzzing', () => {
  test('random YAML-ish text', () => {
    fc.assert(fc.property(yamlish, loadSpec), { numRuns: RUNS });
  });

  test('random mutations of good specs', () => {
    fc.assert(fc.property(mutated(GOOD_SPECS), loadSpec), { numRuns: RUNS });
  });

  test('arbitrary Unicode text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), loadSpec), { numRuns: RUNS });
  });
});

describe('target loader under fuzzing', () => {
  test('random YAML-ish text', () => {
    fc.assert(fc.property(yamlish, loadTarget), { numRuns: RUNS });
  });

  test('random mutations of the reference target', () => {
    fc.assert(fc.property(mutated([GOOD_TARGET]), loadTarget), { numRuns: RUNS });
  });
});
