import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ROOT, tcpconform, tempDir } from './helpers.js';

/**
 * tcpconform/jest as a project's jest sees it: a real jest run (this
 * repository's jest, on a project folder of its own) whose tests come from
 * describeConformance; the results are read from jest's --json output.
 * The happy path in a freshly installed project is in package.test.ts.
 */

const JEST = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const INTEGRATION = path.join(ROOT, 'dist/jest/index.cjs');

interface JestJson {
  numFailedTests: number;
  numPassedTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

const dir = tempDir('jest');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function jest(name: string, source: string, user?: string): Promise<{ exitCode: number; json: JestJson; output: string }> {
  const project = path.join(dir, name);
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "p", "private": true }\n');
  fs.writeFileSync(path.join(project, 'conformance.test.js'), source);
  fs.chmodSync(dir, 0o755);
  for (const p of [project, ...fs.readdirSync(project).map((f) => path.join(project, f))]) fs.chmodSync(p, 0o777);
  const args = [JEST, '--ci', '--rootDir', project, '--cacheDirectory', path.join(project, '.cache'), '--json', '--outputFile', path.join(project, 'out.json')];
  const cmd = user ? ['runuser', '-u', user, '--', process.execPath, ...args] : [process.execPath, ...args];
  const r = await execa(cmd[0]!, cmd.slice(1), { cwd: project, reject: false, stdin: 'ignore', all: true, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, json: JSON.parse(fs.readFileSync(path.join(project, 'out.json'), 'utf8')) as JestJson, output: String(r.all) };
}

const tests = (j: JestJson) => j.testResults.flatMap((t) => t.assertionResults);

test('list --json names the specs and, with --target, the deviations it documents', async () => {
  const r = await tcpconform(['list', '--json', '--target', 'reference', '--grep', 'time-wait-timer|three-way']);
  expect(r.exitCode).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual([
    { id: 'close.time-wait-timer', title: expect.any(String), file: 'specs/close/time-wait-timer.yaml', deviation: expect.stringMatching(/^Linux holds TIME_WAIT/) },
    { id: 'handshake.three-way', title: expect.any(String), file: 'specs/handshake/three-way.yaml' },
  ]);
});

test('a deviation passes under its own name, an error fails with the reason and stderr, a bad target fails with the diagnostic', async () => {
  const source = [
    `const { describeConformance } = require(${JSON.stringify(INTEGRATION)});`,
    `describeConformance({ title: 'deviation', cwd: ${JSON.stringify(ROOT)}, specs: 'specs/close/time-wait-timer.yaml', out: ${JSON.stringify(path.join(dir, 'r1'))} });`,
    `describeConformance({ title: 'broken', cwd: ${JSON.stringify(ROOT)}, specs: 'specs/handshake/three-way.yaml', target: ${JSON.stringify(path.join(FIXTURES, 'targets/exits-at-once.yaml'))}, out: ${JSON.stringify(path.join(dir, 'r2'))} });`,
    `describeConformance({ title: 'bad target', cwd: ${JSON.stringify(ROOT)}, target: 'no-such-target' });`,
    '',
  ].join('\n');
  const r = await jest('modes', source);
  const byName = Object.fromEntries(tests(r.json).map((t) => [t.fullName, t]));
  expect(Object.keys(byName)).toEqual([
    expect.stringMatching(/^deviation close\.time-wait-timer: .* \(documented deviation of reference\)$/),
    expect.stringMatching(/^broken handshake\.three-way: /),
    'bad target load the specs and the target',
  ]);
  const [deviation, broken, bad] = Object.values(byName);
  expect(deviation!.status).toBe('passed');
  expect(r.output).toMatch(/close\.time-wait-timer \(IPv4\): deviation: reference: Linux holds TIME_WAIT/);
  expect(broken!.status).toBe('failed');
  expect(broken!.failureMessages[0]).toMatch(/^error: b \(fault\.exits-at-once server\) exited with status 3/);
  expect(broken!.failureMessages[0]).toContain('stderr of b:\nexit-at-once: cannot open configuration file');
  expect(bad!.status).toBe('failed');
  expect(bad!.failureMessages[0]).toMatch(/exited with 2:\n.*no target "no-such-target"/s);
  expect(r.exitCode).toBe(1);
});

test('without root the specs run in a user namespace and the tests pass', async () => {
  const out = path.join(dir, 'nonroot-reports');
  fs.mkdirSync(out, { mode: 0o777 });
  fs.chmodSync(out, 0o777);
  const source = `require(${JSON.stringify(INTEGRATION)}).describeConformance({ cwd: ${JSON.stringify(ROOT)}, grep: 'three-way|client-first', out: ${JSON.stringify(out)} });\n`;
  const r = await jest('nonroot', source, 'nobody');
  const all = tests(r.json);
  expect(all.map((t) => t.status)).toEqual(['passed', 'passed']);
  expect(all.map((t) => t.fullName).join('\n')).toMatch(/client-first[^]*three-way/);
  expect(r.exitCode).toBe(0);
});
