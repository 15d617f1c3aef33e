import path from 'node:path';
import type { RunResult } from '../run/results.js';
import { writeFileAtomic } from './atomic.js';
import type { Reporter } from './reporter.js';

/**
 * Identifies the schema of results.json (published as
 * `schemas/results.schema.json`). A name, not a URL or a path: a report is
 * moved around and read long after the run, where no relative path holds.
 */
export const RESULTS_SCHEMA_ID = 'tcpconform/results.schema.json';

export const RESULTS_FILE = 'results.json';

/** The run's results as one JSON document, for tools and for the other reports. */
export class JsonReporter implements Reporter {
  readonly name = 'json';

  constructor(private readonly outDir: string) {}

  async onEnd(run: RunResult): Promise<void> {
    // `$schema` first, so editors and readers see it at the top.
    const doc: RunResult = { $schema: RESULTS_SCHEMA_ID, ...run };
    doc.$schema = RESULTS_SCHEMA_ID;
    await writeFileAtomic(path.join(this.outDir, RESULTS_FILE), JSON.stringify(doc, null, 2) + '\n');
  }
}
