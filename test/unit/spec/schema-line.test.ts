import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpecFile, loadSpecs } from '../../../harness/spec/load.js';
import { loadTargetFile } from '../../../harness/target/definition.js';

/**
 * Spec and target files name their JSON Schema on their first line for
 * editors. The line must point at the schema from where the file is, and
 * must change nothing for the loader but the line numbers after it.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LINE = /^# yaml-language-server: \$schema=(\S+)\n/;

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(dir, f));
}

const specFiles = [...yamlFiles('specs'), ...['good', 'wire', 'wrong', 'duplicate-id'].flatMap((d) => yamlFiles(`test/fixtures/specs/${d}`))];
const targetFiles = [...yamlFiles('targets').filter((f) => !f.includes('/src/')), ...yamlFiles('test/fixtures/targets')];

test.each([...specFiles.map((f) => [f, 'spec'] as const), ...targetFiles.map((f) => [f, 'target'] as const)])(
  '%s names the %s schema by a relative path that exists',
  (file, kind) => {
    const m = LINE.exec(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    expect(m).not.toBeNull();
    expect(path.resolve(ROOT, path.dirname(file), m![1]!)).toBe(path.join(ROOT, 'schemas', `${kind}.schema.json`));
  },
);

test('every valid fixture and bundled spec loads without diagnostics', async () => {
  for (const f of specFiles) expect([f, loadSpecFile(path.join(ROOT, f)).diagnostics]).toEqual([f, []]);
  expect((await loadSpecs(['specs'], { cwd: ROOT })).diagnostics).toEqual([]);
  for (const f of targetFiles) expect([f, loadTargetFile(path.join(ROOT, f)).diagnostics]).toEqual([f, []]);
});

test('the schema line changes nothing but the line numbers after it', () => {
  const file = path.join(ROOT, 'specs/handshake/three-way.yaml');
  const withLine = fs.readFileSync(file, 'utf8');
  const without = withLine.replace(LINE, '');
  expect(without).not.toBe(withLine);
  const a = loadSpecFile(file, withLine).spec!;
  const b = loadSpecFile(file, without).spec!;
  // Positions of steps move down by exactly one line; everything else is equal.
  const shift = (v: unknown): unknown =>
    JSON.parse(JSON.stringify(v), (k, x: unknown) => (k === 'line' && typeof x === 'number' ? x - 1 : x));
  expect(shift(a)).toEqual(JSON.parse(JSON.stringify(b)));

  const broken = (text: string) => loadSpecFile('x.yaml', text.replace('SYN_SENT, ESTABLISHED]', 'SYN_SENT, TIME_WAIT]')).diagnostics;
  const [d1] = broken(withLine);
  const [d2] = broken(without);
  expect(d1!.code).toBe('illegal-transition');
  expect({ line: d1!.line - 1, col: d1!.col, message: d1!.message }).toEqual({ line: d2!.line, col: d2!.col, message: d2!.message });
});
