import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { diagnosticAt, fileDiagnostic, type Diagnostic, type SourceText } from '../spec/diagnostic.js';
import { decodeSpec, MAX_SPEC_BYTES, parseSpecYaml } from '../spec/parse.js';
import { BEHAVIOUR_NAMES, BEHAVIOURS, DRIVEN_OPS, QUIET, STAYS_CLOSED, UNDRIVEN_CLIENT_OPS, UNDRIVEN_SERVER_OPS } from '../spec/capabilities.js';
import type { TargetFile } from './schema.js';
import type { Deviation } from './deviations.js';

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
  /** The process's own folder, when the target has files. */
  tmp?: string;
}

/** How the harness knows a started program is ready (docs/targets.md "Readiness"). */
export type Readiness =
  | { kind: 'event' }
  | { kind: 'listening' }
  | { kind: 'stdout'; pattern: RegExp }
  | { kind: 'delay'; ms: number }
  /** Ready once started: an undriven client, whose work begins when it starts. */
  | { kind: 'started' };

export interface Requirement {
  program: string;
  debian?: string;
  npm?: string;
}

export interface ResolvedTarget {
  id: string;
  title: string;
  file: string;
  roles: Role[];
  /** `kernel`: the namespace's Linux stack; `userspace`: the program's own, on a TAP device. */
  stack?: 'kernel' | 'userspace';
  /** protocol: driven through the control protocol; none: started, then left to do what it does by itself. */
  control?: 'protocol' | 'none';
  ready?: Readiness;
  requires?: Requirement[];
  /** Behaviours it shows by itself (capabilities.ts BEHAVIOURS). */
  capabilities?: string[];
  /** Files written into the process's own folder ({tmp}) before it starts, placeholders filled. */
  files?(role: Role, values: Placeholders): Record<string, string>;
  /** Documented deviations: failures of these specs are `deviation`, with the reason. */
  deviations?: Deviation[];
  /** The argv that starts the program in `role`, placeholders filled. */
  argv(role: Role, values: Placeholders): string[];
  /** Positions in the target file, for problems found later (a role the specs need and the target lacks). */
  at?: TargetPositions;
}

/** The folder of the bundled target files, beside the compiled or source tree. */
export const TARGETS_DIR = fileURLToPath(new URL('../../targets/', import.meta.url));

const PLACEHOLDER = /\{([a-z]+)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['addr', 'port', 'hostport', 'peer', 'peerport', 'reference', 'targets', 'tmp', 'tap', 'lwip']);
const TOP_KEYS = ['id', 'title', 'description', 'stack', 'control', 'ready', 'requires', 'capabilities', 'files', 'roles', 'deviations'];

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
  check.keys(root, TOP_KEYS, ['id', 'title', 'stack', 'control', 'roles']);
  const deviations = checkDeviations(src, root, diagnostics);
  const id = check.string(root, 'id', /^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore');
  const title = check.string(root, 'title');
  const stack = check.oneOf(root, 'stack', ['kernel', 'userspace']);
  const control = check.oneOf(root, 'control', ['protocol', 'none']);
  const ready = checkReady(src, root, diagnostics);
  const requires = checkRequires(src, root, diagnostics);
  const capabilities = checkCapabilities(src, root, diagnostics);
  const files = checkFiles(src, root, diagnostics);
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
        for (const item of argv.items) checkPlaceholders(src, item as Node, diagnostics);
        parsedRoles[role] = { argv: argv.items.map((i) => String((i as { value: string }).value)) };
      }
    }
  }
  const description = root.get('description', true);
  if (description !== undefined && !(isScalar(description) && typeof description.value === 'string'))
    diagnostics.push(at(src, description as Node, 'wrong-type', 'description is a string'));
  if (diagnostics.length || !id || !title || !stack || !control) return { diagnostics };
  if (ready && ready !== 'listening' && 'stdout' in ready && control === 'protocol') {
    const node = root.get('ready', true) as Node;
    diagnostics.push(at(src, node, 'wrong-value', 'ready: { stdout } reads stdout, which is the control channel of a control: protocol target; use it with control: none'));
  }
  if (control === 'none' && ready !== undefined && parsedRoles.client && !parsedRoles.server) {
    const node = root.get('ready', true) as Node;
    diagnostics.push(at(src, node, 'wrong-value', 'ready is for servers: a client that cannot be driven is started at the spec\'s connect step, and connects by itself'));
  }
  if (stack === 'userspace' && control === 'none' && (ready === undefined || ready === 'listening')) {
    const node = (root.get('ready', true) ?? root.get('control', true)) as Node;
    diagnostics.push(at(src, node, 'wrong-value', "a userspace stack's listening socket is invisible to the kernel's sock_diag: give it ready: { stdout: regex } (or { delay: ms })"));
  }
  if (diagnostics.length) return { diagnostics };
  const target: TargetFile = { id, title, stack, control, roles: parsedRoles };
  if (isScalar(description)) target.description = String(description.value);
  if (ready !== undefined) target.ready = ready;
  if (requires) target.requires = requires;
  if (capabilities) target.capabilities = capabilities as TargetFile['capabilities'];
  if (files) target.files = files;
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
    control: t.control,
    ready: readinessOf(t),
    ...(t.requires ? { requires: t.requires } : {}),
    ...(t.capabilities ? { capabilities: t.capabilities } : {}),
    ...(t.files ? { files: (_role, values) => Object.fromEntries(Object.entries(t.files!).map(([name, text]) => [name, fill(text, values)])) } : {}),
    argv(role, values) {
      const spec = t.roles[role];
      if (!spec) throw new Error(`target ${t.id} cannot be a ${role}`);
      return spec.argv.map((a) => fill(a, values));
    },
  };

  function fill(text: string, values: Placeholders): string {
    const vars: Record<string, string> = {
      addr: values.addr,
      port: String(values.port),
      hostport: hostPort(values.addr, values.port),
      peer: values.peer ?? '',
      peerport: hostPort(values.peer ?? '', values.port),
      reference: referenceDir,
      targets: path.dirname(file),
      tmp: values.tmp ?? '',
      tap: values.tap ?? '',
      lwip: lwipDir,
    };
    return text.replace(PLACEHOLDER, (_, name: string) => vars[name] ?? `{${name}}`);
  }
}

