import path from 'node:path';
import type { RunResult } from '../../run/results.js';
import { writeFileAtomic } from '../atomic.js';
import type { Reporter } from '../reporter.js';
import { htmlReport, type HtmlOptions } from './page.js';

export const HTML_FILE = 'index.html';

/** `index.html`: the report for people, one self-contained file that works offline. */
export class HtmlReporter implements Reporter {
  readonly name = 'html';

  constructor(
    private readonly outDir: string,
    private readonly opts: HtmlOptions = {},
  ) {}

  async onEnd(run: RunResult): Promise<void> {
    await writeFileAtomic(path.join(this.outDir, HTML_FILE), htmlReport(run, this.opts));
  }
}
