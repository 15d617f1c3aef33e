import path from 'node:path';
import { preflight, ROOTLESS_NOTICE } from '../lab/preflight.js';
import { prepareRootlessMounts } from '../lab/privilege.js';
import { newRunId } from '../lab/names.js';
import { createReporters } from '../report/index.js';
import { updateLatest } from '../report/latest.js';
import { ReporterMultiplexer } from '../report/multiplexer.js';
import { runSuite } from '../run/suite.js';
import { fileDiagnostic } from '../spec/diagnostic.js';
import { loadSpecs } from '../spec/load.js';
import type { ResolvedTarget } from '../target/definition.js';
import { MissingToolError } from '../target/reference-build.js';
import { loadTarget } from '../target/registry.js';
import { EXIT, type Io } from './io.js';
import { compileGrep, printDiagnostics, type RunFlags } from './main.js';
import { runInUserNamespace } from './rootless.js';

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
  const checked = await loadTarget(flags.target, io.cwd, undefined, false);
  if (printDiagnostics(io, checked.diagnostics) || !checked.target) return EXIT.badInput;
  const declared = checked.target;
  // A role the specs need and the target lacks: reported at the target file's roles, like any bad input.
  const missingRole = specs.flatMap((s) =>
    Object.entries(s.endpoints)
      .filter(([, e]) => !e.peer && !declared.roles.includes(e.role))
      .map(([name, e]) => {
        const message = `${s.id}: endpoint ${name} needs a ${e.role}, and target ${declared.id} has no such role (it has: ${declared.roles.join(', ')})`;
        return declared.at?.roles('missing-role', message) ?? fileDiagnostic(declared.file, 'missing-role', message);
      }),
  );
  if (printDiagnostics(io, missingRole)) return EXIT.badInput;

  const { mode, problems } = await preflight();
  if (problems.length) {
    io.stderr.write('tcpconform cannot run here:\n');
    for (const p of problems) io.stderr.write(`  - ${p.what}\n    fix: ${p.fix}\n`);
    return EXIT.cannotRun;
  }
  // Without root: the same command again, inside namespaces of its own.
  if (mode === 'rootless-outside') return runInUserNamespace(io);
  if (mode === 'rootless') {
    try {
      await prepareRootlessMounts();
    } catch (err) {
      io.stderr.write(`tcpconform cannot run here:\n  - a private /run/netns for the labs could not be mounted: ${(err as Error).message}\n    fix: run as root, e.g. \`sudo npx tcpconform run\`\n`);
      return EXIT.cannotRun;
    }
    io.stderr.write(`${ROOTLESS_NOTICE}\n`);
  }

  let target: ResolvedTarget | undefined;
  try {
    const loaded = await loadTarget(flags.target, io.cwd, (line) => io.stderr.write(line + '\n'));
    if (printDiagnostics(io, loaded.diagnostics) || !loaded.target) return EXIT.badInput;
    target = loaded.target;
  } catch (err) {
    if (err instanceof MissingToolError) {
      io.stderr.write(`tcpconform cannot run here:\n  - ${err.message}\n`);
      return EXIT.cannotRun;
    }
    const denied = err as NodeJS.ErrnoException;
    if (denied.code === 'EACCES' || denied.code === 'EPERM' || denied.code === 'EROFS') {
      io.stderr.write(
        `tcpconform cannot run here:\n  - the target's programs need building and ${denied.path ?? 'their folder'} is not writable by this user (${denied.code})\n` +
          '    fix: run once as the owner of the installation (or root), which builds them, or install tcpconform as this user\n',
      );
      return EXIT.cannotRun;
    }
    throw err;
  }
  const resolved = target;
  if (resolved.stack === 'userspace' && flags.ip !== '4') {
    io.stderr.write(`${resolved.file}: target ${resolved.id} brings its own TCP/IP stack, attached over a TAP device: the harness relays IPv4 to it only (ARP, no IPv6 neighbour discovery); run it with --ip 4\n`);
    return EXIT.badInput;
  }

  const jobs = flags.jobs ?? defaultJobs();
  const reporter = new ReporterMultiplexer(reporters, (line) => io.stderr.write(`warning: ${line}\n`));
  const signal = io.signal ?? new AbortController().signal;
  const result = await runSuite({
    run: runId,
    specs,
    targetsFor: (spec) => Object.fromEntries(Object.keys(spec.endpoints).map((n) => [n, resolved])),
    jobs,
    outDir,
    reporter,
    signal,
    cwd: io.cwd,
    version,
    timers: flags.realTimers ? 'real' : 'short',
    families: flags.ip === 'both' ? [4, 6] : [Number(flags.ip) as 4 | 6],
    tracepoint: mode === 'root',
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

/** Specs mostly wait on the network and on timers, so more jobs than cores pays off. */
function defaultJobs(): number {
  return 8;
}