/** addr:port, an IPv6 address in brackets. */
function hostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function readinessOf(t: TargetFile): Readiness {
  const r = t.ready;
  if (r === undefined) return t.control === 'none' ? { kind: 'listening' } : { kind: 'event' };
  if (r === 'listening') return { kind: 'listening' };
  if ('stdout' in r) return { kind: 'stdout', pattern: new RegExp(r.stdout) };
  return { kind: 'delay', ms: r.delay };
}

/**
 * What a spec endpoint needs that this target lacks, each with the reason,
 * or nothing when the target can fill the endpoint. `needs` holds the
 * endpoint's step operations, its declared behaviours, and STAYS_CLOSED for
 * a server that never listens.
 */
export function missingCapabilities(target: ResolvedTarget, role: Role, needs: Iterable<string>): string[] {
  const missing: string[] = [];
  const driven = (target.control ?? 'protocol') === 'protocol';
  const behaviours = new Set(target.capabilities ?? []);
  for (const need of needs) {
    if ((DRIVEN_OPS as readonly string[]).includes(need)) {
      if (driven || (role === 'server' ? UNDRIVEN_SERVER_OPS : UNDRIVEN_CLIENT_OPS).has(need)) continue;
      missing.push(`${need} (the target cannot be driven)`);
    } else if (need === STAYS_CLOSED) {
      if (!driven && role === 'server') missing.push('a server that does not listen (the target listens by itself)');
    } else if (need === QUIET) {
      // Said only when nothing else is: a target that cannot be told to close cannot be told to wait either.
      if (!driven && !missing.some((m) => m.endsWith('(the target cannot be driven)')))
        missing.push(`a ${role} that does only what it is told once the other side sends or closes (the target acts by itself)`);
    } else if (!behaviours.has(need)) {
      missing.push(`${need}: ${(BEHAVIOURS as Record<string, string>)[need] ?? 'a behaviour the target does not declare'}`);
    }
  }
  return missing;
}

function checkPlaceholders(src: SourceText, node: Node, out: Diagnostic[]): void {
  for (const m of String((node as { value?: unknown }).value ?? '').matchAll(PLACEHOLDER)) {
    if (!KNOWN_PLACEHOLDERS.has(m[1]!))
      out.push(at(src, node, 'unknown-placeholder', `unknown placeholder {${m[1]}}; known: ${[...KNOWN_PLACEHOLDERS].map((p) => `{${p}}`).join(' ')}`));
  }
}

function checkReady(src: SourceText, root: YAMLMap, out: Diagnostic[]): TargetFile['ready'] | undefined {
  const node = root.get('ready', true) as Node | undefined;
  if (node === undefined) return undefined;
  const usage = 'ready is listening, { stdout: regex } or { delay: ms }';
  if (isScalar(node)) {
    if (node.value === 'listening') return 'listening';
    out.push(at(src, node, 'wrong-value', usage));
    return undefined;
  }
  if (!isMap(node) || node.items.length !== 1 || !isScalar(node.items[0]!.key)) {
    out.push(at(src, node, 'wrong-type', usage));
    return undefined;
  }
  const key = String((node.items[0]!.key as { value: unknown }).value);
  const value = node.items[0]!.value as Node | null;
  if (key === 'stdout') {
    if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') {
      out.push(at(src, value ?? node, 'wrong-type', 'ready.stdout is a regular expression, as a string'));
      return undefined;
    }
    try {
      new RegExp(value.value);
    } catch (err) {
      out.push(at(src, value, 'bad-regex', `ready.stdout is not a regular expression: ${(err as Error).message}`));
      return undefined;
    }
    return { stdout: value.value };
  }
  if (key === 'delay') {
    if (!isScalar(value) || typeof value.value !== 'number' || !Number.isInteger(value.value) || value.value < 1 || value.value > 60000) {
      out.push(at(src, value ?? node, 'wrong-type', 'ready.delay is a whole number of milliseconds, 1 to 60000'));
      return undefined;
    }
    return { delay: value.value };
  }
  out.push(at(src, node.items[0]!.key as Node, 'unknown-key', `unknown key ${JSON.stringify(key)}; ${usage}`));
  return undefined;
}

