import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * What the harness may do on this machine. As root it creates network
 * namespaces, TUN devices and a tracefs instance directly. Without root it
 * runs "rootless": the command re-executes itself inside a user namespace
 * of its own (where it is root), with a private mount namespace and a
 * network namespace of its own, and makes the labs' namespaces there. The
 * kernel tracepoint stays out of reach (tracefs cannot be mounted or read
 * from a user namespace), so rootless labs are observed through the wire
 * and sock_diag only (docs/observers.md, "Without root").
 */

/** Set in the environment of the re-executed command: it is the rootless run, inside its namespaces. */
export const ROOTLESS_ENV = 'TCPCONFORM_ROOTLESS';

/** The `unshare` flags of the rootless re-execution (util-linux). */
export const UNSHARE_FLAGS = ['--user', '--map-root-user', '--mount', '--net'];

let cachedUidMap: [number, number, number][] | undefined;

/**
 * The process's uid map: in the initial user namespace the identity over all
 * 2^32 ids, in ours `0 <uid> 1`. Read once: a Node process never changes its
 * user namespace (unshare(CLONE_NEWUSER) needs a single-threaded caller).
 */
function uidMap(): [number, number, number][] {
  if (cachedUidMap) return cachedUidMap;
  try {
    cachedUidMap = fs
      .readFileSync('/proc/self/uid_map', 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number) as [number, number, number]);
  } catch {
    cachedUidMap = [[0, 0, 4294967295]];
  }
  return cachedUidMap;
}

function inInitialUserNamespace(): boolean {
  const map = uidMap();
  return map.length === 1 && map[0]![0] === 0 && map[0]![1] === 0 && map[0]![2] === 4294967295;
}

/** Root of the machine: uid 0 in the initial user namespace. */
export function isHostRoot(): boolean {
  return process.getuid?.() === 0 && inInitialUserNamespace();
}

/** True in the re-executed command, inside the user namespace it runs in. */
export function inRootlessNamespace(): boolean {
  return process.env[ROOTLESS_ENV] === '1' && process.getuid?.() === 0 && !inInitialUserNamespace();
}

/** The user's uid as the machine sees it (also from inside our user namespace). */
export function hostUid(): number {
  const uid = process.getuid?.() ?? 0;
  const row = uidMap().find(([inside, , count]) => uid >= inside && uid < inside + count);
  return row ? row[1] + (uid - row[0]) : uid;
}

/**
 * Where runs keep their records and locks: /run/tcpconform for root, a
 * folder of the user's own otherwise (/run is root's). Computed from the
 * uid as the machine sees it, so the rootless command inside its user
 * namespace and the user's `doctor` and `clean` outside agree.
 */
export function stateDirFor(uid: number): string {
  return uid === 0 ? '/run/tcpconform' : path.join(os.tmpdir(), `tcpconform-${uid}`);
}

export function stateDir(): string {
  return stateDirFor(hostUid());
}

/**
 * Makes the per-user state folder (mode 0700) or checks the one there: it
 * must be a real folder owned by the user, never a link someone else put
 * in the shared temporary folder.
 */
export function ensureUserStateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.() ?? 0;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0)
    throw new Error(`${dir} is not a private folder of this user (owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}); remove it or set TMPDIR`);
}

export interface Problem {
  what: string;
  fix: string;
}

/**
 * Whether a user without root can run labs: open /dev/net/tun and create a
 * user namespace with mount and network namespaces. Each refusal comes with
 * the kernel's reason and what to change.
 */
export async function rootlessProblems(): Promise<Problem[]> {
  const problems: Problem[] = [];
  try {
    fs.closeSync(fs.openSync('/dev/net/tun', 'r+'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(
      code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO'
        ? { what: `/dev/net/tun is missing (${code})`, fix: 'as root: `modprobe tun` (or `mkdir -p /dev/net && mknod /dev/net/tun c 10 200`)' }
        : {
            what: `not root, and /dev/net/tun cannot be opened by this user (${code}): labs need a TUN device`,
            fix: 'let users open it (as root: `chmod 0666 /dev/net/tun`, its usual mode), or run as root, e.g. `sudo npx tcpconform run`',
          },
    );
  }
  const userns = await userNamespaceProblem();
  if (userns) problems.push(userns);
  return problems;
}

async function userNamespaceProblem(): Promise<Problem | undefined> {
  // The same chain the run uses (cli/rootless.ts), ending in `true`.
  const r = await execa('unshare', [...UNSHARE_FLAGS, '--', 'setpriv', '--pdeathsig', 'TERM', '--', 'true'], { reject: false, stdin: 'ignore', timeout: 10_000 });
  if (r.exitCode === 0) return undefined;
  const said = (r.stderr || r.message || '').trim().split('\n').at(-1) ?? '';
  const orRoot = 'or run as root, e.g. `sudo npx tcpconform run`';
  if ((r as { code?: string }).code === 'ENOENT' || /failed to execute setpriv/.test(said))
    return {
      what: 'not root, and `unshare` or `setpriv` (util-linux) is missing: runs without root need them',
      fix: `install util-linux (\`apt-get install util-linux\`), ${orRoot}`,
    };
  if (/No space left on device/i.test(said))
    return {
      what: `not root, and this user may not create user namespaces: ${said} (the limit user.max_user_namespaces is 0 or used up)`,
      fix: `as root: \`sysctl -w user.max_user_namespaces=15000\` (make it last in /etc/sysctl.d/), ${orRoot}`,
    };
  if (/Operation not permitted|Permission denied/i.test(said))
    return {
      what: `not root, and this user may not create user namespaces: ${said}`,
      fix:
        'as root, allow unprivileged user namespaces: `sysctl -w kernel.unprivileged_userns_clone=1` (Debian kernels before 6.x) or ' +
        '`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 23.10 and later), or lift the container\'s seccomp policy; ' +
        orRoot,
    };
  return { what: `not root, and creating a user namespace failed: ${said || `unshare exited with ${r.exitCode}`}`, fix: orRoot };
}

/**
 * Inside the rootless command: gives `ip netns` a /run/netns of its own.
 * The mount namespace is private, so nothing of this is visible outside,
 * and it all goes away with the run's last process. `ip netns add` needs
 * the folder to exist; where the machine has none, a private tmpfs over
 * /run provides it (the state folder is not under /run).
 */
export async function prepareRootlessMounts(): Promise<void> {
  const mount = (target: string) => execa('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=1m', 'tcpconform', target], { stdin: 'ignore' });
  if (fs.existsSync('/run/netns')) await mount('/run/netns');
  else {
    await mount('/run');
    fs.mkdirSync('/run/netns');
  }
}
