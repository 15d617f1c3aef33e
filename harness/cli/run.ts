import path from 'node:path';
import { BadInputError } from '../api/errors.js';
import { DEFAULT_JOBS, newRunFolder, run } from '../api/run.js';
import { createReporters } from '../report/index.js';
import { updateLatest } from '../report/latest.js';
import { loadSpecs } from '../spec/load.js';
import type { ResolvedTarget } from '../target/definition.js';
import { adhocClient, adhocServer } from '../target/adhoc.js';
import { BEHAVIOUR_NAMES } from '../spec/capabilities.js';
import { EXIT, type Io } from './io.js';
import { compileGrep, printDiagnostics, type RunFlags } from './main.js';
import { machineExit } from './rootless.js';

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

  const { runId, name: runDirName } = newRunFolder();
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

  // The library does the rest: bad input first (exit 2), whatever the
  // machine; then the machine (exit 3); then the run.
  const chosen = chooseTargets(io, flags);
  if (!chosen) return EXIT.badInput;
  const signal = io.signal ?? new AbortController().signal;
  let outcome;
  try {
    outcome = await run({
      specs,
      targets: [...chosen.names, ...chosen.adhoc],
      cwd: io.cwd,
      outDir,
      runId,
      reporters,
      jobs: flags.jobs ?? DEFAULT_JOBS,
      ip: flags.ip === 'both' ? 'both' : (Number(flags.ip) as 4 | 6),
      timers: flags.realTimers ? 'real' : 'short',
      signal,
      version,
      warn: (line) => io.stderr.write(`warning: ${line}\n`),
      log: (line) => io.stderr.write(line + '\n'),
    });
  } catch (err) {
    if (err instanceof BadInputError) {
      printDiagnostics(io, err.diagnostics);
      return EXIT.badInput;
    }
    const exit = await machineExit(io, err);
    if (exit !== undefined) return exit;
    const denied = err as NodeJS.ErrnoException;
    if (denied.code === 'EACCES' || denied.code === 'EPERM' || denied.code === 'EROFS') {
      io.stderr.write(
        `tcpconform cannot run here:\n  - the target's programs need building and ${denied.path ?? 'their folder'} is not writable by this user (${denied.code})\n` +
          '    fix: set XDG_CACHE_HOME (or TCPCONFORM_REFERENCE_BUILD) to a folder this user may write, or run once as the owner of the installation, which builds them\n',
      );
      return EXIT.cannotRun;
    }
    throw err;
  }
  try {
    updateLatest(reportsDir, runDirName);
  } catch (err) {
    io.stderr.write(`warning: could not update ${path.join(flags.out, 'latest')}: ${(err as Error).message}\n`);
  }
  if (signal.aborted) {
    io.stderr.write('interrupted: everything the run created has been removed\n');
    return EXIT.interrupted;
  }
  return outcome.ok ? EXIT.ok : EXIT.failed;
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

