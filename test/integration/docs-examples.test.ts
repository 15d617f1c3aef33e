import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../harness/run/results.js';
import { loadSpecFile } from '../../harness/spec/load.js';
import { loadTargetFile } from '../../harness/target/definition.js';
import { ROOT, tcpconform, tempDir } from './helpers.js';

/**
 * The docs' examples are real: every block marked `yaml spec` is a valid
 * spec and passes against the reference programs, every `yaml target` is a
 * valid target file, and every `js run` program runs to exit status 0.
 */

interface Example {
  kind: 'spec' | 'target' | 'run';
  /** docs/file.md:line of the block's first line. */
  where: string;
  text: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  const dir = path.join(ROOT, 'docs');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^```(yaml spec|yaml target|js run)\s*$/.exec(lines[i]!);
      if (!m) continue;
      const end = lines.indexOf('```', i + 1);
      out.push({ kind: m[1]!.split(' ')[1] as Example['kind'], where: `docs/${name}:${i + 2}`, text: lines.slice(i + 1, end).join('\n') + '\n' });
      i = end;
    }
  }
  return out;
}

const all = examples();
const specs = all.filter((e) => e.kind === 'spec');
const work = tempDir('docs');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the docs mark their examples', () => {
  const count = (k: Example['kind']) => all.filter((e) => e.kind === k).length;
  expect(count('spec')).toBeGreaterThanOrEqual(8);
  expect(count('target')).toBeGreaterThanOrEqual(2);
  expect(count('run')).toBeGreaterThanOrEqual(5);
});

test.each(all.filter((e) => e.kind !== 'run').map((e) => [e.where, e] as const))('%s is valid', (_where, e) => {
  const r = e.kind === 'spec' ? loadSpecFile(e.where, e.text) : loadTargetFile(e.where, e.text);
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
});

test('every spec example passes against the reference programs', async () => {
  const dir = path.join(work, 'specs');
  fs.mkdirSync(dir);
  specs.forEach((e, i) => fs.writeFileSync(path.join(dir, `example-${i}.yaml`), e.text));
  const out = path.join(work, 'reports');
  const r = await tcpconform(['run', dir, '--out', out, '--reporter', 'json', '--no-color']);
  const result = JSON.parse(fs.readFileSync(path.join(out, 'latest/results.json'), 'utf8')) as RunResult;
  const where = new Map(specs.map((e, i) => [path.join(dir, `example-${i}.yaml`), e.where]));
  expect(result.results.filter((x) => x.verdict !== 'pass').map((x) => `${where.get(path.resolve(ROOT, x.file))}: ${x.verdict}: ${x.reason}`)).toEqual([]);
  expect(result.results).toHaveLength(specs.length);
  expect(r.exitCode).toBe(0);
}, 120_000);

// The programs import 'tcpconform', which a file inside the package resolves to its own dist/.
test.each(all.filter((e) => e.kind === 'run').map((e) => [e.where, e] as const))('%s runs', async (where, e) => {
  const artifacts = path.join(ROOT, 'test/artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${where.replace(/[^a-z0-9]+/gi, '-')}.mjs`);
  fs.writeFileSync(file, e.text);
  const cwd = fs.mkdtempSync(path.join(work, 'run-'));
  try {
    const r = await execa(process.execPath, [file], { cwd, reject: false, stdin: 'ignore', all: true, timeout: 120_000 });
    expect({ where, exitCode: r.exitCode, output: r.exitCode === 0 ? '' : r.all }).toEqual({ where, exitCode: 0, output: '' });
  } finally {
    fs.rmSync(file, { force: true });
  }
}, 120_000);
