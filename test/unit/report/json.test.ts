import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { JsonReporter, RESULTS_SCHEMA_ID } from '../../../harness/report/json.js';
import { RunResultSchema } from '../../../harness/run/results.js';
import { sampleRun, tempDir } from './fixtures.js';

// TypeBox checks `format` only for formats in its registry; results.ts uses date-time.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
}

describe('JsonReporter', () => {
  it('writes results.json that validates against RunResultSchema', async () => {
    const t = await tempDir();
    try {
      const outDir = path.join(t.dir, 'run-1'); // not there yet: the reporter makes it
      await new JsonReporter(outDir).onEnd(sampleRun());
      const text = await readFile(path.join(outDir, 'results.json'), 'utf8');
      const doc: unknown = JSON.parse(text);
      const errors = [...Value.Errors(RunResultSchema, doc)].map((e) => `${e.path}: ${e.message}`);
      expect(errors).toEqual([]);
      expect(Value.Check(RunResultSchema, doc)).toBe(true);
      expect(Object.keys(doc as object)[0]).toBe('$schema');
      expect((doc as { $schema: string }).$schema).toBe(RESULTS_SCHEMA_ID);
      expect(text).toMatch(/^\{\n {2}"\$schema"/); // pretty printed
      expect(text.endsWith('}\n')).toBe(true);
    } finally {
      await t.done();
    }
  });

  it('replaces an existing file and leaves no temporary file behind', async () => {
    const t = await tempDir();
    try {
      await writeFile(path.join(t.dir, 'results.json'), 'old');
      const run = sampleRun();
      await new JsonReporter(t.dir).onEnd({ ...run, $schema: 'something else' });
      expect(await readdir(t.dir)).toEqual(['results.json']);
      const doc = JSON.parse(await readFile(path.join(t.dir, 'results.json'), 'utf8')) as { $schema: string; run: string };
      expect(doc.$schema).toBe(RESULTS_SCHEMA_ID);
      expect(doc.run).toBe(run.run);
    } finally {
      await t.done();
    }
  });
});
