import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { diagnosticAt, fileDiagnostic, type Diagnostic, type SourceText } from '../spec/diagnostic.js';
import { decodeSpec, MAX_SPEC_BYTES, parseSpecYaml } from '../spec/parse.js';
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
  /** The TAP device of a userspace stack's endpoint. */
  tap?: string;
}

export interface ResolvedTarget {
  id: string;
  title: string;
  file: string;
  roles: Role[];
  /** `kernel`: the namespace's Linux stack; `userspace`: the program's own, on a TAP device. */
  stack?: 'kernel' | 'userspace';
  /** Documented deviations: failures of these specs are `deviation`, with the reason. */
  deviations?: { specs: string[]; reason: string }[];
  /** The argv that starts the program in `role`, placeholders filled. */
  argv(role: Role, values: Placeholders): string[];
  /** Positions in the target file, for problems found later (a role the specs need and the target lacks). */
  at?: TargetPositions;
}

/** The folder of the bundled target files, beside the compiled or source tree. */
export const TARGETS_DIR = fileURLToPath(new URL('../../targets/', import.meta.url));

const PLACEHOLDER = /\{([a-z]+)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['addr', 'port', 'peer', 'reference', 'targets', 'tap', 'lwip']);

/** Target files share the spec files' limits (1 MiB, UTF-8 text, 64 levels of nesting, one document). */
export function loadTargetFile(file: string, text?: string): { target?: TargetFile; diagnostics: Diagnostic[]; at?: TargetPositions } {
  let bytes: Uint8Array;
  try {
    if (text !== undefined) bytes = Buffer.from(text, 'utf8');
    else {
      // Refuse a huge file before reading it.
      const size = fs.statSync(file).size;
      if (size > MAX_SPEC_BYTES) return { diagnostics: [forTargets(fileDiagnostic(file, 'too-large', `the file has ${size} bytes; spec files are limited to ${MAX_SPEC_BYTES} (1 MiB)`))] };
      bytes = fs.readFileSync(file);
    }
  } catch (err) {
    return { diagnostics: [fileDiagnostic(file, 'unreadable', `cannot read target file: ${(err as Error).message}`)] };
  }
  const decoded = decodeSpec(file, bytes);
  if (decoded.text === undefined) return { diagnostics: decoded.diagnostics.map(forTargets) };
  const parsed = parseSpecYaml(file, decoded.text);
  if (!parsed.doc || parsed.diagnostics.length) return { diagnostics: parsed.diagnostics.map(forTargets) };
  const doc = parsed.doc;
  const src = parsed.src;
  const diagnostics: Diagnostic[] = [];
  const root = doc.contents;
  if (!isMap(root)) return { diagnostics: [at(src, root, 'not-a-mapping', 'a target file is a mapping with id, title, stack, control and roles')] };

  const check = new Checker(src, diagnostics);
  check.keys(root, ['id', 'title', 'description', 'stack', 'control', 'roles', 'deviations'], ['id', 'title', 'stack', 'control', 'roles']);
  const deviations = checkDeviations(src, root, diagnostics);
  const id = check.string(root, 'id', /^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore');
  const title = check.string(root, 'title');
  const stack = check.oneOf(root, 'stack', ['kernel', 'userspace']);
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
  const description = root.get('description', true);
  if (description !== undefined && !(isScalar(description) && typeof description.value === 'string'))
    diagnostics.push(at(src, description as Node, 'wrong-type', 'description is a string'));
  if (diagnostics.length || !id || !title || !stack || !control) return { diagnostics };
  const target: TargetFile = { id, title, stack, control: 'protocol', roles: parsedRoles };
  if (isScalar(description)) target.description = String(description.value);
  if (deviations) target.deviations = deviations;
  const rolesNode = (roles ?? root) as Node;
  return { target, diagnostics, at: { roles: (code, message) => at(src, rolesNode, code, message) } };
}

/** Where later problems with a target file are reported: what it offers only shows against the specs it runs. */
export interface TargetPositions {
  /** A diagnostic at the file's `roles` mapping, e.g. a role a spec needs and the target lacks. */
  roles(code: string, message: string): Diagnostic;
}

/** The shared YAML checks speak of spec files; these are target files. */
function forTargets(d: Diagnostic): Diagnostic {
  return {
    ...d,
    message: d.message.replace('spec files are', 'target files are').replace('put one spec in each file', 'put one target in each file'),
  };
}

/** Turns a loaded target file into something that can start processes. */
export function resolveTarget(t: TargetFile, file: string, referenceDir: string, positions?: TargetPositions, lwipDir = ''): ResolvedTarget {
  return {
    stack: t.stack,
    ...(positions ? { at: positions } : {}),
    id: t.id,
    title: t.title,
    file,
    roles: (['server', 'client'] as const).filter((r) => t.roles[r]),
    ...(t.deviations ? { deviations: t.deviations } : {}),
    argv(role, values) {
      const spec = t.roles[role];
      if (!spec) throw new Error(`target ${t.id} cannot be a ${role}`);
      const vars: Record<string, string> = {
        addr: values.addr,
        port: String(values.port),
        peer: values.peer ?? '',
        reference: referenceDir,
        targets: path.dirname(file),
        tap: values.tap ?? '',
        lwip: lwipDir,
      };
      return spec.argv.map((a) => a.replace(PLACEHOLDER, (_, name: string) => vars[name] ?? `{${name}}`));
    },
  };
}

function checkDeviations(src: SourceText, root: YAMLMap, out: Diagnostic[]): { specs: string[]; reason: string }[] | undefined {
  const node = root.get('deviations', true);
  if (node === undefined) return undefined;
  if (!isSeq(node)) {
    out.push(at(src, node as Node, 'wrong-type', 'deviations is a list of { specs: [ids], reason: text }'));
    return undefined;
  }
  const list: { specs: string[]; reason: string }[] = [];
  for (const item of node.items) {
    if (!isMap(item)) {
      out.push(at(src, item as Node, 'wrong-type', 'a deviation is { specs: [ids], reason: text }'));
      continue;
    }
    const check = new Checker(src, out);
    check.keys(item, ['specs', 'reason'], ['specs', 'reason']);
    const specs = item.get('specs', true);
    const reason = check.string(item, 'reason');
    if (specs !== undefined && (!isSeq(specs) || specs.items.length === 0 || !specs.items.every((i) => isScalar(i) && typeof i.value === 'string'))) {
      out.push(at(src, specs as Node, 'wrong-type', 'specs is a non-empty list of spec ids'));
      continue;
    }
    if (!specs || !reason) continue;
    list.push({ specs: (specs as { items: { value: string }[] }).items.map((i) => i.value), reason });
  }
  return list;
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
