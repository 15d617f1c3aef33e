import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSchemas } from '../../scripts/gen-schemas.js';

const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas');

/** The committed JSON Schemas are generated; this fails when they drift from their TypeBox sources. */
describe('published JSON Schemas', () => {
  const rendered = renderSchemas();

  for (const [name, text] of Object.entries(rendered)) {
    test(`schemas/${name} matches its source (run \`npm run schemas\` to update)`, () => {
      expect(fs.readFileSync(path.join(SCHEMAS, name), 'utf8')).toBe(text);
    });

    test(`schemas/${name} is draft-07 with a title and no $id`, () => {
      const doc = JSON.parse(text) as Record<string, unknown>;
      expect(doc.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(typeof doc.title).toBe('string');
      expect(text).not.toContain('"$id"');
      expect(text.endsWith('}\n')).toBe(true);
    });
  }

  test('every property of the spec schema has a description for editors', () => {
    const missing: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      for (const [key, sub] of Object.entries((n.properties as Record<string, unknown> | undefined) ?? {})) {
        if (!(sub as Record<string, unknown>).description) missing.push(`${at}/${key}`);
      }
      for (const [k, v] of Object.entries(n)) {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}/${k}/${i}`));
        else if (typeof v === 'object') walk(v, `${at}/${k}`);
      }
    };
    walk(JSON.parse(rendered['spec.schema.json'] ?? '{}'), '');
    expect(missing).toEqual([]);
  });
});
