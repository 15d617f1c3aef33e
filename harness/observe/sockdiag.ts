import { execa } from 'execa';
import { monoNow } from '../lab/clock.js';
import { parseSs } from './sockdiag-parse.js';
import type { SockDiagSnapshot } from './types.js';

/**
 * The sock_diag observer: `ss` run inside an endpoint's namespace. It is the
 * only observer that sees Linux's request sockets (SYN-RECV) and timewait
 * sockets (TIME-WAIT, and FIN-WAIT-2 after close()), with their timers.
 */
export async function snapshot(ns: string, endpoint: string): Promise<SockDiagSnapshot> {
  const t = monoNow();
  const out = await execa('ip', ['netns', 'exec', ns, 'ss', '-tanoiH']);
  return { t, tEnd: monoNow(), endpoint, sockets: parseSs(out.stdout) };
}
