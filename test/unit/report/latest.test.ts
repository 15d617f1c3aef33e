import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { updateLatest } from '../../../harness/report/latest.js';
import { tempDir } from './fixtures.js';

describe('updateLatest', () => {
  it('points latest at the run folder with a relative link, and replaces it', async () => {
    const t = await tempDir();
    try {
      for (const run of ['run-1', 'run-2']) {
        await mkdir(path.join(t.dir, run));
        await writeFile(path.join(t.dir, run, 'results.json'), run);
      }
      updateLatest(t.dir, 'run-1');
      expect(await readlink(path.join(t.dir, 'latest'))).toBe('run-1');
      expect(await readFile(path.join(t.dir, 'latest', 'results.json'), 'utf8')).toBe('run-1');
      updateLatest(t.dir, 'run-2');
      expect(await readlink(path.join(t.dir, 'latest'))).toBe('run-2');
      expect(await readFile(path.join(t.dir, 'latest', 'results.json'), 'utf8')).toBe('run-2');
      expect((await readdir(t.dir)).sort()).toEqual(['latest', 'run-1', 'run-2']);
    } finally {
      await t.done();
    }
  });

  it('refuses a missing run folder or a name that is not plain', async () => {
    const t = await tempDir();
    try {
      expect(() => updateLatest(t.dir, 'nope')).toThrow(/no run folder/);
      expect(() => updateLatest(t.dir, '../x')).toThrow(/plain name/);
      expect(() => updateLatest(t.dir, '')).toThrow(/plain name/);
    } finally {
      await t.done();
    }
  });

  it('leaves a real latest folder alone and says why', async () => {
    const t = await tempDir();
    try {
      await mkdir(path.join(t.dir, 'run-1'));
      await mkdir(path.join(t.dir, 'latest'));
      expect(() => updateLatest(t.dir, 'run-1')).toThrow(/not a symlink/);
      expect((await readdir(t.dir)).sort()).toEqual(['latest', 'run-1']);
    } finally {
      await t.done();
    }
  });
});
