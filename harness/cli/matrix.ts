import fs from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { newRunFolder } from '../api/run.js';
import { runMatrix } from '../matrix/run.js';
import { MATRIX_SCHEMA_ID, MatrixResultSchema, type MatrixResult } from '../matrix/schema.js';
import { PROFILES, SEGMENT_KINDS, type Profile, type SegmentKind } from '../model/reaction.js';
import { STATES, type State } from '../model/states.js';
import { renderMatrixHtml } from '../report/html/matrix.js';
import { writeFileAtomic } from '../report/atomic.js';
import { updateLatest } from '../report/latest.js';
import { diffMatrices, renderMatrixText } from '../report/matrix-console.js';
import { MissingToolError } from '../target/reference-build.js';
import { loadTarget } from '../target/registry.js';
import { userspaceIpProblem } from '../target/definition.js';
import { EXIT, type Io } from './io.js';
import { printDiagnostics } from './main.js';
import { readyForLabs } from './rootless.js';

/** `tcpconform matrix`: every state meets every kind of segment (docs/matrix.md). */

export interface MatrixFlags {
  target: string;
  profile: string;
  state?: string;
  segment?: string;
  jobs?: number;
  ip: '4' | '6';
  out: string;
  diff?: boolean;
  color: boolean;
}

export async function matrixCommand(io: Io, files: string[], flags: MatrixFlags, version: string): Promise<number> {
  if (flags.diff) return diffCommand(io, files);
  if (files.length) {
    io.stderr.write(`error: matrix takes no file arguments except with --diff (got ${files.join(' ')})\n`);
    return EXIT.badInput;
  }
  if (!(PROFILES as readonly string[]).includes(flags.profile)) {
    io.stderr.write(`error: --profile: ${JSON.stringify(flags.profile)} is not one of ${PROFILES.join(', ')}\n`);
    return EXIT.badInput;
  }
  const states = pickList<State>(io, '--state', flags.state, STATES);
  const kinds = pickList<SegmentKind>(io, '--segment', flags.segment, SEGMENT_KINDS);
  if (!states || !kinds) return EXIT.badInput;

  const checked = await loadTarget(flags.target, io.cwd, undefined, false);
  if (printDiagnostics(io, checked.diagnostics) || !checked.target) return EXIT.badInput;
  // Every cell would error.
  const ipProblem = userspaceIpProblem(checked.target, flags.ip === '6' ? 6 : 4, 'run the matrix with --ip 4');
  if (ipProblem) {
    printDiagnostics(io, [ipProblem]);
    return EXIT.badInput;
  }
  const labs = await readyForLabs(io);
  if ('exit' in labs) return labs.exit;
  let loaded;
  try {
    loaded = await loadTarget(flags.target, io.cwd, (line) => io.stderr.write(line + '\n'));
  } catch (err) {
    if (err instanceof MissingToolError) {
      io.stderr.write(`tcpconform cannot run here:\n  - ${err.message}\n`);
      return EXIT.cannotRun;
    }
    throw err;
  }
  if (printDiagnostics(io, loaded.diagnostics) || !loaded.target) return EXIT.badInput;

  const { runId: run, name } = newRunFolder();
  const matrixDir = path.resolve(io.cwd, flags.out, 'matrix');
  const outDir = path.join(matrixDir, name);
  const signal = io.signal ?? new AbortController().signal;
  const tty = io.stderr.isTTY === true;
  const result = await runMatrix({
    run,
    target: loaded.target,
    tracepoint: labs.tracepoint,
    profile: flags.profile as Profile,
    states,
    kinds,
    jobs: flags.jobs ?? 8,
    family: flags.ip === '6' ? 6 : 4,
    outDir,
    signal,
    cwd: io.cwd,
    version,
    ...(tty ? { onCell: (done: number, total: number) => io.stderr.write(`\r${done}/${total} cells`) } : {}),
  });
  if (tty) io.stderr.write('\r\x1b[K');
  if (signal.aborted) {
    io.stderr.write('interrupted: everything the run created has been removed\n');
    return EXIT.interrupted;
  }
  fs.mkdirSync(outDir, { recursive: true });
  await writeFileAtomic(path.join(outDir, 'matrix.json'), JSON.stringify({ $schema: MATRIX_SCHEMA_ID, ...result }, null, 2) + '\n');
  await writeFileAtomic(path.join(outDir, 'matrix.html'), renderMatrixHtml(result));
  try {
    updateLatest(matrixDir, path.basename(outDir));
  } catch (err) {
    io.stderr.write(`warning: could not update ${path.join(flags.out, 'matrix', 'latest')}: ${(err as Error).message}\n`);
  }
  io.stdout.write(renderMatrixText(result, { color: flags.color && io.stdout.isTTY === true }));
  io.stdout.write(`\nreports: ${path.relative(io.cwd, outDir) || '.'}/matrix.json, matrix.html\n`);
  return result.cells.some((c) => c.verdict === 'fail' || c.verdict === 'error') ? EXIT.failed : EXIT.ok;
}

function pickList<T extends string>(io: Io, flag: string, value: string | undefined, all: readonly T[]): T[] | undefined {
  if (value === undefined) return [...all];
  const picked = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = picked.filter((p) => !(all as readonly string[]).includes(p));
  if (bad.length || picked.length === 0) {
    io.stderr.write(`error: ${flag}: ${bad.length ? `unknown ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'empty list'}; known: ${all.join(', ')}\n`);
    return undefined;
  }
  return all.filter((a) => picked.includes(a));
}

/** Reads a matrix.json (or the folder holding it), checked against its schema. */
export function readMatrix(io: Io, file: string): MatrixResult | undefined {
  let p = path.resolve(io.cwd, file);
  try {
    if (fs.statSync(p).isDirectory()) p = path.join(p, 'matrix.json');
    const data: unknown = JSON.parse(fs.readFileSync(p, 'utf8'));
    if (!Value.Check(MatrixResultSchema, data)) {
      const first = [...Value.Errors(MatrixResultSchema, data)][0];
      io.stderr.write(`error: ${file}: not a matrix.json: ${first ? `${first.path || '/'}: ${first.message}` : 'schema mismatch'}\n`);
      return undefined;
    }
    return data;
  } catch (err) {
    io.stderr.write(`error: ${file}: ${(err as Error).message}\n`);
    return undefined;
  }
}

function diffCommand(io: Io, files: string[]): number {
  if (files.length !== 2) {
    io.stderr.write(`error: --diff takes two matrix.json files (or folders), got ${files.length}\n`);
    return EXIT.badInput;
  }
  const a = readMatrix(io, files[0]!);
  const b = readMatrix(io, files[1]!);
  if (!a || !b) return EXIT.badInput;
  const text = diffMatrices(a, b);
  io.stdout.write(text);
  return text.endsWith('no cell differs\n') ? EXIT.ok : EXIT.failed;
}
