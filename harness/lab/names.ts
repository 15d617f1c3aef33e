import os from 'node:os';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatIPv6, parseIPv6 } from '../packet/addr.js';
import { inStateDir, subdirOf, tidyStateDir } from './state.js';

/**
 * Names and addresses of everything a run creates. One prefix and the run id
 * appear in every name, so that the reaper can tell our leftovers from
 * anything else on the machine.
 */

export const PREFIX = 'tcpconform';

export { STATE_DIR } from './state.js';

export function newRunId(): string {
  return crypto.randomBytes(3).toString('hex');
}

export function namespaceName(run: string, lab: number, endpoint: string): string {
  return `${PREFIX}-${run}-${lab}-${endpoint}`;
}

/** Interface names are limited to 15 bytes; the device lives inside its own namespace. */
export function tunName(run: string): string {
  return `tc${run}`;
}

/** The TAP device a userspace stack attaches to; also inside the endpoint's own namespace, so it goes with it. */
export function tapName(run: string): string {
  return `tc${run}tap`;
}

/** Where a target process's own folder ({tmp}) is made: mkdtemp adds six characters. */
export function targetDirPrefix(run: string, endpoint: string): string {
  return path.join(os.tmpdir(), `${PREFIX}-${run}-${endpoint}-`);
}

export function traceInstanceName(run: string): string {
  return `${PREFIX}-${run}`;
}

/**
 * 198.18.0.0/15 (RFC 2544 benchmarking range) cut into blocks of 8 addresses,
 * one block per lab; 2001:2::/48 (RFC 5180) for IPv6, same block numbers.
 * Blocks are unique across every run on the machine because the kernel
 * tracepoint has no namespace field: the address is what tells labs apart.
 */
export const BLOCK_SIZE = 8;
export const BLOCK_COUNT = (2 * 65536) / BLOCK_SIZE;

export function blockAddress4(block: number, host: number): string {
  const n = block * BLOCK_SIZE + host;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

/** In the canonical form (RFC 5952) the kernel prints, so tracepoint addresses compare as strings. */
export function blockAddress6(block: number, host: number): string {
  return formatIPv6(parseIPv6(`2001:2::${block.toString(16)}:${host.toString(16)}`)!);
}

interface BlockOwner {
  pid: number;
  run: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads who holds a block, or undefined when the lock file is unreadable or half-written. */
export function blockOwner(file: string): BlockOwner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as BlockOwner;
    return typeof owner.pid === 'number' && typeof owner.run === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims a free address block with a lock file naming its owner. A lock whose
 * owner process is gone is stale and taken over.
 */
export function claimBlock(run: string): number {
  return inStateDir('blocks', (dir) => claimBlockIn(dir, run));
}

/**
 * The lock is written whole aside (`<run>.<pid>.tmp`) and then linked to the
 * block's name: link(2) fails if the name exists, as O_EXCL would, and a lock
 * is never seen half-written. A process killed in between leaves only the
 * aside file, which names its run and PID for the reaper.
 */
function claimBlockIn(dir: string, run: string): number {
  const start = crypto.randomInt(BLOCK_COUNT);
  const aside = path.join(dir, `${run}.${process.pid}.tmp`);
  fs.writeFileSync(aside, JSON.stringify({ pid: process.pid, run } satisfies BlockOwner));
  try {
    for (let i = 0; i < BLOCK_COUNT; i++) {
      const block = (start + i) % BLOCK_COUNT;
      const file = path.join(dir, String(block));
      try {
        fs.linkSync(aside, file);
        return block;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (lockIsStale(file)) {
          fs.rmSync(file, { force: true });
          i--; // retry the same block
          continue;
        }
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
  throw new Error('no free address block in 198.18.0.0/15: too many labs at once');
}

const UNFILLED_LOCK_MS = 10_000;

/**
 * Whether a block's lock may be taken over: its owner process is gone, or
 * it names no owner (a lock written by an older version, which created the
 * file and then filled it, and was killed in between) and it is older than
 * any claim can take.
 */
export function lockIsStale(file: string): boolean {
  const owner = blockOwner(file);
  return owner ? !pidAlive(owner.pid) : lockAgeMs(file) > UNFILLED_LOCK_MS;
}

function lockAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Releases a block, and the state folders with it when it was the last thing in them (labs made outside a run). */
export function releaseBlock(block: number): void {
  fs.rmSync(path.join(subdirOf('blocks'), String(block)), { force: true });
  tidyStateDir();
}
