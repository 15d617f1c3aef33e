import fs from 'node:fs';
import { ensureTracefs, TracefsUnavailable } from '../observe/tracefs.js';
import { runCommand } from '../sys/runner.js';

/**
 * What a run needs from the machine, checked before anything is created,
 * each missing piece reported with what to do about it.
 */

export interface Problem {
  what: string;
  fix: string;
}

async function hasCommand(cmd: string, args: string[]): Promise<boolean> {
  return (await runCommand([cmd, ...args])).exitCode === 0;
}

export async function preflight(): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (process.getuid?.() !== 0) {
    problems.push({
      what: 'not running as root: network namespaces, TUN devices and the kernel tracepoint need it',
      fix: 'run as root, e.g. `sudo npx tcpconform run`',
    });
    return problems;
  }
  const tools = await Promise.all([hasCommand('ip', ['-V']), hasCommand('ss', ['-V'])]);
  if (!tools.every(Boolean))
    problems.push({ what: 'iproute2 (ip, ss) is not installed', fix: 'install it: `apt-get install iproute2`' });
  if (!fs.existsSync('/dev/net/tun'))
    problems.push({ what: '/dev/net/tun is missing', fix: 'load the tun module (`modprobe tun`) or create the node: `mkdir -p /dev/net && mknod /dev/net/tun c 10 200`' });
  try {
    await ensureTracefs();
  } catch (err) {
    if (!(err instanceof TracefsUnavailable)) throw err;
    problems.push({ what: 'the kernel tracepoint is unavailable', fix: err.message });
  }
  return problems;
}
