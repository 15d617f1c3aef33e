import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { diagnosticAt, fileDiagnostic, sourceText, type Diagnostic, type SourceText } from '../spec/diagnostic.js';
import type { TargetFile } from './schema.js';

/**
 * Target files (`targets/*.yaml`, docs/targets.md): which program fills an
 * endpoint, in which role, and how to start it. Errors are collected with
 * their positions, like spec errors.
 */

export type Role = 'client' | 'server';

export interface Placeholders {
  addr: string;
  port: number;
  peer?: string;
}

export interface ResolvedTarget {
  id: string;
  title: string;
  file: string;
  roles: Role[];
  /** The argv that starts the program in `role`, placeholders filled. */
  argv(role: Role, values: Placeholders): string[];
}

/** The folder of the bundled target files, beside the compiled or source tree. */
export const TARGETS_DIR = fileURLToPath(new URL('../../targets/', import.meta.url));

const PLACEHOLDER = /\{([a-z]+)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['addr', 'port', 'peer', 'reference', 'targets']);

export function loadTargetFile(file: string, text?: string): { target?: TargetFile; diagnostics: Diagnostic[] } {
  let source: string;
  try {
    source = text ?? fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { diagnostics: [fileDiagnostic(file, 'unreadable', `cannot read target file: ${(err as Error).message}`)] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const src = sourceText(file, source, lineCounter);
  const diagnostics: Diagnostic[] = doc.errors.map((e) => diagnosticAt(src, 'yaml-syntax', e.message.split('\n')[0]!, e.pos[0], e.pos[1]));
  if (diagnostics.length) return { diagnostics };
  const root = doc.contents;
  if (!isMap(root)) return { diagnostics: [at(src, root, 'not-a-mapping', 'a target file is a mapping with id, title, stack, control and roles')] };

  const check = new Checker(src, diagnostics);
  check.keys(root, ['id', 'title', 'description', 'stack', 'control', 'roles'], ['id', 'title', 'stack', 'control', 'roles']);
  const id = check.string(root, 'id', /^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore');
  const title = check.string(root, 'title');
  const stack = check.oneOf(root, 'stack', ['kernel']);
  const control = check.oneOf(root, 'control', ['protocol']);
  const roles = root.get('roles', true);
  const parsedRoles: TargetFile['roles'] = {};
  if (roles !== undefined) {
    if (!isMap(roles) || roles.items.length === 0) diagnostics.push(at(src, roles, 'wrong-type', 'roles maps server and/or client to { argv: [...] }'));
    else {
      check.keys(roles, ['server', 'client'], []);
      for (const role of ['server', 'client'] as const) {
        const r = roles.get(role, true);
        if (r === undefined) continue;
        if (!isMap(r)) {
          diagnostics.push(at(src, r, 'wrong-type', `${role} is a mapping: { argv: [program, args...] }`));
          continue;
        }
        check.keys(r, ['argv'], ['argv']);
        const argv = r.get('argv', true);
        if (argv === undefined) continue;
        if (!isSeq(argv) || argv.items.length === 0 || !argv.items.every((i) => isScalar(i) && typeof i.value === 'string')) {
          diagnostics.push(at(src, argv, 'wrong-type', 'argv is a non-empty list of strings'));
          continue;
        }
        for (const item of argv.items) {
          for (const m of String((item as { value: string }).value).matchAll(PLACEHOLDER)) {
            if (!KNOWN_PLACEHOLDERS.has(m[1]!))
              diagnostics.push(at(src, item as Node, 'unknown-placeholder', `unknown placeholder {${m[1]}}; known: ${[...KNOWN_PLACEHOLDERS].map((p) => `{${p}}`).join(' ')}`));
          }
        }
        parsedRoles[role] = { argv: argv.items.map((i) => String((i as { value: string }).value)) };
      }
    }
  }
  if (diagnostics.length || !id || !title || !stack || !control) return { diagnostics };
  const target: TargetFile = { id, title, stack: 'kernel', control: 'protocol', roles: parsedRoles };
  const description = root.get('description');
  if (typeof description === 'string') target.description = description;
  return { target, diagnostics };
}

/** Turns a loaded target file into something that can start processes. */
export function resolveTarget(t: TargetFile, file: string, referenceDir: string): ResolvedTarget {
  return {
    id: t.id,
    title: t.title,
    file,
    roles: (['server', 'client'] as const).filter((r) => t.roles[r]),
    argv(role, values) {
      const spec = t.roles[role];
      if (!spec) throw new Error(`target ${t.id} cannot be a ${role}`);
      const vars: Record<string, string> = {
        addr: values.addr,
        port: String(values.port),
        peer: values.peer ?? '',
        reference: referenceDir,
        targets: path.dirname(file),
      };
      return spec.argv.map((a) => a.replace(PLACEHOLDER, (_, name: string) => vars[name] ?? `{${name}}`));
    },
  };
}

function at(src: SourceText, node: Node | null | undefined, code: string, message: string): Diagnostic {
  const range = node?.range ?? [0, 0];
  return diagnosticAt(src, code, message, range[0], range[1]);
}

class Checker {
  constructor(
    private readonly src: SourceText,
    private readonly out: Diagnostic[],
  ) {}

  keys(map: YAMLMap, allowed: string[], required: string[]): void {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || !allowed.includes(key))
        this.out.push(at(this.src, pair.key as Node, 'unknown-key', `unknown key ${JSON.stringify(key)}; allowed here: ${allowed.join(', ')}`));
    }
    for (const key of required)
      if (!map.has(key)) this.out.push(at(this.src, map, 'missing-key', `missing required key "${key}"`));
  }

  string(map: YAMLMap, key: string, pattern?: RegExp, patternHelp?: string): string | undefined {
    const node = map.get(key, true);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
      this.out.push(at(this.src, node, 'wrong-type', `${key} is a non-empty string`));
      return undefined;
    }
    if (pattern && !pattern.test(node.value)) {
      this.out.push(at(this.src, node, 'wrong-type', `${key} must match ${pattern.source} (${patternHelp})`));
      return undefined;
    }
    return node.value;
  }

  oneOf<T extends string>(map: YAMLMap, key: string, values: readonly T[]): T | undefined {
    const node = map.get(key, true);
    if (node === undefined) return undefined;
    if (!isScalar(node) || !values.includes(node.value as T)) {
      this.out.push(at(this.src, node, 'wrong-value', `${key} must be one of: ${values.join(', ')}`));
      return undefined;
    }
    return node.value as T;
  }
}
