import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { MatrixResultSchema } from '../harness/matrix/schema.js';
import { RunResultSchema } from '../harness/run/results.js';
import { SpecFileSchema } from '../harness/spec/schema.js';
import { TargetSchema } from '../harness/target/schema.js';

/**
 * Writes the published JSON Schemas from their TypeBox sources, so that
 * editors (spec files) and consumers of results.json validate against exactly
 * what the code checks. A unit test fails when the committed files drift from
 * what this produces.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SOURCES: Record<string, { schema: TSchema; title: string }> = {
  'spec.schema.json': { schema: SpecFileSchema, title: 'tcpconform spec' },
  'results.schema.json': { schema: RunResultSchema, title: 'tcpconform results' },
  'target.schema.json': { schema: TargetSchema, title: 'tcpconform target' },
  'matrix.schema.json': { schema: MatrixResultSchema, title: 'tcpconform matrix' },
};

/** The file name and text of each schema, as committed under `schemas/`. */
export function renderSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { schema, title }] of Object.entries(SOURCES)) {
    // JSON.stringify drops TypeBox's symbol-keyed metadata. $schema and title
    // go first so a reader sees what the file is before anything else.
    const doc: Record<string, unknown> = { $schema: 'http://json-schema.org/draft-07/schema#', title };
    Object.assign(doc, JSON.parse(JSON.stringify(schema)) as Record<string, unknown>, { title });
    out[name] = JSON.stringify(doc, null, 2) + '\n';
  }
  return out;
}

export function writeSchemas(dir = path.join(ROOT, 'schemas')): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Object.entries(renderSchemas()).map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const f of writeSchemas()) process.stdout.write(`wrote ${path.relative(process.cwd(), f)}\n`);
}
