import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceBuildDir } from '../../../harness/target/reference-build.js';

/** Where the reference programs are built: an installed package builds into a cache (package.test.ts runs that case). */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('a source checkout builds beside the sources', async () => {
  expect(await referenceBuildDir(undefined, {})).toBe(path.join(ROOT, 'targets/reference/build'));
});

test('TCPCONFORM_REFERENCE_BUILD chooses the folder', async () => {
  expect(await referenceBuildDir(undefined, { TCPCONFORM_REFERENCE_BUILD: 'some/where' })).toBe(path.resolve('some/where'));
});
