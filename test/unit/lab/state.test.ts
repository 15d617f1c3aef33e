import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inStateDir, tidyStateDir } from '../../../harness/lab/state.js';

/** The state folder is made by the first writer and removed by the last run to end, never under another run's files. */

let state: string;
beforeEach(() => {
  state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-test-state-')), 'state');
});
afterEach(() => fs.rmSync(path.dirname(state), { recursive: true, force: true }));

test('a write makes the folder and its subfolder', () => {
  inStateDir('runs', (dir) => fs.writeFileSync(path.join(dir, 'abc123'), '{}'), state);
  expect(fs.readdirSync(path.join(state, 'runs'))).toEqual(['abc123']);
});

test('a folder removed between its making and the write (a run ending meanwhile) is made again', () => {
  let calls = 0;
  inStateDir(
    'blocks',
    (dir) => {
      if (++calls === 1) tidyStateDir(state);
      fs.writeFileSync(path.join(dir, '7'), '{}', { flag: 'wx' });
    },
    state,
  );
  expect(calls).toBe(2);
  expect(fs.readdirSync(path.join(state, 'blocks'))).toEqual(['7']);
});

test('errors other than a missing folder are not retried', () => {
  let calls = 0;
  expect(() =>
    inStateDir(
      'runs',
      () => {
        calls++;
        throw Object.assign(new Error('full'), { code: 'ENOSPC' });
      },
      state,
    ),
  ).toThrow('full');
  expect(calls).toBe(1);
});

test('while a run is recorded, tidying removes nothing, not even an empty blocks folder its labs use', () => {
  inStateDir('runs', (dir) => fs.writeFileSync(path.join(dir, 'abc123'), '{}'), state);
  inStateDir('blocks', () => undefined, state);
  tidyStateDir(state);
  expect(fs.readdirSync(state).sort()).toEqual(['blocks', 'runs']);
});

test('tidying removes empty folders only: another run\'s lock and a cache stay', () => {
  inStateDir('blocks', (dir) => fs.writeFileSync(path.join(dir, '3'), '{}'), state);
  inStateDir('runs', () => undefined, state);
  tidyStateDir(state);
  expect(fs.readdirSync(state)).toEqual(['blocks']);
  fs.rmSync(path.join(state, 'blocks', '3'));
  fs.mkdirSync(path.join(state, 'cache'));
  tidyStateDir(state);
  expect(fs.readdirSync(state)).toEqual(['cache']);
  fs.rmdirSync(path.join(state, 'cache'));
  tidyStateDir(state);
  expect(fs.existsSync(state)).toBe(false);
});
