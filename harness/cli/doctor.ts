import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOTLESS_NOTICE } from '../lab/preflight.js';
import { isHostRoot, rootlessProblems, type Problem } from '../lab/privilege.js';
import { removableByThisUser, survey } from '../lab/reaper.js';
import { mountedTraceRoots, ownerlessLocks } from '../lab/residue.js';
import { TRACEFS_ROOTS } from '../observe/tracefs.js';
import { LWIP_INCLUDE, lwipInstalled } from '../target/lwip-build.js';
import { findCompiler, MissingToolError } from '../target/reference-build.js';
import { EXIT, type Io } from './io.js';
import { runState, summarizeResidue } from './residue-text.js';

/**
 * `tcpconform doctor`: is this machine ready for `tcpconform run`, and is
 * anything left over from earlier runs? It only looks: it mounts nothing,
 * creates nothing and removes nothing (that is `clean`).
 */

export type Level = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  name: string;
  level: Level;
  detail: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
}

const MIN_NODE: [number, number] = [20, 19];
/** `sock:inet_sock_set_state` appeared in Linux 4.16. */
const TRACEPOINT = path.join('events', 'sock', 'inet_sock_set_state');

function nodeCheck(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', level: 'ok', detail: process.version }
    : { name: 'node', level: 'fail', detail: `${process.version}; needs ${MIN_NODE.join('.')} or newer`, fix: 'install Node.js 20.19 or newer' };
}

/**
 * Root, or else what a run without root gets: labs in a user namespace of
 * its own and no tracepoint, when the user may open /dev/net/tun and create
 * user namespaces; exactly why not otherwise.
 */
function rootChecks(rootless: Problem[]): Check[] {
  if (isHostRoot()) return [{ name: 'root', level: 'ok', detail: 'running as root' }];
  if (rootless.length === 0)
    return [
      { name: 'root', level: 'warn', detail: ROOTLESS_NOTICE, fix: 'run as root (e.g. `sudo npx tcpconform run`) for the tracepoint' },
      { name: 'user namespaces', level: 'ok', detail: 'this user may create user, mount and network namespaces and open /dev/net/tun' },
    ];
  return [
    { name: 'root', level: 'fail', detail: 'not running as root, and a run without root is not possible here (below)', fix: 'run as root, e.g. `sudo npx tcpconform doctor`' },
    ...rootless.map((p): Check => ({ name: 'user namespaces', level: 'fail', detail: p.what, fix: p.fix })),
  ];
}

async function firstLine(cmd: string, args: string[]): Promise<string | undefined> {
  const r = await execa(cmd, args, { reject: false, stdin: 'ignore', timeout: 10_000 });
  if (r.failed && r.exitCode === undefined) return undefined;
  return (r.stdout || r.stderr).split('\n')[0]?.trim() || undefined;
}

async function iprouteCheck(): Promise<Check> {
  const [ip, ss] = await Promise.all([firstLine('ip', ['-V']), firstLine('ss', ['-V'])]);
  if (ip && ss) return { name: 'iproute2', level: 'ok', detail: `${ip}; ${ss}` };
  const missing = [ip ? '' : 'ip', ss ? '' : 'ss'].filter(Boolean).join(' and ');
  return { name: 'iproute2', level: 'fail', detail: `${missing} not found`, fix: 'install iproute2, e.g. `apt-get install iproute2`' };
}

async function compilerCheck(): Promise<Check> {
  try {
    const cc = await findCompiler();
    const version = await firstLine(cc[0]!, [...cc.slice(1), '--version']);
    return { name: 'C compiler', level: 'ok', detail: `${cc.join(' ')}${version ? `: ${version}` : ''}` };
  } catch (err) {
    if (!(err instanceof MissingToolError)) throw err;
    return { name: 'C compiler', level: 'fail', detail: 'none found (needed to build the bundled reference programs)', fix: err.message };
  }
}

function tunCheck(): Check {
  const fix = 'load the tun module (`modprobe tun`) or create the node: `mkdir -p /dev/net && mknod /dev/net/tun c 10 200`';
  let st: fs.Stats;
  try {
    st = fs.statSync('/dev/net/tun');
  } catch {
    return { name: '/dev/net/tun', level: 'fail', detail: 'missing', fix };
  }
  if (!st.isCharacterDevice()) return { name: '/dev/net/tun', level: 'fail', detail: 'exists but is not a character device', fix };
  try {
    // Opening without TUNSETIFF creates nothing; it fails with ENODEV when the driver is missing.
    fs.closeSync(fs.openSync('/dev/net/tun', 'r+'));
    return { name: '/dev/net/tun', level: 'ok', detail: 'present and opens' };
  } catch (err) {
    return { name: '/dev/net/tun', level: 'fail', detail: `cannot be opened: ${(err as Error).message}`, fix };
  }
}

