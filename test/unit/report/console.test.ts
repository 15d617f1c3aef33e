import { ConsoleReporter } from '../../../harness/report/console.js';
import { allVerdicts, erroring, failing, sampleRun, sink, specResult } from './fixtures.js';

const runInfo = { run: '20260101-120000-ab12', outDir: 'reports/20260101-120000-ab12', total: 12, jobs: 4, startedAt: '2026-01-01T12:00:00.000Z' };

const hasEscape = (s: string): boolean => /\x1b/.test(s);

describe('ConsoleReporter', () => {
  it('prints a progress line for a pass', () => {
    const out = sink();
    const c = new ConsoleReporter(out, { color: false });
    c.onSpecEnd(specResult('pass', { spec: 'handshake.three-way', durationMs: 45 }), { done: 3, total: 12 });
    expect(out.text()).toBe('[ 3/12] pass  handshake.three-way  (45 ms)\n');
  });

  it('prints the diff of a fail, indented under its line', () => {
    const out = sink();
    new ConsoleReporter(out, { color: false }).onSpecEnd(failing(), { done: 4, total: 12 });
    expect(out.text()).toBe(
      [
        '[ 4/12] fail  close.simultaneous  (1.2 s)',
        '    a: observed states differ from the expected ones',
        '    a:',
        '      CLOSED  (wire)',
        '    - CLOSING',
        '    + TIME_WAIT  (sock_diag)',
        '',
      ].join('\n'),
    );
  });

  it('prints the reason and the stderr tails of an error', () => {
    const out = sink();
    new ConsoleReporter(out, { color: false }).onSpecEnd(erroring(), { done: 12, total: 12 });
    expect(out.text()).toBe(
      [
        '[12/12] error  handshake.crash  (80 ms)',
        '    target reference-server exited with code 1 before it was ready',
        '    stderr of reference-server:',
        '      line 1',
        '      line 2',
        '      bind: Address already in use',
        '',
      ].join('\n'),
    );
  });

  it('shows only the last lines of a long stderr', () => {
    const out = sink();
    const long = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    new ConsoleReporter(out, { color: false, stderrLines: 3 }).onSpecEnd(
      specResult('error', { reason: 'hang', stderr: { t: long } }),
      { done: 1, total: 1 },
    );
    expect(out.text()).toContain('      line 47\n      line 48\n      line 49\n');
    expect(out.text()).not.toContain('line 46');
  });

  it.each([
    ['deviation', 'TIME_WAIT lasts 60 s', '    deviation: TIME_WAIT lasts 60 s'],
    ['skipped', 'needs root', '    needs root'],
    ['not-applicable', 'target lacks capability shutdown', '    target lacks capability shutdown'],
  ] as const)('prints the reason of %s', (verdict, reason, line) => {
    const out = sink();
    new ConsoleReporter(out, { color: false }).onSpecEnd(specResult(verdict, { spec: 's', reason, durationMs: 2500 }), { done: 1, total: 1 });
    expect(out.text()).toBe(`[1/1] ${verdict}  s  (2.5 s)\n${line}\n`);
  });

  it('colors verdict words only when asked', () => {
    const plain = sink();
    const colored = sink();
    for (const r of allVerdicts()) {
      new ConsoleReporter(plain, { color: false }).onSpecEnd(r, { done: 1, total: 6 });
      new ConsoleReporter(colored, { color: true }).onSpecEnd(r, { done: 1, total: 6 });
    }
    expect(hasEscape(plain.text())).toBe(false);
    expect(colored.text()).toContain('\x1b[32mpass\x1b[0m');
    expect(colored.text()).toContain('\x1b[31mfail\x1b[0m');
    expect(colored.text()).toContain('\x1b[33mdeviation\x1b[0m');
  });

  it('keeps escape sequences from a target out of the output', () => {
    const out = sink();
    new ConsoleReporter(out, { color: false }).onSpecEnd(
      specResult('error', { reason: '\x1b[2Jboom', stderr: { t: '\x1b[31mred\x1b[0m' } }),
      { done: 1, total: 1 },
    );
    expect(hasEscape(out.text())).toBe(false);
    expect(out.text()).toContain('boom');
    expect(out.text()).toContain('red');
  });

  it('prints a header and a summary with counts, duration, failures and where the reports are', () => {
    const out = sink();
    const c = new ConsoleReporter(out, { color: false });
    c.onBegin(runInfo);
    c.onEnd(sampleRun());
    expect(out.text()).toBe(
      [
        'Running 12 specs with 4 jobs (run 20260101-120000-ab12)',
        '',
        '',
        '6 specs in 3.5 s: 1 fail, 1 error, 1 deviation, 1 pass, 1 skipped, 1 not-applicable',
        '  fail  close.simultaneous  specs/close/simultaneous.yaml',
        '  error  handshake.crash  specs/handshake/demo.yaml',
        'Reports: reports/20260101-120000-ab12',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing ran', () => {
    const out = sink();
    new ConsoleReporter(out, { color: false, outDir: 'out' }).onEnd(sampleRun([]));
    expect(out.text()).toBe('\n0 specs in 3.5 s: nothing ran\nReports: out\n');
  });

  it('keeps a status line of running specs on a TTY and erases it before each result', () => {
    const out = sink(true);
    const c = new ConsoleReporter(out, { color: false });
    c.onBegin(runInfo);
    c.onSpecBegin({ id: 'a.one', title: '', file: 'f', index: 0, total: 2 });
    c.onSpecBegin({ id: 'a.two', title: '', file: 'f', index: 1, total: 2 });
    expect(out.text().endsWith('running: a.one, a.two')).toBe(true);
    c.onSpecEnd(specResult('pass', { spec: 'a.one' }), { done: 1, total: 2 });
    expect(out.text().endsWith('\r\x1b[2K[1/2] pass  a.one  (45 ms)\nrunning: a.two')).toBe(true);
    c.onSpecEnd(specResult('pass', { spec: 'a.two' }), { done: 2, total: 2 });
    expect(out.text().endsWith('\r\x1b[2K[2/2] pass  a.two  (45 ms)\n')).toBe(true);
  });

  it('draws no status line when not a TTY', () => {
    const out = sink(false);
    const c = new ConsoleReporter(out, { color: false });
    c.onSpecBegin({ id: 'a.one', title: '', file: 'f', index: 0, total: 1 });
    c.onSpecEnd(specResult('pass', { spec: 'a.one' }), { done: 1, total: 1 });
    expect(out.text()).toBe('[1/1] pass  a.one  (45 ms)\n');
  });
});
