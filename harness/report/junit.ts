import path from 'node:path';
import type { RunResult, SpecResult } from '../run/results.js';
import { writeFileAtomic } from './atomic.js';
import { stripAnsi } from './format.js';
import type { Reporter } from './reporter.js';
import { attrs, element } from './xml.js';

export const JUNIT_FILE = 'junit.xml';

/**
 * junit.xml for CI systems (GitLab, Jenkins, GitHub test-report actions),
 * in the common dialect they all read:
 *
 * - one `<testsuite>` per folder of spec files (a suite, e.g. `specs/close`);
 * - one `<testcase name="<spec id>" classname="<spec file>">` per spec;
 * - fail: `<failure message=reason>diff</failure>`;
 * - error: `<error message=reason>stderr tails</error>`;
 * - skipped, not-applicable: `<skipped message="...">` (CI counts neither as passed);
 * - deviation: passes, with `<system-out>` naming the documented deviation,
 *   since the target's profile declares it and CI must not go red for it.
 *
 * Times are in seconds.
 */
export class JunitReporter implements Reporter {
  readonly name = 'junit';

  constructor(private readonly outDir: string) {}

  async onEnd(run: RunResult): Promise<void> {
    await writeFileAtomic(path.join(this.outDir, JUNIT_FILE), junitXml(run));
  }
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** Spec files are relative paths; either separator groups the same way. */
function suiteOf(file: string): string {
  const dir = path.posix.dirname(file.replace(/\\/g, '/'));
  return dir === '' ? '.' : dir;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function count(results: readonly SpecResult[]): Counts {
  const c: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
  for (const r of results) {
    c.tests++;
    c.ms += r.durationMs;
    if (r.verdict === 'fail') c.failures++;
    else if (r.verdict === 'error') c.errors++;
    else if (r.verdict === 'skipped' || r.verdict === 'not-applicable') c.skipped++;
  }
  return c;
}

function testcase(r: SpecResult): string {
  const head = `    <testcase${attrs({ name: r.spec, classname: r.file, time: seconds(r.durationMs) })}`;
  const body: string[] = [];
  const reason = r.reason !== undefined ? stripAnsi(r.reason) : undefined;
  switch (r.verdict) {
    case 'pass':
      break;
    case 'fail':
      body.push(element('failure', { message: reason ?? 'behaviour differs from the spec', type: 'fail' }, stripAnsi(r.diff ?? '')));
      break;
    case 'error': {
      const tails = Object.entries(r.stderr ?? {})
        .filter(([, t]) => t.trim() !== '')
        .map(([name, t]) => `stderr of ${name}:\n${stripAnsi(t).replace(/\s+$/, '')}`)
        .join('\n\n');
      body.push(element('error', { message: reason ?? 'the harness or the target broke', type: 'error' }, tails));
      break;
    }
    case 'skipped':
      body.push(element('skipped', { message: `skipped: ${reason ?? 'no reason given'}` }));
      break;
    case 'not-applicable':
      body.push(element('skipped', { message: `not applicable: ${reason ?? 'no reason given'}` }));
      break;
    case 'deviation':
      body.push(element('system-out', {}, `deviation: ${reason ?? 'documented by the target profile'}${r.diff ? `\n${stripAnsi(r.diff)}` : ''}`));
      break;
  }
  if (body.length === 0) return `${head}/>`;
  return `${head}>\n${body.map((b) => `      ${b}`).join('\n')}\n    </testcase>`;
}

/** The whole document. Exported for tests and for `tcpconform report`, which rebuilds reports from results.json. */
export function junitXml(run: RunResult): string {
  const suites = new Map<string, SpecResult[]>();
  for (const r of run.results) {
    const key = suiteOf(r.file);
    let list = suites.get(key);
    if (!list) suites.set(key, (list = []));
    list.push(r);
  }
  const all = count(run.results);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `tcpconform ${run.run}`, tests: all.tests, failures: all.failures, errors: all.errors, skipped: all.skipped, time: seconds(run.durationMs), timestamp: run.startedAt })}>`,
  ];
  for (const [name, results] of suites) {
    const c = count(results);
    lines.push(
      `  <testsuite${attrs({ name, tests: c.tests, failures: c.failures, errors: c.errors, skipped: c.skipped, time: seconds(c.ms), timestamp: run.startedAt })}>`,
    );
    lines.push(...results.map(testcase));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
