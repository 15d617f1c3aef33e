import { execa, type ResultPromise } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that run the real command line against real kernel endpoints. */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin/tcpconform.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The command line, as root or (`user`) as another user; `bin` runs another copy of it; `env` adds to the environment. */
export async function tcpconform(args: string[], opts: { cwd?: string; user?: string; bin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const bin = opts.bin ?? BIN;
  const cmd = opts.user ? ['runuser', '-u', opts.user, '--', process.execPath, bin, ...args] : [process.execPath, bin, ...args];
  const r = await execa(cmd[0]!, cmd.slice(1), { cwd: opts.cwd ?? ROOT, env: opts.env, reject: false, stdin: 'ignore', timeout: 180_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting for it, for tests that signal it. */
export function startTcpconform(args: string[], cwd = ROOT): ResultPromise<{ reject: false; stdin: 'ignore'; buffer: true }> {
  return execa(process.execPath, [BIN, ...args], { cwd, reject: false, stdin: 'ignore', buffer: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 10 ms until it gives a value, or `ms` have passed (then undefined). */
export async function until<T>(fn: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(10);
  }
}

/** The run id from the report folder `<stamp>-<run>` in `out`, once the run has made it. */
export function runIdIn(out: string): string | undefined {
  return fs
    .readdirSync(out)
    .find((n) => /^\d{8}-\d{6}-[0-9a-f]{6}$/.test(n))
    ?.slice(-6);
}

/** A temporary folder named with the test run's id (test/machine-state.mjs removes any a test left). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tcpconform-test-${process.env['TCPCONFORM_TEST_RUN'] ?? 'run'}-${prefix}-`));
}

/** Processes started for a run: each target carries TCPCONFORM_RUN=<run> in its environment. */
export function processesOfRun(run: string): number[] {
  return safeList('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`TCPCONFORM_RUN=${run}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** What `residue` gives for a run that left nothing. */
export const NO_RESIDUE = { namespaces: [], traceInstances: [], processes: [], blocks: [] };

/** Everything a run with id `run` could have left on the machine. */
export function residue(run: string): { namespaces: string[]; traceInstances: string[]; processes: number[]; blocks: string[] } {
  const namespaces = safeList('/run/netns').filter((n) => n.startsWith(`tcpconform-${run}-`));
  const traceInstances = ['/sys/kernel/tracing/instances', '/sys/kernel/debug/tracing/instances'].flatMap((d) =>
    safeList(d).filter((n) => n === `tcpconform-${run}`),
  );
  const processes = processesOfRun(run);
  const blocks = safeList('/run/tcpconform/blocks').filter((b) => {
    try {
      return (JSON.parse(fs.readFileSync(`/run/tcpconform/blocks/${b}`, 'utf8')) as { run: string }).run === run;
    } catch {
      return false;
    }
  });
  return { namespaces, traceInstances, processes, blocks };
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The run id is the last part of the run folder name `<stamp>-<id>`. */
export function runIdOf(runDir: string): string {
  return path.basename(runDir).split('-').at(-1)!;
}
