/**
 * tcpconform in a jest suite: `describeConformance` turns a folder of specs
 * and a target into one jest test per spec. CommonJS with no imports of the
 * harness, so it loads in jest's default (CommonJS) mode without flags: the
 * run itself happens in a child `tcpconform run`, which also keeps the
 * harness's poll thread and network namespaces out of jest's workers.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ConformanceOptions {
  /** Spec files or folders (default: the bundled suite), relative to `cwd`. */
  specs?: string | string[];
  /** Bundled target id or target file (default `reference`), relative to `cwd`. */
  target?: string;
  /** Default: the process's working directory (jest's rootDir when run with `npx jest`). */
  cwd?: string;
  /** Only specs whose id or title matches this regular expression. */
  grep?: string;
  /** Specs run at once (default 8). */
  jobs?: number;
  ip?: 4 | 6 | 'both';
  /** Keep the kernel's protocol timers. */
  realTimers?: boolean;
  /** Reports folder (default `reports/jest-<title>`); the run writes `<out>/<run>/` and `<out>/latest`. */
  out?: string;
  /** Report files besides results.json (default: junit, html, markdown). */
  reporters?: ('junit' | 'html' | 'markdown')[];
  /** The describe block's title (default `tcpconform: <target>`). */
  title?: string;
  /** How long the whole run may take (default 10 minutes). */
  timeoutMs?: number;
}

/** One spec as `tcpconform list --json` prints it. */
interface Listed {
  id: string;
  title: string;
  file: string;
  deviation?: string;
}

interface SpecResultLike {
  spec: string;
  ip: number;
  verdict: string;
  reason?: string;
  diff?: string;
  stderr?: Record<string, string>;
}

type Fn = () => unknown;
interface JestGlobals {
  describe(name: string, fn: () => void): void;
  test(name: string, fn: Fn, timeout?: number): void;
  beforeAll(fn: Fn, timeout?: number): void;
  afterAll(fn: Fn, timeout?: number): void;
}

const BIN = path.join(__dirname, '..', '..', 'bin', 'tcpconform.js');

/** A failure jest shows as the message alone: the diff is the point, not a stack trace. */
class ConformanceFailure extends Error {
  override name = 'ConformanceFailure';
  constructor(message: string) {
    super(message);
    this.stack = message;
  }
}

function jestGlobals(): JestGlobals {
  const g = globalThis as unknown as Partial<JestGlobals>;
  if (!g.describe || !g.test || !g.beforeAll || !g.afterAll) {
    throw new Error('describeConformance must be called from a jest test file (describe, test, beforeAll are missing)');
  }
  return g as JestGlobals;
}

/**
 * Declares a describe block with one test per spec. The specs run once, in
 * parallel labs, before the first test; each test then reports its spec's
 * verdict: pass and deviation (documented by the target) pass, fail and
 * error fail with the diff or the reason, not-applicable and skipped pass
 * and are listed after the block. A run that cannot start (bad input, not
 * root) fails every test with the harness's message.
 */
export function describeConformance(opts: ConformanceOptions = {}): void {
  const jest = jestGlobals();
  const cwd = opts.cwd ?? process.cwd();
  const target = opts.target ?? 'reference';
  const specs = opts.specs === undefined ? [] : typeof opts.specs === 'string' ? [opts.specs] : opts.specs;
  const title = opts.title ?? `tcpconform: ${target}`;
  const out = opts.out ?? path.join('reports', `jest-${slug(title)}`);

  const listArgs = ['list', '--json', '--target', target, ...(opts.grep !== undefined ? ['--grep', opts.grep] : []), ...specs];
  const listed = spawnSync(process.execPath, [BIN, ...listArgs], { cwd, encoding: 'utf8' });
  if (listed.status !== 0) {
    jest.describe(title, () => {
      jest.test('load the specs and the target', () => {
        throw new ConformanceFailure(`tcpconform ${listArgs.join(' ')} exited with ${listed.status ?? listed.signal}:\n${listed.stderr}`);
      });
    });
    return;
  }
  const list = JSON.parse(listed.stdout) as Listed[];

  jest.describe(title, () => {
    let results = new Map<string, SpecResultLike[]>();
    let failure: string | undefined;

    jest.beforeAll(async () => {
      const reporters = ['json', ...(opts.reporters ?? ['junit', 'html', 'markdown'])];
      const args = [
        'run',
        '--target', target,
        '--out', out,
        '--reporter', reporters.join(','),
        '--no-color',
        ...(opts.grep !== undefined ? ['--grep', opts.grep] : []),
        ...(opts.jobs !== undefined ? ['--jobs', String(opts.jobs)] : []),
        ...(opts.ip !== undefined ? ['--ip', String(opts.ip)] : []),
        ...(opts.realTimers ? ['--real-timers'] : []),
        ...specs,
      ];
      const { code, stderr } = await runChild(args, cwd);
      const file = path.resolve(cwd, out, 'latest', 'results.json');
      if ((code !== 0 && code !== 1) || !fs.existsSync(file)) {
        failure = `tcpconform ${args.join(' ')} exited with ${code}${stderr ? `:\n${stderr}` : ''}`;
        return;
      }
      const run = JSON.parse(fs.readFileSync(file, 'utf8')) as { results: SpecResultLike[] };
      results = new Map();
      for (const r of run.results) results.set(r.spec, [...(results.get(r.spec) ?? []), r]);
    }, opts.timeoutMs ?? 600_000);

    jest.afterAll(() => {
      const notRun = [...results.values()].flat().filter((r) => r.verdict === 'not-applicable' || r.verdict === 'skipped' || r.verdict === 'deviation');
      if (notRun.length) {
        console.info(
          `tcpconform: specs that passed without passing (reports in ${path.join(out, 'latest')}):\n` +
            notRun.map((r) => `  ${r.spec} (IPv${r.ip}): ${r.verdict}${r.reason ? `: ${r.reason.replace(/\s+/g, ' ').trim()}` : ''}`).join('\n'),
        );
      }
    });

    for (const spec of list) {
      const name = `${spec.id}: ${spec.title}${spec.deviation ? ` (documented deviation of ${target})` : ''}`;
      jest.test(name, () => {
        if (failure !== undefined) throw new ConformanceFailure(failure);
        const mine = results.get(spec.id);
        if (!mine?.length) throw new ConformanceFailure(`${spec.id} has no result: the run ended before it (see ${path.join(out, 'latest')})`);
        const bad = mine.filter((r) => r.verdict === 'fail' || r.verdict === 'error');
        if (bad.length) throw new ConformanceFailure(bad.map((r) => explain(r, mine.length > 1)).join('\n\n'));
      });
    }
  });
}

/** The failure message: verdict and reason, the expected-vs-observed diff, the target's stderr. */
function explain(r: SpecResultLike, withIp: boolean): string {
  const lines = [`${r.verdict}${withIp ? ` (IPv${r.ip})` : ''}: ${r.reason ?? ''}`];
  if (r.diff) lines.push('', r.diff);
  for (const [endpoint, tail] of Object.entries(r.stderr ?? {})) lines.push('', `stderr of ${endpoint}:`, tail.trimEnd());
  return lines.join('\n');
}

function runChild(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      // The harness's messages are short; a flood is cut rather than held.
      if (stderr.length < 64 * 1024) stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: stderr.trimEnd() }));
  });
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '') || 'run';
}
