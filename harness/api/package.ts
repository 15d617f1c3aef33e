import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the package's own files are: `../../` is the package root from both harness/api/ and dist/api/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The bundled spec suite. */
export const BUNDLED_SPECS = fileURLToPath(new URL('../../specs/', import.meta.url));

/** The bundled JSON Schemas (spec, target, results). */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
