import { Value } from '@sinclair/typebox/value';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createReporters, HTML_FILE, JUNIT_FILE, RESULTS_FILE, SUMMARY_FILE } from '../report/index.js';
import { RunResultSchema, type RunResult } from '../run/results.js';
import { EXIT, type Io } from './io.js';

/** `tcpconform report <results.json>`: every report rebuilt from a results file, no lab needed. */

export const REPORT_DEFAULT_REPORTERS = 'html,markdown,junit,json';

export interface ReportFlags {
  out?: string;
  reporter: string;
  color: boolean;
}

/** The file each reporter writes, to say what was written. */
const FILES: Record<string, string> = { html: HTML_FILE, markdown: SUMMARY_FILE, junit: JUNIT_FILE, json: RESULTS_FILE };

export type LoadedResults = { ok: true; run: RunResult; file: string } | { ok: false; code: number };

/**
 * Reads and checks a results file. A folder stands for the results.json in
 * it, so `reports/latest` works as well as `reports/latest/results.json`.
 * A file that does not match the schema is refused with every problem
 * listed: the renderers trust the shape they are given.
 */
export async function loadResults(io: Io, given: string): Promise<LoadedResults> {
  let file = path.resolve(io.cwd, given);
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, RESULTS_FILE);
  } catch {
    io.stderr.write(`error: no results at ${given}; run \`tcpconform run\` first, or name a results.json\n`);
    return { ok: false, code: EXIT.badInput };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`error: ${path.relative(io.cwd, file) || file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}\n`);
    return { ok: false, code: EXIT.badInput };
  }
  if (!Value.Check(RunResultSchema, doc)) {
    const errors = [...Value.Errors(RunResultSchema, doc)];
    io.stderr.write(`error: ${path.relative(io.cwd, file) || file} is not a tcpconform results file (schemas/results.schema.json):\n`);
    for (const e of errors.slice(0, 10)) io.stderr.write(`  ${e.path || '/'}: ${e.message}\n`);
    if (errors.length > 10) io.stderr.write(`  ... and ${errors.length - 10} more\n`);
    return { ok: false, code: EXIT.badInput };
  }
  return { ok: true, run: doc, file };
}

export async function reportCommand(io: Io, given: string, flags: ReportFlags): Promise<number> {
  const loaded = await loadResults(io, given);
  if (!loaded.ok) return loaded.code;
  const runDir = path.dirname(loaded.file);
  const outDir = flags.out !== undefined ? path.resolve(io.cwd, flags.out) : runDir;
  const names = flags.reporter.split(',').map((r) => r.trim()).filter(Boolean);
  let reporters;
  try {
    reporters = createReporters(names, {
      outDir,
      stdout: io.stdout as { write(s: string): void; isTTY?: boolean },
      color: flags.color && io.stdout.isTTY === true,
      // Links to the pcaps point back into the run folder when the reports go elsewhere.
      runDir: path.relative(outDir, runDir).split(path.sep).join('/'),
    });
  } catch (err) {
    io.stderr.write(`error: --reporter: ${(err as Error).message}\n`);
    return EXIT.badInput;
  }
  await mkdir(outDir, { recursive: true });
  // Each reporter on its own: unlike during a run, a report that cannot be
  // written is this command's failure, and the others are still written.
  let code: number = EXIT.ok;
  for (const r of reporters) {
    try {
      await r.onEnd?.(loaded.run);
      const file = FILES[r.name];
      if (file) io.stdout.write(`wrote ${path.relative(io.cwd, path.join(outDir, file)) || file}\n`);
    } catch (err) {
      io.stderr.write(`error: reporter ${r.name}: ${(err as Error).message}\n`);
      code = EXIT.failed;
    }
  }
  return code;
}
