import fs from 'node:fs';
import { ensureTracefs, TracefsUnavailable } from '../observe/tracefs.js';
import { inRootlessNamespace, isHostRoot, rootlessProblems, type Problem } from './privilege.js';
import { runCommand } from '../sys/runner.js';

/**
 * What a run needs from the machine, checked before anything is created,
 * each missing piece reported with what to do about it.
 */

export type { Problem } from './privilege.js';

/**
 * - `root`: everything, the tracepoint included.
 * - `rootless-outside`: a user without root who may open /dev/net/tun and
 *   create user namespaces: the command re-executes itself in namespaces of
 *   its own (privilege.ts), where it is `rootless`.
 * - `rootless`: inside those namespaces: labs, the wire and sock_diag, no
 *   tracepoint.
 */
export type RunMode = 'root' | 'rootless-outside' | 'rootless';

export interface Preflight {
  mode: RunMode;
  problems: Problem[];
}

/** What a run without root cannot do, said once at its start (run and doctor print it). */
export const ROOTLESS_NOTICE =
  'no root: tracepoint unavailable (needs root / CAP_SYS_ADMIN for tracefs); labs run in a user namespace, ' +
  'observed through the wire and sock_diag; specs needing the tracepoint are skipped with the reason';

async function hasCommand(cmd: string, args: string[]): Promise<boolean> {
  return (await runCommand([cmd, ...args])).exitCode === 0;
}

export async function preflight(): Promise<Preflight> {
  const problems: Problem[] = [];
  const tools = await Promise.all([hasCommand('ip', ['-V']), hasCommand('ss', ['-V'])]);
  if (!tools.every(Boolean))
    problems.push({ what: 'iproute2 (ip, ss) is not installed', fix: 'install it: `apt-get install iproute2`' });
  if (!isHostRoot()) {
    if (inRootlessNamespace()) return { mode: 'rootless', problems };
    problems.push(...(await rootlessProblems()));
    return { mode: 'rootless-outside', problems };
  }
  if (!fs.existsSync('/dev/net/tun'))
    problems.push({ what: '/dev/net/tun is missing', fix: 'load the tun module (`modprobe tun`) or create the node: `mkdir -p /dev/net && mknod /dev/net/tun c 10 200`' });
  try {
    await ensureTracefs();
  } catch (err) {
    if (!(err instanceof TracefsUnavailable)) throw err;
    problems.push({ what: 'the kernel tracepoint is unavailable', fix: err.message });
  }
  return { mode: 'root', problems };
}