function checkRequires(src: SourceText, root: YAMLMap, out: Diagnostic[]): Requirement[] | undefined {
  const node = root.get('requires', true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isSeq(node)) {
    out.push(at(src, node, 'wrong-type', 'requires is a list of { program, debian?, npm? }'));
    return undefined;
  }
  const list: Requirement[] = [];
  for (const item of node.items) {
    if (!isMap(item)) {
      out.push(at(src, item as Node, 'wrong-type', 'a requirement is { program: name, debian: package } (or npm: package)'));
      continue;
    }
    const check = new Checker(src, out);
    check.keys(item, ['program', 'debian', 'npm'], ['program']);
    const program = check.string(item, 'program');
    const debian = check.string(item, 'debian', /^[a-z0-9][a-z0-9.+-]*$/, 'a Debian package name');
    const npm = check.string(item, 'npm', /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/, 'an npm package name');
    if (!program) continue;
    list.push({ program, ...(debian ? { debian } : {}), ...(npm ? { npm } : {}) });
  }
  return list;
}

function checkCapabilities(src: SourceText, root: YAMLMap, out: Diagnostic[]): string[] | undefined {
  const node = root.get('capabilities', true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isSeq(node)) {
    out.push(at(src, node, 'wrong-type', `capabilities is a list of behaviours: ${BEHAVIOUR_NAMES.join(', ')}`));
    return undefined;
  }
  const list: string[] = [];
  for (const item of node.items) {
    const value = isScalar(item) ? item.value : undefined;
    if (typeof value !== 'string' || !(BEHAVIOUR_NAMES as string[]).includes(value)) {
      out.push(at(src, item as Node, 'unknown-capability', `unknown capability ${JSON.stringify(value ?? null)}; known: ${BEHAVIOUR_NAMES.join(', ')}`));
      continue;
    }
    if (list.includes(value)) out.push(at(src, item as Node, 'duplicate-capability', `${value} is listed twice`));
    else list.push(value);
  }
  return list;
}

function checkFiles(src: SourceText, root: YAMLMap, out: Diagnostic[]): Record<string, string> | undefined {
  const node = root.get('files', true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isMap(node)) {
    out.push(at(src, node, 'wrong-type', 'files maps a file name to its text: { nginx.conf: "..." }'));
    return undefined;
  }
  const files: Record<string, string> = {};
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
      out.push(at(src, pair.key as Node, 'wrong-value', 'a file name is letters, digits, dot, dash, underscore (no folders)'));
      continue;
    }
    const value = pair.value as Node | null;
    if (!isScalar(value) || typeof value.value !== 'string') {
      out.push(at(src, value ?? (pair.key as Node), 'wrong-type', `files.${name} is the file's text, a string`));
      continue;
    }
    checkPlaceholders(src, value, out);
    files[name] = value.value;
  }
  return files;
}

function checkDeviations(src: SourceText, root: YAMLMap, out: Diagnostic[]): Deviation[] | undefined {
  const node = root.get('deviations', true);
  if (node === undefined) return undefined;
  if (!isSeq(node)) {
    out.push(at(src, node as Node, 'wrong-type', 'deviations is a list of { specs: [ids], reason: text }'));
    return undefined;
  }
  const list: Deviation[] = [];
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

/**
 * A userspace stack is relayed IPv4 only (ARP, no IPv6 neighbour discovery):
 * the diagnostic for running one over another IP version, else undefined.
 * `fix` ends the message (the command's own way to ask for IPv4).
 */
export function userspaceIpProblem(target: ResolvedTarget, ip: 4 | 6 | 'both', fix: string): Diagnostic | undefined {
  if (target.stack !== 'userspace' || ip === 4) return undefined;
  const message = `target ${target.id} brings its own TCP/IP stack, attached over a TAP device: the harness relays IPv4 to it only (ARP, no IPv6 neighbour discovery); ${fix}`;
  return fileDiagnostic(target.file, 'userspace-ipv4-only', message);
}
