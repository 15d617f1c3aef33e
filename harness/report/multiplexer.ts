import type { Progress, Reporter, RunInfo, SpecInfo } from './reporter.js';
import type { RunResult, SpecResult } from '../run/results.js';

/**
 * Fans each hook out to several reporters. A report is a by-product of a
 * run: a reporter that throws (or rejects) is cut off after one warning and
 * the run and the other reporters go on.
 *
 * Hooks of one reporter run in call order even when the runner fires them
 * without waiting (parallel jobs), so a reporter never sees `onSpecEnd`
 * before its own `onBegin` has finished. Different reporters run
 * concurrently: a slow file write does not hold up the console.
 */
export class ReporterMultiplexer implements Reporter {
  readonly name = 'multiplexer';
  private readonly entries: { reporter: Reporter; queue: Promise<void>; broken: boolean }[];

  constructor(
    reporters: readonly Reporter[],
    private readonly warn: (line: string) => void,
  ) {
    this.entries = reporters.map((reporter) => ({ reporter, queue: Promise.resolve(), broken: false }));
  }

  onBegin(run: RunInfo): Promise<void> {
    return this.fan('onBegin', (r) => r.onBegin?.(run));
  }

  onSpecBegin(spec: SpecInfo): Promise<void> {
    return this.fan('onSpecBegin', (r) => r.onSpecBegin?.(spec));
  }

  onSpecEnd(result: SpecResult, progress: Progress): Promise<void> {
    return this.fan('onSpecEnd', (r) => r.onSpecEnd?.(result, progress));
  }

  onEnd(run: RunResult): Promise<void> {
    return this.fan('onEnd', (r) => r.onEnd?.(run));
  }

  /** Resolves once every reporter has handled this call; never rejects. */
  private fan(hook: string, call: (r: Reporter) => void | Promise<void>): Promise<void> {
    const handled = this.entries.map((entry) => {
      entry.queue = entry.queue.then(async () => {
        if (entry.broken) return;
        try {
          // Inside the async function, a synchronous throw becomes a rejection too.
          await call(entry.reporter);
        } catch (err) {
          entry.broken = true;
          this.report(entry.reporter, hook, err);
        }
      });
      return entry.queue;
    });
    return Promise.all(handled).then(() => undefined);
  }

  private report(reporter: Reporter, hook: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    try {
      this.warn(`reporter ${reporter.name} failed in ${hook} and is switched off for this run: ${message}`);
    } catch {
      // A broken warn function must not break the run either.
    }
  }
}
