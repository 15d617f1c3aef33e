import path from 'node:path';
import { preflight } from '../lab/preflight.js';
import { newRunId } from '../lab/names.js';
import { createReporters } from '../report/index.js';
import { updateLatest } from '../report/latest.js';
import { ReporterMultiplexer } from '../report/multiplexer.js';
import { runSuite, type Subject } from '../run/suite.js';
import { loadSpecs } from '../spec/load.js';
import type { ResolvedTarget } from '../target/definition.js';
import { MissingToolError } from '../target/reference-build.js';
import { adhocClient, adhocServer } from '../target/adhoc.js';
import { loadTarget } from '../target/registry.js';
import { BEHAVIOUR_NAMES } from '../spec/capabilities.js';
import { EXIT, type Io } from './io.js';
import { compileGrep, printDiagnostics, type RunFlags } from './main.js';

/** `tcpconform run`: load, check the machine, run, report. */
export async function runCommand(io: Io, paths: string[], flags: RunFlags, version: string): Promise<number> {
  const { specs: all, diagnostics } = await loadSpecs(paths, { cwd: io.cwd });
  if (printDiagnostics(io, diagnostics)) return EXIT.badInput;
  const grep = compileGrep(io, flags.grep);
  if (grep === null) return EXIT.badInput;
  const specs = all.filter((s) => !grep || grep.test(s.id) || grep.test(s.title));
  if (specs.length === 0) {
    io.stderr.write(`error: no specs to run${grep ? ` (none of ${all.length} matches --grep ${flags.grep})` : ''}\n`);
    return EXIT.badInput;
  }

  const runStamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runId = newRunId();
  const runDirName = `${runStamp}-${runId}`;
  const reportsDir = path.resolve(io.cwd, flags.out);
  const outDir = path.join(reportsDir, runDirName);
  const color = flags.color && io.stdout.isTTY === true;
  let reporters;
  try {
    reporters = createReporters(
      flags.reporter.split(',').map((r) => r.trim()).filter(Boolean),
      { outDir, stdout: io.stdout as { write(s: string): void; isTTY?: boolean }, color },
    );
  } catch (err) {
    io.stderr.write(`error: --reporter: ${(err as Error).message}\n`);
    return EXIT.badInput;
  }

  // Bad input first (exit 2), whatever the machine; then the machine (exit 3).
  const chosen = chooseTargets(io, flags);
  if (!chosen) return EXIT.badInput;
  const checked: ResolvedTarget[] = [];
  for (const name of chosen.names) {
    const loaded = await loadTarget(name, io.cwd, undefined, false);
    if (printDiagnostics(io, loaded.diagnostics) || !loaded.target) return EXIT.badInput;
    checked.push(loaded.target);
  }
  const ids = [...checked, ...chosen.adhoc].map((t) => t.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) {
    io.stderr.write(`error: target ${twice} is given twice\n`);
    return EXIT.badInput;
  }

  const problems = await preflight();
  if (problems.length) {
    io.stderr.write('tcpconform cannot run here:\n');
    for (const p of problems) io.stderr.write(`  - ${p.what}\n    fix: ${p.fix}\n`);
    return EXIT.cannotRun;
  }

  // Roles a target lacks are filled by the reference programs (a server's client, say).
  const resolved: ResolvedTarget[] = [];
  let reference: ResolvedTarget | undefined;
  try {
    for (const [i, name] of [...chosen.names, 'reference'].entries()) {
      const loaded = await loadTarget(name, io.cwd, (line) => io.stderr.write(line + '\n'));
      if (printDiagnostics(io, loaded.diagnostics) || !loaded.target) return EXIT.badInput;
      if (i < chosen.names.length) resolved.push(loaded.target);
      else reference = loaded.target;
    }
  } catch (err) {
    if (err instanceof MissingToolError) {
      io.stderr.write(`tcpconform cannot run here:\n  - ${err.message}\n`);
      return EXIT.cannotRun;
    }
    throw err;
  }
  const fallback = reference!;
  const subjects: Subject[] = [...resolved, ...chosen.adhoc].map((t) => ({
    id: t.id,
    roles: t.roles,
    targetsFor: (spec) => Object.fromEntries(Object.entries(spec.endpoints).map(([n, e]) => [n, t.roles.includes(e.role) ? t : fallback])),
  }));

  const jobs = flags.jobs ?? defaultJobs();
  const reporter = new ReporterMultiplexer(reporters, (line) => io.stderr.write(`warning: ${line}\n`));
  const signal = io.signal ?? new AbortController().signal;
  const result = await runSuite({
    run: runId,
    specs,
    subjects,
    jobs,
    outDir,
    reporter,
    signal,
    cwd: io.cwd,
    version,
    timers: flags.realTimers ? 'real' : 'short',
    families: flags.ip === 'both' ? [4, 6] : [Number(flags.ip) as 4 | 6],
  });
  try {
    updateLatest(reportsDir, runDirName);
  } catch (err) {
    io.stderr.write(`warning: could not update ${path.join(flags.out, 'latest')}: ${(err as Error).message}\n`);
  }
  if (signal.aborted) {
    io.stderr.write('interrupted: everything the run created has been removed\n');
    return EXIT.interrupted;
  }
  const bad = result.results.filter((r) => r.verdict === 'fail' || r.verdict === 'error').length;
  return bad ? EXIT.failed : EXIT.ok;
}

/**
 * The targets of the run from --target (repeatable, or a comma list),
 * --server and --client: several make a differential run. Nothing given:
 * the reference.
 */
function chooseTargets(io: Io, flags: RunFlags): { names: string[]; adhoc: ResolvedTarget[] } | undefined {
  const names = (flags.target ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const adhoc: ResolvedTarget[] = [];
  for (const role of ['server', 'client'] as const) {
    const command = role === 'server' ? flags.server : flags.client;
    const does = role === 'server' ? flags.serverDoes : flags.clientDoes;
    if (command === undefined) {
      if (does !== undefined) {
        io.stderr.write(`error: --${role}-does says what the --${role} command does; give --${role} too\n`);
        return undefined;
      }
      continue;
    }
    const made = role === 'server' ? adhocServer(command, io.cwd) : adhocClient(command, io.cwd);
    if (!made.target) {
      io.stderr.write(`error: ${made.error}\n`);
      return undefined;
    }
    if (does) {
      const known = BEHAVIOUR_NAMES as string[];
      const list = does.split(',').map((b) => b.trim()).filter(Boolean);
      const unknown = list.filter((b) => !known.includes(b));
      if (unknown.length) {
        io.stderr.write(`error: --${role}-does: unknown behaviour ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
        return undefined;
      }
      made.target.capabilities = list;
    }
    adhoc.push(made.target);
  }
  if (names.length === 0 && adhoc.length === 0) names.push('reference');
  return { names, adhoc };
}

/** Specs mostly wait on the network and on timers, so more jobs than cores pays off. */
function defaultJobs(): number {
  return 8;
}
