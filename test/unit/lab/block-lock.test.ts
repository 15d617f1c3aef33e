import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimBlock, lockIsStale, releaseBlock } from '../../../harness/lab/names.js';
import { subdirOf } from '../../../harness/lab/state.js';

/**
 * When an address block's lock may be taken over. A lock names its owner
 * (pid and run); one that names nobody (a damaged file) must not hold its
 * block forever.
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'block-lock-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function lock(body: string, ageMs = 0): string {
  const file = path.join(dir, '42');
  fs.writeFileSync(file, body);
  const t = (Date.now() - ageMs) / 1000;
  fs.utimesSync(file, t, t);
  return file;
}

test('a lock whose owner runs is kept', () => {
  expect(lockIsStale(lock(JSON.stringify({ pid: process.pid, run: 'abc123' }), 60_000))).toBe(false);
});

test('a lock whose owner is gone is stale', () => {
  // Beyond any pid_max: no such process.
  expect(lockIsStale(lock(JSON.stringify({ pid: 2_147_483_000, run: 'abc123' })))).toBe(true);
});

test('an empty lock is kept while its writer may still be filling it, and stale after', () => {
  expect(lockIsStale(lock('', 1_000))).toBe(false);
  expect(lockIsStale(lock('', 11_000))).toBe(true);
  expect(lockIsStale(lock('{"pid":', 11_000))).toBe(true);
});

test('a lock that is gone is not stale (someone released it meanwhile)', () => {
  expect(lockIsStale(path.join(dir, 'missing'))).toBe(false);
});

test('a claimed lock names its owner whole, and nothing is left aside', () => {
  const block = claimBlock('abc123');
  try {
    const blocks = subdirOf('blocks');
    expect(JSON.parse(fs.readFileSync(path.join(blocks, String(block)), 'utf8'))).toEqual({ pid: process.pid, run: 'abc123' });
    expect(fs.readdirSync(blocks).filter((n) => n.endsWith(`.${process.pid}.tmp`))).toEqual([]);
  } finally {
    releaseBlock(block);
  }
});
