import { ConsoleReporter, type TextSink } from './console.js';
import { HtmlReporter } from './html/reporter.js';
import { JsonReporter } from './json.js';
import { JunitReporter } from './junit.js';
import { MarkdownReporter } from './markdown.js';
import type { Reporter } from './reporter.js';

export type { Progress, Reporter, RunInfo, SpecInfo } from './reporter.js';
export { ReporterMultiplexer } from './multiplexer.js';
export { ConsoleReporter, type ConsoleOptions, type TextSink } from './console.js';
export { JsonReporter, RESULTS_FILE, RESULTS_SCHEMA_ID } from './json.js';
export { JunitReporter, JUNIT_FILE, junitXml } from './junit.js';
export { updateLatest, LATEST } from './latest.js';
export { HtmlReporter, HTML_FILE } from './html/reporter.js';
export { htmlReport } from './html/page.js';
export { MarkdownReporter, SUMMARY_FILE, markdownSummary } from './markdown.js';
export { renderSpecText } from './text-ladder.js';

export interface ReporterContext {
  /** The run folder. */
  outDir: string;
  /** Where the console reporter writes. */
  stdout: TextSink;
  color: boolean;
  /**
   * Where the run folder's files (the pcaps) are, relative to `outDir`;
   * empty when the reports are written into the run folder itself, as a
   * run does. `tcpconform report --out elsewhere` sets it so links still work.
   */
  runDir?: string;
}

const FACTORIES: Record<string, (ctx: ReporterContext) => Reporter> = {
  console: (ctx) => new ConsoleReporter(ctx.stdout, { color: ctx.color, outDir: ctx.outDir }),
  json: (ctx) => new JsonReporter(ctx.outDir),
  junit: (ctx) => new JunitReporter(ctx.outDir),
  html: (ctx) => new HtmlReporter(ctx.outDir, { pcapBase: ctx.runDir ? `${ctx.runDir.replace(/\\/g, '/').replace(/\/$/, '')}/` : '' }),
  markdown: (ctx) => new MarkdownReporter(ctx.outDir),
};

/** Reporter names `createReporters` accepts. */
export const REPORTER_NAMES: readonly string[] = Object.keys(FACTORIES);

/**
 * Builds reporters by name (as given to `--reporter`). A name given twice
 * yields one reporter. An unknown name throws, listing the known ones, for
 * the CLI to turn into a usage error.
 */
export function createReporters(names: readonly string[], ctx: ReporterContext): Reporter[] {
  const unknown = names.filter((n) => !Object.hasOwn(FACTORIES, n));
  if (unknown.length > 0) {
    const list = unknown.map((n) => JSON.stringify(n)).join(', ');
    throw new Error(`unknown reporter ${list}; known reporters: ${REPORTER_NAMES.join(', ')}`);
  }
  return [...new Set(names)].map((n) => FACTORIES[n]!(ctx));
}
