import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ROOT, tempDir } from './helpers.js';

/**
 * The package as another project gets it: `npm pack`, installed into a
 * fresh project (from the local npm cache, offline), `npx tcpconform run`
 * with the bundled reference and specs, `tcpconform init`, and jest tests
 * written with tcpconform/jest, passing, and failing with the diff in
 * jest-junit's XML.
 */

const dir = tempDir('package');
const project = path.join(dir, 'project');
// The reference programs of an installed package are built into this cache.
const env = { XDG_CACHE_HOME: path.join(dir, 'cache'), JEST_JUNIT_OUTPUT_DIR: path.join(dir, 'junit') };

async function sh(cmd: string, args: string[], cwd = project) {
  const r = await execa(cmd, args, { cwd, env, reject: false, stdin: 'ignore', all: true, timeout: 240_000 });
  return { exitCode: r.exitCode ?? -1, all: String(r.all ?? '') };
}

function version(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

beforeAll(async () => {
  // pretest has just built dist/; a plain `npm pack` would build it again (prepare).
  const pack = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  expect(pack.exitCode).toBe(0);
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-server-tests', version: '1.0.0', private: true }));
  // The repository's own versions, so everything comes from the cache; @types/node pinned
  // because jest's dependencies would otherwise ask for the newest.
  const install = await sh('npm', [
    'install', '--offline', '--no-audit', '--no-fund',
    path.join(dir, `tcpconform-${version('..')}.tgz`),
    `jest@${version('jest')}`, `jest-junit@${version('jest-junit')}`, `@types/node@${version('@types/node')}`,
    `typescript@${version('typescript')}`,
  ]);
  expect(install).toMatchObject({ exitCode: 0 });
}, 240_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the tarball holds the build, the specs, the schemas and the reference sources, not its binaries', () => {
  const pkg = path.join(project, 'node_modules/tcpconform');
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/jest/index.cjs', 'dist/jest/index.d.cts', 'bin/tcpconform.js',
    'specs/handshake/three-way.yaml', 'schemas/spec.schema.json', 'schemas/target.schema.json', 'schemas/results.schema.json',
    'targets/reference.yaml', 'targets/reference/src/server.c', 'targets/lwip.yaml', 'targets/lwip/src/main.c', 'CHANGELOG.md', 'docs/api.md']) {
    expect([f, fs.existsSync(path.join(pkg, f))]).toEqual([f, true]);
  }
  expect(fs.existsSync(path.join(pkg, 'targets/reference/build'))).toBe(false);
  expect(fs.existsSync(path.join(pkg, 'targets/lwip/build'))).toBe(false);
  expect(fs.existsSync(path.join(pkg, 'test'))).toBe(false);
});

test('npx tcpconform run: the bundled specs against the bundled reference, built into the cache', async () => {
  const r = await sh('npx', ['tcpconform', 'run', '--grep', 'three-way|client-first', '--no-color', '--reporter', 'console']);
  expect(r.all).toMatch(/2 specs in \d+ ms: 2 pass/);
  expect(r.exitCode).toBe(0);
  expect(fs.readdirSync(path.join(env.XDG_CACHE_HOME, 'tcpconform')).some((d) => d.startsWith('reference-'))).toBe(true);
});

test('the lwIP target builds from the installed package, into the cache too', async () => {
  const r = await sh('npx', ['tcpconform', 'run', '--target', 'lwip', '--grep', 'three-way', '--no-color', '--reporter', 'console']);
  expect(r.all).toMatch(/1 spec in \d+ ms: 1 pass/);
  expect(r.exitCode).toBe(0);
  expect(fs.readdirSync(path.join(env.XDG_CACHE_HOME, 'tcpconform')).some((d) => d.startsWith('lwip-'))).toBe(true);
});

test('the library loads as an ES module and names its exports', async () => {
  const script = "import('tcpconform').then(async (t) => { const specs = await t.loadSuite(undefined, { grep: /three-way/ }); console.log(specs.map((s) => s.id).join(','), typeof t.run); })";
  const r = await sh(process.execPath, ['-e', script]);
  expect(r).toMatchObject({ exitCode: 0, all: 'handshake.three-way function' });
});

