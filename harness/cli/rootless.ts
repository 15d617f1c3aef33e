import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { STATE_DIR } from '../lab/names.js';
import { CannotRunError, NeedsUserNamespaceError } from '../api/errors.js';
import { enterLabMode } from '../api/run.js';
import { ensureUserStateDir, ROOTLESS_ENV, UNSHARE_FLAGS } from '../lab/privilege.js';
import { EXIT, type Io } from './io.js';

const BIN = fileURLToPath(new URL('../../bin/tcpconform.js', import.meta.url));

/**
 * Runs the same command again inside a user namespace of its own (root
 * there, nowhere else), with private mount and network namespaces, and
 * passes its output and exit status through. Node cannot enter a new user
 * namespace itself (it is multi-threaded), so `unshare` starts it there.
 * The process `unshare` executes (through `setpriv`) is the command itself:
 * SIGTERM reaches it directly, and it cleans up as any run does; it also
 * gets SIGTERM when this process dies, whatever killed it.
 */
export async function runInUserNamespace(io: Io): Promise<number> {
  try {
    ensureUserStateDir(STATE_DIR);
  } catch (err) {
    io.stderr.write(`tcpconform cannot run here:\n  - ${(err as Error).message}\n`);
    return EXIT.cannotRun;
  }
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
  // setpriv --pdeathsig: should this process die (even by SIGKILL), the run gets SIGTERM and cleans up.
  const child = execa('unshare', [...UNSHARE_FLAGS, '--', 'setpriv', '--pdeathsig', 'TERM', '--', process.execPath, BIN, ...io.argv], {
    cwd: io.cwd,
    env: { [ROOTLESS_ENV]: '1' },
    stdin: 'ignore',
    stdout: inherit ? 'inherit' : 'pipe',
    stderr: inherit ? 'inherit' : 'pipe',
    buffer: false,
    reject: false,
  });
  child.stdout?.on('data', (d: Buffer) => io.stdout.write(d.toString()));
  child.stderr?.on('data', (d: Buffer) => io.stderr.write(d.toString()));
  const forward = () => child.kill('SIGTERM');
  io.signal?.addEventListener('abort', forward, { once: true });
  try {
    const r = await child;
    if (r.exitCode !== undefined) return r.exitCode;
    return r.signal === 'SIGINT' || r.signal === 'SIGTERM' ? EXIT.interrupted : EXIT.failed;
  } finally {
    io.signal?.removeEventListener('abort', forward);
  }
}

/**
 * The machine check every command that builds labs makes first. Returns an
 * exit code when the command must stop here (the machine cannot run labs, or
 * the command already ran again in a user namespace); otherwise whether the
 * kernel tracepoint can observe the labs.
 */
export async function readyForLabs(io: Io): Promise<{ exit: number } | { tracepoint: boolean }> {
  try {
    return await enterLabMode((line) => io.stderr.write(`${line}\n`));
  } catch (err) {
    const exit = await machineExit(io, err);
    if (exit === undefined) throw err;
    return { exit };
  }
}

/**
 * The exit code for an error about the machine, once it is dealt with:
 * without root, the same command again inside namespaces of its own; a
 * machine that cannot run labs, the problems and their fixes (exit 3).
 * Undefined for any other error.
 */
export async function machineExit(io: Io, err: unknown): Promise<number | undefined> {
  if (err instanceof NeedsUserNamespaceError) return runInUserNamespace(io);
  if (!(err instanceof CannotRunError)) return undefined;
  io.stderr.write(`${err.message}\n`);
  return EXIT.cannotRun;
}
