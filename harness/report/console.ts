import type { RunResult, SpecResult, VerdictName } from '../run/results.js';
import { coverageSummary } from './coverage-text.js';
import { matrixLines } from './matrix-text.js';
import { countVerdicts, formatDuration, stripAnsi, tailLines, VERDICT_ORDER } from './format.js';
import type { Progress, Reporter, RunInfo, SpecInfo } from './reporter.js';
import { VERDICT_ANSI } from './verdicts.js';

/** Where console output goes: `process.stdout`, or a string collector in tests. */
export interface TextSink {
  write(s: string): void;
  /** When true, a status line of running specs is kept at the bottom. */
  isTTY?: boolean;
  /** Terminal width, to keep the status line on one row. */
  columns?: number;
}

export interface ConsoleOptions {
  color: boolean;
  /** Where the reports are, when `onBegin` does not say (it normally does). */
  outDir?: string;
  /** Lines of each target's stderr shown under an error. */
  stderrLines?: number;
}

/**
 * Progress while the run goes, one line per finished spec, details under the
 * lines that need them, and a summary at the end:
 *
 *     [ 3/12] pass  handshake.three-way  (45 ms)
 *     [ 4/12] fail  close.simultaneous  (1.2 s)
 *         a: observed states differ
 *           CLOSED
 *         - CLOSING
 *         + TIME_WAIT
 */
export class ConsoleReporter implements Reporter {
  readonly name = 'console';
  private outDir: string | undefined;
  private readonly running = new Map<string, string>();
  private statusShown = false;
  private several = false;

  constructor(
    private readonly out: TextSink,
    private readonly opts: ConsoleOptions,
  ) {
    this.outDir = opts.outDir;
  }

  onBegin(run: RunInfo): void {
    this.outDir = run.outDir;
    this.several = (run.targets?.length ?? 0) > 1;
    const specs = run.total === 1 ? '1 spec' : `${run.total} specs`;
    const jobs = run.jobs === 1 ? '1 job' : `${run.jobs} jobs`;
    this.print(`Running ${specs} with ${jobs} (run ${run.run})\n\n`);
  }

  onSpecBegin(spec: SpecInfo): void {
    if (!this.out.isTTY) return;
    this.running.set(`${spec.index}`, spec.id);
    this.print('');
  }

  onSpecEnd(result: SpecResult, progress: Progress): void {
    for (const [key, id] of this.running) {
      if (id === result.spec) {
        this.running.delete(key);
        break;
      }
    }
    const width = String(progress.total).length;
    const counter = `[${String(progress.done).padStart(width)}/${progress.total}]`;
    const ip = result.ip === 6 ? ' [IPv6]' : '';
    const lines = [`${counter} ${this.verdict(result.verdict)}  ${result.spec}${ip}${this.on(result)}  (${formatDuration(result.durationMs)})`];
    lines.push(...this.details(result).map((l) => `    ${l}`));
    this.print(lines.join('\n') + '\n');
  }

  onEnd(run: RunResult): void {
    this.running.clear();
    const counts = countVerdicts(run.results);
    const parts = VERDICT_ORDER.filter((v) => counts.has(v)).map((v) => `${counts.get(v)} ${this.verdict(v)}`);
    const n = run.results.length;
    const head = `${n === 1 ? '1 spec' : `${n} specs`} in ${formatDuration(run.durationMs)}`;
    const lines = ['', parts.length > 0 ? `${head}: ${parts.join(', ')}` : `${head}: nothing ran`];
    // Repeat what needs attention, so it is not lost above a long run's scroll.
    for (const r of run.results) {
      if (r.verdict === 'fail' || r.verdict === 'error') lines.push(`  ${this.verdict(r.verdict)}  ${r.spec}${r.ip === 6 ? ' [IPv6]' : ''}${this.on(r)}  ${r.file}`);
    }
    lines.push(...matrixLines(run, (v) => this.verdict(v)));
    if (run.coverage) lines.push(...coverageSummary(run.coverage));
    if (this.outDir !== undefined) lines.push(`Reports: ${this.outDir}`);
    this.print(lines.join('\n') + '\n');
  }

  private details(r: SpecResult): string[] {
    const out: string[] = [];
    const reason = r.reason !== undefined ? stripAnsi(r.reason) : undefined;
    switch (r.verdict) {
      case 'pass':
        break;
      case 'fail':
        if (reason) out.push(reason);
        if (r.diff) out.push(...stripAnsi(r.diff).replace(/\s+$/, '').split(/\r?\n/).map((l) => this.diffLine(l)));
        break;
      case 'deviation':
        out.push(`deviation: ${reason ?? '(no reason given)'}`);
        break;
      case 'error':
        out.push(reason ?? '(no reason given)');
        for (const [name, text] of Object.entries(r.stderr ?? {})) {
          if (!text.trim()) continue;
          out.push(`stderr of ${name}:`);
          out.push(...tailLines(stripAnsi(text), this.opts.stderrLines ?? 20).map((l) => `  ${l}`));
        }
        break;
      case 'skipped':
      case 'not-applicable':
        if (reason) out.push(reason);
        break;
    }
    // The wire and the kernel observers telling different stories, with no
    // documented reason, is a harness or stack bug worth seeing at once.
    for (const d of r.disagreements ?? []) {
      if (d.endsWith('[unexplained]')) out.push(`wire and kernel disagree: ${stripAnsi(d)}`);
    }
    return out;
  }

  /** Diff lines: `- X` expected only, `+ X` observed only (colored as Jest does: expected green, observed red). */
  private diffLine(line: string): string {
    if (!this.opts.color) return line;
    if (line.startsWith('- ')) return `\x1b[32m${line}\x1b[39m`;
    if (line.startsWith('+ ')) return `\x1b[31m${line}\x1b[39m`;
    return line;
  }

  /** ` on nginx`, in a run against several targets. */
  private on(r: SpecResult): string {
    return this.several && r.target !== undefined ? ` on ${r.target}` : '';
  }

  private verdict(v: VerdictName): string {
    return this.opts.color ? `\x1b[${VERDICT_ANSI[v]}m${v}\x1b[0m` : v;
  }

  /**
   * Writes text above the status line. On a TTY the status line (the specs
   * in flight) is erased first and drawn again after; elsewhere there is
   * none, so logs stay plain.
   */
  private print(text: string): void {
    let s = '';
    if (this.statusShown) s += '\r\x1b[2K';
    s += text;
    this.statusShown = false;
    if (this.out.isTTY && this.running.size > 0) {
      const ids = [...this.running.values()];
      let status = `running: ${ids.join(', ')}`;
      const max = Math.max(20, (this.out.columns ?? 80) - 1);
      if (status.length > max) status = `${status.slice(0, max - 1)}…`;
      s += this.opts.color ? `\x1b[2m${status}\x1b[22m` : status;
      this.statusShown = true;
    }
    if (s) this.out.write(s);
  }
}
