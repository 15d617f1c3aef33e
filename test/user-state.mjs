// Jest's globalSetup and globalTeardown: tests that run tcpconform as user
// `nobody` make that user's state folder (`tcpconform-<uid>` in the temporary
// folder, where runs without root keep their records and locks). Once every
// test file has ended, the folder is removed again if the tests made it and
// nothing is left in it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const STATE = path.join(os.tmpdir(), 'tcpconform-65534');
const MARK = Symbol.for('tcpconform.userStateExisted');

export async function setup() {
  globalThis[MARK] = fs.existsSync(STATE);
}

export async function teardown() {
  if (globalThis[MARK]) return;
  const empty = (d) => !fs.existsSync(d) || fs.readdirSync(d).length === 0;
  if (empty(path.join(STATE, 'runs')) && empty(path.join(STATE, 'blocks'))) fs.rmSync(STATE, { recursive: true, force: true });
}
