import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, tcpconform, tempDir } from './helpers.js';

/**
 * `tcpconform report` and `tcpconform show`, run as a user would, on the
 * results of a real run (test/fixtures/results/run.json). Neither needs a
 * lab, so neither needs root.
 */

const RUN = path.join(FIXTURES, 'results/run.json');

describe('tcpconform report', () => {
  const dir = tempDir('report');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('rebuilds every report from a results file into --out, linking the pcaps back to the run folder', async () => {
    const out = path.join(dir, 'out');
    const r = await tcpconform(['report', RUN, '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.exitCode).toBe(0);
    for (const f of ['index.html', 'summary.md', 'junit.xml', 'results.json']) {
      expect(r.stdout).toContain(path.join(out, f));
      expect(fs.statSync(path.join(out, f)).size).toBeGreaterThan(100);
    }
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    const back = path.relative(out, path.dirname(RUN)).split(path.sep).join('/');
    expect(html).toContain(`href="${encodeURI(`${back}/pcap/wrong.three-way.pcap`)}"`);
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(/^## ❌ tcpconform: 1 failed, 6 passed/);
    expect(fs.readFileSync(path.join(out, 'junit.xml'), 'utf8')).toContain('<testcase name="wrong.three-way"');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')).results).toHaveLength(7);
  });

  test('takes a run folder and writes beside its results, with only the reporters asked for', async () => {
    const runDir = path.join(dir, 'run-folder');
    fs.mkdirSync(runDir);
    fs.copyFileSync(RUN, path.join(runDir, 'results.json'));
    const r = await tcpconform(['report', runDir, '--reporter', 'html,markdown']);
    expect(r.exitCode).toBe(0);
    expect(fs.readdirSync(runDir).sort()).toEqual(['index.html', 'results.json', 'summary.md']);
    expect(fs.readFileSync(path.join(runDir, 'index.html'), 'utf8')).toContain('href="pcap/wrong.three-way.pcap"');
  });

  test('renders a results file of another version, with a warning', async () => {
    const doc = JSON.parse(fs.readFileSync(RUN, 'utf8')) as { results: Record<string, unknown>[] };
    doc.results[0]!['fieldFromTheFuture'] = true; // EDITED: a field this version does not know
    const file = path.join(dir, 'other-version.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    const r = await tcpconform(['report', file, '--out', path.join(dir, 'other'), '--reporter', 'html']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*other-version\.json does not match this version's results schema .*; rendering what it has$/m);
    expect(fs.existsSync(path.join(dir, 'other/index.html'))).toBe(true);
  });

  test('refuses what is not a results file, saying why, with exit 2', async () => {
    const notJson = path.join(dir, 'not.json');
    fs.writeFileSync(notJson, '{ nope');
    const wrongShape = path.join(dir, 'shape.json');
    fs.writeFileSync(wrongShape, JSON.stringify({ tool: { name: 'tcpconform', version: '1' }, results: 'no' }));
    const cases: [string[], RegExp][] = [
      [['report', path.join(dir, 'missing.json')], /^error: no results at .*missing\.json; run `tcpconform run` first/m],
      [['report', notJson], /^error: .*not\.json: .*JSON/m],
      [['report', wrongShape], /^error: .*shape\.json is not a tcpconform results file[\s\S]*\/run: Expected required property/m],
      [['report', RUN, '--out', path.join(dir, 'x'), '--reporter', 'html,pdf'], /^error: --reporter: unknown reporter "pdf"/m],
    ];
    for (const [args, message] of cases) {
      const r = await tcpconform(args);
      expect({ args, code: r.exitCode }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('tcpconform show', () => {
  const dir = tempDir('show');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('prints one spec\'s ladder and timelines, without colour off a terminal', async () => {
    const r = await tcpconform(['show', 'wrong.three-way', '--results', RUN]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('wrong.three-way  fail  Three-way handshake expecting the client in SYN_RCVD (wrong on purpose)');
    expect(r.stdout).toContain('Ladder');
    expect(r.stdout).toMatch(/│─+ SYN Seq=0 Len=0 ─+▶│/);
    expect(r.stdout).toContain('Timelines');
    expect(r.stdout).toContain('-       SYN_RCVD     —');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  test('reads reports/latest/results.json by default', async () => {
    fs.mkdirSync(path.join(dir, 'reports/run-1'), { recursive: true });
    fs.copyFileSync(RUN, path.join(dir, 'reports/run-1/results.json'));
    fs.symlinkSync('run-1', path.join(dir, 'reports/latest'));
    const r = await tcpconform(['show', 'close.last-ack-lost'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('[dropped by the relay]');
    expect(r.stdout).toContain('✕');
  });

  test('names the spec meant when the id is mistyped, and says where to find results', async () => {
    const typo = await tcpconform(['show', 'wrong.three-wya', '--results', RUN]);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('error: no spec "wrong.three-wya"');
    expect(typo.stderr).toContain('did you mean wrong.three-way?');
    const none = await tcpconform(['show', 'x'], { cwd: path.join(dir, 'reports/run-1') });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/^error: no results at reports\/latest\/results\.json; run `tcpconform run` first/m);
  });
});
