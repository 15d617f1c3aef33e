// Jest's globalSetup and globalTeardown.
//
// 1. Nothing of the harness stays on the machine: what the test runs left
//    (the state folder, namespaces, tracefs instances, folders in the
//    temporary folder, all named tcpconform-...) is compared with what was
//    there before, and anything new fails the whole test run.
// 2. The tests' own temporary folders (tempDir in test/integration/helpers.ts)
//    carry this test run's id; those a filtered run left (jest skips the
//    afterAll hooks of blocks with no test to run) are removed.
// 3. Runs do not remove what dead runs left when they start
//    (TCPCONFORM_NO_REAP=1): the reaper's tests make such residue by hand,
//    and a run in another suite would remove it under them.
//    test/integration/reaper.test.ts switches it on where it tests it.
// 4. Tests that run tcpconform as user `nobody` make that user's state
//    folder (`tcpconform-<uid>` in the temporary folder, where runs without
//    root keep their records, locks and a build cache). It is removed again
//    if the tests made it and no run is recorded in it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const USER_STATE = path.join(os.tmpdir(), 'tcpconform-65534');
const BEFORE = Symbol.for('tcpconform.machineBefore');
const USER_STATE_EXISTED = Symbol.for('tcpconform.userStateExisted');

const list = (dir, prefix) => {
  try {
    return fs.readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
};

/** `dir` and what is in it, as paths, a few levels down: to say what a left folder holds. */
function tree(dir, depth = 3) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [dir];
  }
  return [dir, ...(depth > 0 ? names.flatMap((n) => tree(path.join(dir, n), depth - 1)) : names.map((n) => path.join(dir, n)))];
}

/** Everything on the machine whose name says it is the harness's. */
function harnessItems() {
  return [
    ...(fs.existsSync('/run/tcpconform') ? ['/run/tcpconform'] : []),
    ...list('/run/netns', 'tcpconform-'),
    ...list('/sys/kernel/tracing/instances', 'tcpconform-'),
    ...list('/sys/kernel/debug/tracing/instances', 'tcpconform-'),
    ...list(os.tmpdir(), 'tcpconform-').filter((p) => p !== USER_STATE),
  ];
}

export async function setup() {
  // Set before jest starts its workers, which inherit it.
  process.env.TCPCONFORM_TEST_RUN ??= randomBytes(3).toString('hex');
  process.env.TCPCONFORM_NO_REAP = '1';
  globalThis[BEFORE] = new Set(harnessItems());
  globalThis[USER_STATE_EXISTED] = fs.existsSync(USER_STATE);
}

export async function teardown() {
  if (!globalThis[USER_STATE_EXISTED]) {
    const empty = (d) => !fs.existsSync(d) || fs.readdirSync(d).length === 0;
    if (empty(path.join(USER_STATE, 'runs')) && empty(path.join(USER_STATE, 'blocks'))) fs.rmSync(USER_STATE, { recursive: true, force: true });
  }
  const ours = `tcpconform-test-${process.env.TCPCONFORM_TEST_RUN}-`;
  for (const dir of list(os.tmpdir(), ours)) fs.rmSync(dir, { recursive: true, force: true });
  const left = harnessItems()
    .filter((p) => !globalThis[BEFORE].has(p))
    .flatMap((p) => (p === '/run/tcpconform' ? tree(p) : [p]));
  if (left.length)
    throw new Error(
      `the tests left on the machine (unless a tcpconform run outside the tests is still going):\n  ${left.join('\n  ')}\n` +
        'see what made them with `tcpconform doctor`; `tcpconform clean` removes them',
    );
}