test('the types: a TypeScript program using the API and tcpconform/jest compiles, and a wrong option does not', async () => {
  fs.writeFileSync(
    path.join(project, 'check.mts'),
    [
      "import { loadSuite, run, BadInputError, type Observer, type Reporter, type RunResult } from 'tcpconform';",
      "import { describeConformance, type ConformanceOptions } from 'tcpconform/jest';",
      "const reporter: Reporter = { name: 'r', onEnd: (r: RunResult) => console.log(r.totals) };",
      "const observer: Observer = { name: 'o', onSegment: (s) => console.log(s.flags, s.len) };",
      'export async function go(): Promise<boolean> {',
      '  const specs = await loadSuite();',
      "  const outcome = await run({ specs, target: 'reference', reporters: [reporter], observers: [observer], faults: [{ name: 'f', action: 'drop', match: (s) => s.flags === 'FIN' }] });",
      '  return outcome.ok && !(outcome instanceof BadInputError);',
      '}',
      "const options: ConformanceOptions = { specs: 'specs', target: 'reference', ip: 'both' };",
      'describeConformance;',
      'options;',
      "// @ts-expect-error: there is no option 'spec'",
      "const wrong: ConformanceOptions = { spec: 'specs' };",
      'wrong;',
      '',
    ].join('\n'),
  );
  const tsc = await sh('npx', ['tsc', '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'check.mts']);
  expect(tsc.all).not.toMatch(/error/i);
  expect(tsc.exitCode).toBe(0);
}, 60_000);

test('a jest test written with tcpconform/jest passes against the reference server, and a wrong spec fails with its diff in jest-junit', async () => {
  const init = await sh('npx', ['tcpconform', 'init', 'conformance', '--server', '{reference}/tcpref-server']);
  expect(init.exitCode).toBe(0);
  expect(fs.readFileSync(path.join(project, 'conformance/specs/server-handshake.yaml'), 'utf8')).toMatch(
    /^# yaml-language-server: \$schema=\.\.\/\.\.\/node_modules\/tcpconform\/schemas\/spec\.schema\.json\n/,
  );
  fs.writeFileSync(
    path.join(project, 'server.test.js'),
    [
      "const { describeConformance } = require('tcpconform/jest');",
      "describeConformance({ title: 'starter specs', specs: 'conformance/specs', target: 'conformance/target.yaml' });",
      "describeConformance({ title: 'bundled handshakes', specs: 'node_modules/tcpconform/specs/handshake', grep: 'three-way|closed-port' });",
      '',
    ].join('\n'),
  );
  const pass = await sh('npx', ['jest', '--ci', 'server.test.js']);
  expect(pass.all).toMatch(/✓ starter\.server-handshake: The server accepts a connection/);
  expect(pass.all).toMatch(/✓ handshake\.three-way: /);
  expect(pass.all).toMatch(/Tests: +4 passed, 4 total/);
  expect(pass.exitCode).toBe(0);

  fs.mkdirSync(path.join(project, 'wrong'));
  fs.copyFileSync(path.join(FIXTURES, 'specs/wrong/three-way-wrong.yaml'), path.join(project, 'wrong/three-way-wrong.yaml'));
  fs.writeFileSync(path.join(project, 'wrong.test.js'), "require('tcpconform/jest').describeConformance({ title: 'wrong', specs: 'wrong' });\n");
  // --reporters takes a list, so the test path comes before it.
  const fail = await sh('npx', ['jest', '--ci', 'wrong.test.js', '--reporters=default', '--reporters=jest-junit']);
  expect(fail.exitCode).toBe(1);
  const xml = fs.readFileSync(path.join(env.JEST_JUNIT_OUTPUT_DIR, 'junit.xml'), 'utf8');
  const doc = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
    testsuites: { testsuite: { testcase: { '@_name': string; failure: string } } };
  };
  const testcase = doc.testsuites.testsuite.testcase;
  expect(testcase['@_name']).toMatch(/^wrong wrong\.three-way: /);
  expect(testcase.failure).toContain('fail: observed states differ from expected for a');
  // The diff: expected and observed states, line by line.
  expect(testcase.failure).toMatch(/a \(client, reference\):\n/);
  expect(testcase.failure).toMatch(/^ +[-+] /m);
});
