import { InvalidArgumentError } from 'commander';
import { CannotRunError } from '../api/errors.js';
import { preflight } from '../lab/preflight.js';
import { reapAtStart } from '../lab/reaper.js';
import { newRunId } from '../lab/names.js';
import { formatSummary, loadPassed, ProgressDisplay, summaryJson } from '../load/display.js';
import { runLoad, type LoadServer } from '../load/load.js';
import { parseServerCommand } from '../load/server-command.js';
import { MissingToolError } from '../target/reference-build.js';
import { loadTarget } from '../target/registry.js';
import { EXIT, type Io } from './io.js';
import { printDiagnostics } from './main.js';

/** `tcpconform load`: many lifecycles against one server, every one checked. */

export interface LoadFlags {
  connections: number;
  concurrency: number;
  target?: string;
  server?: string;
  bytes: number;
  timeout: number;
  ip: '4' | '6';
  json?: boolean;
}

export async function loadCommand(io: Io, flags: LoadFlags): Promise<number> {
  // Bad input first (exit 2), whatever the machine; then the machine (exit 3).
  if (flags.target !== undefined && flags.server !== undefined) {
    io.stderr.write('error: --target and --server both name the server; give one of them\n');
    return EXIT.badInput;
  }
  let server: LoadServer | undefined;
  if (flags.server !== undefined) {
    const parsed = parseServerCommand(flags.server);
    if (!parsed.command) {
      io.stderr.write(`error: ${parsed.error}\n`);
      return EXIT.badInput;
    }
    server = { kind: 'command', command: parsed.command };
  } else {
    const checked = await loadTarget(flags.target ?? 'reference', io.cwd, undefined, false);
    if (printDiagnostics(io, checked.diagnostics) || !checked.target) return EXIT.badInput;
    if (!checked.target.roles.includes('server')) {
      io.stderr.write(`error: --target ${checked.target.id}: the target has no server role (it has: ${checked.target.roles.join(', ')})\n`);
      return EXIT.badInput;
    }
  }

  const { mode, problems } = await preflight();
  // Every lifecycle is checked through the tracepoint: no run without root here.
  if (mode !== 'root')
    problems.unshift({
      what: 'not running as root: load mode checks every lifecycle through the kernel tracepoint, which only root can read',
      fix: 'run as root, e.g. `sudo npx tcpconform load`',
    });
  if (problems.length) {
    io.stderr.write(`${new CannotRunError(problems).message}\n`);
    return EXIT.cannotRun;
  }
  await reapAtStart((line) => io.stderr.write(line + '\n'));
  if (!server) {
    try {
      const loaded = await loadTarget(flags.target ?? 'reference', io.cwd, (line) => io.stderr.write(line + '\n'));
      if (printDiagnostics(io, loaded.diagnostics) || !loaded.target) return EXIT.badInput;
      server = { kind: 'target', target: loaded.target };
    } catch (err) {
      if (err instanceof MissingToolError) {
        io.stderr.write(`tcpconform cannot run here:\n  - ${err.message}\n`);
        return EXIT.cannotRun;
      }
      throw err;
    }
  }

  const concurrency = Math.min(flags.concurrency, flags.connections);
  const display = new ProgressDisplay(io.stderr);
  const signal = io.signal ?? new AbortController().signal;
  const result = await runLoad({
    run: newRunId(),
    server,
    connections: flags.connections,
    concurrency,
    bytes: flags.bytes,
    lifecycleTimeoutMs: flags.timeout,
    family: Number(flags.ip) as 4 | 6,
    signal,
    onProgress: (p) => display.update(p),
  });
  display.end();
  if (result.interrupted || signal.aborted) {
    io.stderr.write('interrupted: everything the load created has been removed\n');
    return EXIT.interrupted;
  }
  const shape = { connections: flags.connections, concurrency };
  io.stdout.write(flags.json ? summaryJson(result, shape) : formatSummary(result, shape));
  return loadPassed(result) ? EXIT.ok : EXIT.failed;
}

/** A commander parser for a whole number in [min, max]; anything else is a bad flag (exit 2). */
export function intIn(flag: string, min: number, max: number, why = '') {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}${why}`);
    return n;
  };
}