function tracefsSupported(): boolean {
  try {
    return /\btracefs$/m.test(fs.readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

function tracingChecks(): Check[] {
  if (!isHostRoot())
    return [
      {
        name: 'tracepoint',
        level: 'info',
        detail: 'unavailable without root (tracefs needs root / CAP_SYS_ADMIN of the machine); specs only it can judge are skipped',
      },
    ];
  const roots = mountedTraceRoots();
  const root = roots[0];
  if (root === undefined) {
    if (!tracefsSupported())
      return [
        {
          name: 'tracefs',
          level: 'fail',
          detail: 'not mounted, and this kernel has no tracefs',
          fix: 'use a kernel built with CONFIG_FTRACE (and CONFIG_TRACING)',
        },
      ];
    const why = isHostRoot() ? 'not mounted; `tcpconform run` mounts it' : 'not visible (not mounted, or not readable without root)';
    return [
      { name: 'tracefs', level: 'ok', detail: `${why} at ${TRACEFS_ROOTS[0]}` },
      {
        name: 'tracepoint',
        level: 'warn',
        detail: 'sock/inet_sock_set_state cannot be checked until tracefs is mounted',
        fix: `mount it (as root: mount -t tracefs nodev ${TRACEFS_ROOTS[0]}) and run doctor again`,
      },
    ];
  }
  const tracefs: Check = { name: 'tracefs', level: 'ok', detail: `mounted at ${roots.join(' and ')}` };
  return fs.existsSync(path.join(root, TRACEPOINT))
    ? [tracefs, { name: 'tracepoint', level: 'ok', detail: 'sock/inet_sock_set_state' }]
    : [
        tracefs,
        {
          name: 'tracepoint',
          level: 'fail',
          detail: `sock/inet_sock_set_state is missing from ${root}/events`,
          fix: 'use Linux 4.16 or newer built with CONFIG_TRACEPOINTS',
        },
      ];
}

function residueChecks(): Check[] {
  const runs = survey();
  const ownerless = ownerlessLocks();
  if (runs.length === 0 && ownerless.length === 0) return [{ name: 'residue', level: 'ok', detail: 'nothing left by earlier runs' }];
  const checks: Check[] = runs.map((r) => ({
    name: 'residue',
    level: r.live ? 'info' : 'warn',
    detail: `run ${r.run} (${runState(r)}): ${summarizeResidue(r)}`,
    ...(r.live ? {} : { fix: `${removableByThisUser(r) ? '' : 'sudo '}tcpconform clean (or: tcpconform clean --run ${r.run})` }),
  }));
  if (ownerless.length)
    checks.push({
      name: 'residue',
      level: 'warn',
      detail: `address-block lock${ownerless.length === 1 ? '' : 's'} naming no owner: ${ownerless.join(', ')}`,
      fix: 'tcpconform clean',
    });
  if (!isHostRoot()) checks.push({ name: 'residue', level: 'info', detail: 'without root, leftover processes of other users cannot be seen' });
  return checks;
}

/** Only `--target lwip` needs it: a warning, not a reason the machine is not ready. */
function lwipCheck(): Check {
  return lwipInstalled()
    ? { name: 'liblwip-dev', level: 'ok', detail: `lwIP headers in ${LWIP_INCLUDE} (for --target lwip)` }
    : { name: 'liblwip-dev', level: 'warn', detail: 'lwIP is not installed: --target lwip cannot be built', fix: 'apt-get install liblwip-dev' };
}

export async function doctorChecks(): Promise<Check[]> {
  const [iproute, compiler, rootless] = await Promise.all([iprouteCheck(), compilerCheck(), isHostRoot() ? [] : rootlessProblems()]);
  return [
    ...rootChecks(rootless),
    nodeCheck(),
    { name: 'kernel', level: 'info', detail: `${os.type()} ${os.release()} (${os.arch()})` },
    iproute,
    compiler,
    lwipCheck(),
    tunCheck(),
    ...tracingChecks(),
    ...residueChecks(),
  ];
}

export async function doctorCommand(io: Io, opts: { json?: boolean }): Promise<number> {
  const checks = await doctorChecks();
  const ready = !checks.some((c) => c.level === 'fail');
  if (opts.json) {
    io.stdout.write(JSON.stringify({ ready, checks }, null, 2) + '\n');
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) {
      io.stdout.write(`${c.level.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}\n`);
      if (c.fix) io.stdout.write(`${' '.repeat(6 + width)}  fix: ${c.fix}\n`);
    }
    io.stdout.write(ready ? '\nready: `tcpconform run` can run here\n' : '\nnot ready: fix the items marked fail\n');
  }
  return ready ? EXIT.ok : EXIT.cannotRun;
}
