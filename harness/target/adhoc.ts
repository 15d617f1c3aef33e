import { parse } from 'shell-quote';
import { resolveTarget, type ResolvedTarget } from './definition.js';
import type { TargetFile } from './schema.js';

/**
 * A target built from a command line (`--server 'python3 -m http.server
 * {port} --bind {addr}'`) rather than a file: a server that cannot be
 * driven, ready once it listens on {addr}:{port}. The command is split into
 * words the way a shell would, without running a shell: redirections,
 * pipes and variables are refused, because the harness must hold the
 * program's own PID to stop it.
 */

/** The id of a --server target: its program's name, e.g. python3 or nginx. */
export function adhocId(argv0: string): string {
  const base = argv0.split('/').pop()!.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return base || 'server';
}

export function adhocServer(command: string, cwd: string): { target?: ResolvedTarget; error?: string } {
  return adhoc('server', command, cwd);
}

/**
 * A client from a command line (`--client 'curl http://{peerport}/'`):
 * started at the spec's connect step, it connects by itself to {peer}.
 */
export function adhocClient(command: string, cwd: string): { target?: ResolvedTarget; error?: string } {
  return adhoc('client', command, cwd);
}

function adhoc(role: 'server' | 'client', command: string, cwd: string): { target?: ResolvedTarget; error?: string } {
  const flag = `--${role}`;
  let words: ReturnType<typeof parse>;
  try {
    // A function for env: `$HOME` stays as written and is refused below.
    words = parse(command, (name) => `$${name}`);
  } catch (err) {
    return { error: `${flag}: cannot split the command: ${(err as Error).message}` };
  }
  const argv: string[] = [];
  for (const w of words) {
    if (typeof w === 'string') {
      if (/^\$\w/.test(w)) return { error: `${flag}: variables (${w}) are not expanded; write the value, or put the command in a script` };
      argv.push(w);
    } else {
      const op = 'op' in w ? w.op : 'comment' in w ? '#' : '?';
      return { error: `${flag}: "${op}" is shell syntax; the command is run without a shell: put it in a script and give the script` };
    }
  }
  if (argv.length === 0) return { error: `${flag}: the command is empty` };
  if (role === 'server' && !argv.some((a) => a.includes('{port}'))) {
    return { error: `--server: the command must listen on {port} (and {addr}), which the harness fills in, e.g. --server 'python3 -m http.server {port} --bind {addr}'` };
  }
  if (role === 'client' && !argv.some((a) => a.includes('{peerport}') || (a.includes('{peer}') && argv.some((b) => b.includes('{port}'))))) {
    return { error: `--client: the command must connect to {peerport} (or {peer} and {port}), which the harness fills in, e.g. --client 'curl --http1.0 http://{peerport}/'` };
  }
  const file: TargetFile = {
    id: adhocId(argv[0]!),
    title: command,
    stack: 'kernel',
    control: 'none',
    ...(role === 'server' ? { ready: 'listening' as const } : {}),
    roles: { [role]: { argv } },
  };
  return { target: resolveTarget(file, `${cwd}/${flag}`, '') };
}
