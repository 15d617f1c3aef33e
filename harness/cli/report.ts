import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createReporters, HTML_FILE, JUNIT_FILE, RESULTS_FILE, SUMMARY_FILE } from '../report/index.js';
import { ObserverNameSchema, RunResultSchema, StateName, Verdict, type RunResult } from '../run/results.js';
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
 * What the renderers read, and nothing more: a results file written by an
 * older or newer tcpconform may lack a field this version's schema added or
 * carry one it does not know, and can still be rendered. Extra fields are
 * allowed at every level here.
 */
const RenderableSchema = Type.Object({
  tool: Type.Object({ name: Type.Literal('tcpconform'), version: Type.String() }),
  run: Type.String(),
  startedAt: Type.String(),
  durationMs: Type.Number(),
  environment: Type.Object({ kernel: Type.String(), node: Type.String(), timers: Type.String(), jobs: Type.Number() }),
  results: Type.Array(
    Type.Object({
      spec: Type.String(),
      title: Type.String(),
      file: Type.String(),
      verdict: Verdict,
      durationMs: Type.Number(),
      endpoints: Type.Record(
        Type.String(),
        Type.Object({
          target: Type.String(),
          role: Type.String(),
          addr: Type.String(),
          expected: Type.Array(StateName),
          observed: Type.Array(Type.Object({ state: StateName, tMs: Type.Number(), sources: Type.Array(ObserverNameSchema) })),
        }),
      ),
      segments: Type.Array(
        Type.Object({ tMs: Type.Number(), from: Type.String(), to: Type.String(), flags: Type.String(), seq: Type.Number(), ack: Type.Number(), len: Type.Number() }),
      ),
    }),
  ),
});

/**
 * Reads and checks a results file. A folder stands for the results.json in
 * it, so `reports/latest` works as well as `reports/latest/results.json`.
 * A file that matches this version's schema is used as it is; one that does
 * not but still holds everything the renderers read is used with a warning
 * (an older run); anything else is refused with its problems listed.
 */
export async function loadResults(io: Io, given: string): Promise<LoadedResults> {
  let file = path.resolve(io.cwd, given);
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, RESULTS_FILE);
  } catch {
    io.stderr.write(`error: no results at ${given}; run \`tcpconform run\` first, or name a results.json\n`);
    return { ok: false, code: EXIT.badInput };
  }
  const shown = displayPath(io, file);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`error: ${shown}: ${e.code === 'ENOENT' ? 'no such file' : e.message}\n`);
    return { ok: false, code: EXIT.badInput };
  }
  if (Value.Check(RunResultSchema, doc)) return { ok: true, run: doc, file };
  const problems = (schema: typeof RenderableSchema | typeof RunResultSchema): string[] =>
    [...Value.Errors(schema, doc)].map((e) => `${e.path || '/'}: ${e.message}`).filter((l, i, all) => all.indexOf(l) === i);
  if (Value.Check(RenderableSchema, doc)) {
    const p = problems(RunResultSchema);
    io.stderr.write(`warning: ${shown} does not match this version's results schema (${p.length} problem(s), first: ${p[0] ?? '?'}); rendering what it has\n`);
    return { ok: true, run: doc as RunResult, file };
  }
  const p = problems(RenderableSchema);
  io.stderr.write(`error: ${shown} is not a tcpconform results file (schemas/results.schema.json):\n`);
  for (const line of p.slice(0, 10)) io.stderr.write(`  ${line}\n`);
  if (p.length > 10) io.stderr.write(`  ... and ${p.length - 10} more\n`);
  return { ok: false, code: EXIT.badInput };
}

/** A path as the user would type it: relative under the working directory, absolute elsewhere. */
function displayPath(io: Io, file: string): string {
  const rel = path.relative(io.cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
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
      if (file) io.stdout.write(`wrote ${displayPath(io, path.join(outDir, file))}\n`);
    } catch (err) {
      io.stderr.write(`error: reporter ${r.name}: ${(err as Error).message}\n`);
      code = EXIT.failed;
    }
  }
  return code;
}
