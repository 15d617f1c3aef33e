import fs from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { Document } from 'yaml';
import { diagnosticAt, fileDiagnostic, sortDiagnostics, type Diagnostic, type SourceText } from './diagnostic.js';
import { decodeSpec, MAX_SPEC_BYTES, parseSpecYaml } from './parse.js';
import { SpecFileSchema } from './schema.js';
import type { Spec } from './types.js';
import { validateSpec } from './validate.js';

export type { Action, Pos, Spec, Step } from './types.js';

/**
 * Loading spec files: one file (`loadSpecFile`) or whole suites
 * (`loadSpecs`). Bad input never throws; every problem comes back as a
 * diagnostic, all of a file's problems together.
 */

interface Loaded {
  spec?: Spec;
  diagnostics: Diagnostic[];
  /** Builds a diagnostic at the spec's id, for problems only a suite can see. */
  atId?: (code: string, message: string) => Diagnostic;
}

/**
 * Loads one spec. `file` names it in diagnostics and in `spec.file`; without
 * `source` the file is read from disk.
 */
export function loadSpecFile(file: string, source?: string): { spec?: Spec; diagnostics: Diagnostic[] } {
  if (source !== undefined) return strip(fromText(file, source, file));
  let buf: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) return { diagnostics: [fileDiagnostic(file, 'read-error', 'this is a directory; use loadSpecs for folders')] };
    if (st.size > MAX_SPEC_BYTES) return { diagnostics: [tooLarge(file, st.size)] };
    buf = fs.readFileSync(file);
  } catch (err) {
    return { diagnostics: [readProblem(file, err)] };
  }
  return strip(fromBytes(file, buf, file));
}

function strip(l: Loaded): { spec?: Spec; diagnostics: Diagnostic[] } {
  return l.spec ? { spec: l.spec, diagnostics: l.diagnostics } : { diagnostics: l.diagnostics };
}

function fromBytes(display: string, buf: Uint8Array, specFile: string): Loaded {
  const { text, diagnostics } = decodeSpec(display, buf);
  if (text === undefined) return { diagnostics };
  return fromText(display, text, specFile);
}

function fromText(display: string, text: string, specFile: string): Loaded {
  const parsed = parseSpecYaml(display, text);
  if (!parsed.doc) return { diagnostics: sortDiagnostics(parsed.diagnostics) };
  const v = validateSpec(parsed.src, parsed.doc, specFile);
  const diagnostics = [...parsed.diagnostics, ...v.diagnostics];
  if (diagnostics.length === 0 && v.spec) diagnostics.push(...schemaCheck(parsed.src, parsed.doc));
  const loaded: Loaded = { diagnostics: sortDiagnostics(diagnostics) };
  if (diagnostics.length === 0 && v.spec) loaded.spec = v.spec;
  const idRange = v.idRange;
  if (idRange) loaded.atId = (code, message) => diagnosticAt(parsed.src, code, message, idRange[0], idRange[1]);
  return loaded;
}

/**
 * The safety net: what the walker accepted must also satisfy the published
 * JSON Schema. A failure here is a disagreement between the two, reported
 * rather than hidden.
 */
function schemaCheck(src: SourceText, doc: Document.Parsed): Diagnostic[] {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return [diagnosticAt(src, 'yaml-syntax', (err as Error).message, 0, 0)];
  }
  if (Value.Check(SpecFileSchema, value)) return [];
  const out: Diagnostic[] = [];
  for (const e of Value.Errors(SpecFileSchema, value)) {
    const segments = e.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const node = doc.getIn(segments, true) as { range?: [number, number, number] } | undefined;
    const [s, end] = node?.range ?? [0, 0];
    out.push(diagnosticAt(src, 'schema', `${e.path || 'the spec'}: ${e.message}`, s, end));
    if (out.length >= 5) break;
  }
  return out;
}

function tooLarge(file: string, bytes: number): Diagnostic {
  return fileDiagnostic(file, 'too-large', `the file has ${bytes} bytes; spec files are limited to ${MAX_SPEC_BYTES} (1 MiB)`);
}

function readProblem(file: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return fileDiagnostic(file, 'no-such-path', 'no such file or directory');
  return fileDiagnostic(file, 'read-error', `cannot read: ${(err as Error).message}`);
}

const SPEC_EXT = /\.ya?ml$/i;

/** Spec files below `dir`, recursively; hidden entries skipped, symlinked folders not followed (no loops). */
async function findSpecFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const d = pending.pop() as string;
    const entries = await fs.promises.readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) pending.push(p);
      else if ((e.isFile() || e.isSymbolicLink()) && SPEC_EXT.test(e.name)) out.push(p);
    }
  }
  return out;
}

/**
 * Loads every spec named by `paths` (files, or folders searched recursively
 * for `*.yaml` and `*.yml`), relative to `opts.cwd`. Files are loaded in
 * sorted order so results and diagnostics do not depend on the file system.
 * Diagnostics name files relative to `cwd`; `spec.file` is absolute.
 * A spec id used twice is reported at the later file.
 */
export async function loadSpecs(
  paths: string[],
  opts: { cwd: string },
): Promise<{ specs: Spec[]; diagnostics: Diagnostic[]; files: string[] }> {
  const diagnostics: Diagnostic[] = [];
  const found = new Set<string>();
  const display = (abs: string): string => {
    const rel = path.relative(opts.cwd, abs);
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  };

  for (const p of paths) {
    const abs = path.resolve(opts.cwd, p);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch (err) {
      diagnostics.push({ ...readProblem(p, err) });
      continue;
    }
    try {
      if (st.isDirectory()) for (const f of await findSpecFiles(abs)) found.add(f);
      else found.add(abs);
    } catch (err) {
      diagnostics.push(readProblem(p, err));
    }
  }

  const files = [...found].sort((a, b) => (display(a) < display(b) ? -1 : display(a) > display(b) ? 1 : 0));
  const specs: Spec[] = [];
  const firstById = new Map<string, string>();
  for (const abs of files) {
    const name = display(abs);
    let loaded: Loaded;
    try {
      const st = await fs.promises.stat(abs);
      loaded =
        st.size > MAX_SPEC_BYTES ? { diagnostics: [tooLarge(name, st.size)] } : fromBytes(name, await fs.promises.readFile(abs), abs);
    } catch (err) {
      loaded = { diagnostics: [readProblem(name, err)] };
    }
    diagnostics.push(...loaded.diagnostics);
    const spec = loaded.spec;
    if (!spec) continue;
    const first = firstById.get(spec.id);
    if (first !== undefined && loaded.atId) {
      diagnostics.push(loaded.atId('duplicate-id', `spec id "${spec.id}" is already used by ${first}`));
      continue;
    }
    firstById.set(spec.id, name);
    specs.push(spec);
  }
  return { specs, diagnostics, files: files.map(display) };
}
