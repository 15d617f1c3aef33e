import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { formatDiagnostic, type Diagnostic } from '../../../harness/spec/diagnostic.js';
import { loadSpecFile, loadSpecs } from '../../../harness/spec/load.js';
import { MAX_SPEC_BYTES } from '../../../harness/spec/parse.js';
import { SpecFileSchema } from '../../../harness/spec/schema.js';
import { suggestState } from '../../../harness/spec/suggest.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/specs');
const GOOD = path.join(FIXTURES, 'good');
const BAD = path.join(FIXTURES, 'bad');

const where = (d: Diagnostic): string => `${d.code}@${d.line}:${d.col}`;

const load = (file: string): ReturnType<typeof loadSpecFile> => loadSpecFile(file);

/**
 * Every bad fixture, with every diagnostic it must produce (code and
 * line:col of the offending node), in order. Nothing else may be reported.
 */
const BAD_FIXTURES: Record<string, string[]> = {
  'yaml-syntax.yaml': ['yaml-syntax@5:3'],
  'tab-indent.yaml': ['yaml-syntax@4:1'],
  'duplicate-key.yaml': ['duplicate-key@3:1'],
  'empty-file.yaml': ['empty-file@1:1'],
  'not-a-mapping.yaml': ['not-a-mapping@1:1'],
  'unknown-key.yaml': ['missing-key@1:1', 'unknown-key@2:1'],
  'missing-key.yaml': ['missing-key@1:1'],
  'wrong-type.yaml': ['wrong-type@5:8'],
  'bad-id.yaml': ['bad-value@1:5'],
  'unknown-state.yaml': ['unknown-state@10:38', 'unknown-state@11:23'],
  'unknown-endpoint-step.yaml': ['unknown-endpoint@8:5'],
  'unknown-endpoint-expect.yaml': ['unknown-endpoint@9:3'],
  'bad-action-listen.yaml': ['bad-action@7:8'],
  'bad-action-connect.yaml': ['bad-action@7:8', 'bad-action@8:8'],
  'illegal-transition.yaml': ['illegal-transition@15:7'],
  'repeated-state.yaml': ['illegal-transition@8:25'],
  'expect-start.yaml': ['expect-start@8:7'],
  'expect-empty.yaml': ['expect-start@8:6'],
  'await-unexpected.yaml': ['await-unexpected@9:33'],
  'await-order.yaml': ['await-order@10:17'],
  'binary.yaml': ['binary@2:18'],
  'not-utf8.yaml': ['not-utf8@2:19'],
  'too-deep.yaml': ['too-deep@3:77'],
  'multiple-documents.yaml': ['multiple-documents@9:1'],
  'unknown-action.yaml': ['unknown-action@6:8'],
  'bad-step-two-endpoints.yaml': ['bad-step@8:17'],
  'bad-step-within.yaml': ['bad-step@7:5'],
  'endpoint-count.yaml': ['endpoint-count@6:3'],
  'bad-value-send.yaml': ['bad-value@9:16', 'bad-value@10:16', 'bad-value@11:20'],
  'missing-role.yaml': ['missing-key@4:3', 'unknown-key@4:8', 'wrong-type@5:3'],
  'reserved-name.yaml': ['bad-value@4:3', 'wrong-type@6:12'],
  'send-without-count.yaml': ['wrong-type@7:8', 'bad-step@8:5'],
  'unknown-alias.yaml': ['yaml-syntax@8:6'],
  'bad-needs.yaml': ['wrong-type@4:29', 'bad-value@5:38', 'bad-value@8:16'],
  'many-errors.yaml': [
    'bad-action@9:8',
    'unknown-state@10:17',
    'unknown-endpoint@11:5',
    'illegal-transition@13:50',
    'illegal-transition@14:46',
  ],
};

describe('bad specs: every problem, with its code and position', () => {
  test('the table covers every bad fixture', () => {
    expect(fs.readdirSync(BAD).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(BAD_FIXTURES).sort());
  });

  for (const [name, expected] of Object.entries(BAD_FIXTURES)) {
    test(`${name}: ${expected.join(', ')}`, () => {
      const r = load(path.join(BAD, name));
      expect(r.spec).toBeUndefined();
      expect(r.diagnostics.map(where)).toEqual(expected);
      for (const d of r.diagnostics) {
        expect(d.file).toBe(path.join(BAD, name));
        expect(d.message).not.toMatch(/\n/);
        if (d.code !== 'empty-file') expect(d.excerpt).toMatch(new RegExp(`^ +${d.line} \\| .*\\n +\\| *\\^+$`));
      }
    });
  }
});

describe('messages', () => {
  const first = (name: string): Diagnostic => {
    const d = load(path.join(BAD, name)).diagnostics[0];
    if (!d) throw new Error(`no diagnostic for ${name}`);
    return d;
  };

  test('an unknown state suggests the RFC spelling of a Linux name', () => {
    const ds = load(path.join(BAD, 'unknown-state.yaml')).diagnostics.map((d) => d.message);
    expect(ds).toEqual([
      '"FIN_WAIT1" is not an RFC 9293 state (did you mean FIN_WAIT_1?)',
      '"SYN_RECV" is not an RFC 9293 state (did you mean SYN_RCVD?)',
    ]);
  });

  test('an illegal transition names from -> to and what may follow', () => {
    expect(first('illegal-transition.yaml').message).toBe(
      'expect.a: RFC 9293 has no transition ESTABLISHED -> TIME_WAIT; after ESTABLISHED may come CLOSED, FIN_WAIT_1, CLOSE_WAIT',
    );
  });

  test('a role mismatch says which role the action needs', () => {
    expect(first('bad-action-listen.yaml').message).toBe('listen is a server action, and endpoint a is a client');
  });

  test('a misspelt key and action get a suggestion', () => {
    expect(load(path.join(BAD, 'unknown-key.yaml')).diagnostics[1]?.message).toContain('(did you mean title?)');
    expect(first('unknown-action.yaml').message).toContain('(did you mean listen?)');
  });

  test('one-letter endpoint names get no far-fetched suggestion', () => {
    expect(first('unknown-endpoint-step.yaml').message).toBe('"c" is not an endpoint of this spec (endpoints: a, b)');
  });

  test('formatDiagnostic prints file:line:col, code, message and the caret excerpt', () => {
    const d = first('illegal-transition.yaml');
    expect(formatDiagnostic({ ...d, file: 'bad/illegal-transition.yaml' })).toBe(
      [
        'bad/illegal-transition.yaml:15:7: error[illegal-transition]: expect.a: RFC 9293 has no transition ESTABLISHED -> TIME_WAIT; after ESTABLISHED may come CLOSED, FIN_WAIT_1, CLOSE_WAIT',
        '  15 |     - TIME_WAIT',
        '     |       ^^^^^^^^^',
      ].join('\n'),
    );
  });

  test('with color, the same text with ANSI styles', () => {
    const d = first('await-order.yaml');
    const colored = formatDiagnostic(d, { color: true });
    expect(colored).toContain('\u001b[');
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe(formatDiagnostic(d));
  });

  test('a diagnostic without source has no excerpt', () => {
    const d = first('empty-file.yaml');
    expect(formatDiagnostic({ ...d, file: 'x.yaml' })).toBe('x.yaml:1:1: error[empty-file]: the file has no content (only comments or blank lines)');
  });

  test('binary content is not echoed raw to the terminal', () => {
    expect(first('binary.yaml').excerpt).not.toMatch(/\u0000/);
  });

  test('suggestState knows the usual misspellings', () => {
    expect(suggestState('FIN_WAIT1')).toBe('FIN_WAIT_1');
    expect(suggestState('SYN_RECV')).toBe('SYN_RCVD');
    expect(suggestState('SYN-RECEIVED')).toBe('SYN_RCVD');
    expect(suggestState('established')).toBe('ESTABLISHED');
    expect(suggestState('TIME-WAIT')).toBe('TIME_WAIT');
    expect(suggestState('CLOSE')).toBe('CLOSED');
    expect(suggestState('BANANA')).toBeUndefined();
  });
});

describe('good specs', () => {
  test('the four-way close loads into the normalized form', () => {
    const file = path.join(GOOD, 'close/client-first.yaml');
    const r = loadSpecFile(file);
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({
      id: 'close.client-first',
      title: 'The client closes first (four-way close)',
      refs: ['RFC 9293 §3.6', 'RFC 9293 Figure 5'],
      file,
      sysctls: {},
      timers: {},
      wire: [],
      endpoints: { a: { role: 'client' }, b: { role: 'server' } },
      steps: [
        { kind: 'action', endpoint: 'b', action: { op: 'listen' }, pos: { line: 9, col: 5 } },
        { kind: 'action', endpoint: 'a', action: { op: 'connect' }, pos: { line: 10, col: 5 } },
        { kind: 'action', endpoint: 'b', action: { op: 'accept' }, pos: { line: 11, col: 5 } },
        { kind: 'await', states: { a: 'ESTABLISHED', b: 'ESTABLISHED' }, withinMs: 5000, pos: { line: 12, col: 5 } },
        { kind: 'action', endpoint: 'a', action: { op: 'send', bytes: 100 }, pos: { line: 14, col: 5 } },
        { kind: 'action', endpoint: 'b', action: { op: 'recv', bytes: 100 }, pos: { line: 15, col: 5 } },
        { kind: 'action', endpoint: 'a', action: { op: 'close' }, pos: { line: 16, col: 5 } },
        { kind: 'await', states: { b: 'CLOSE_WAIT' }, pos: { line: 17, col: 5 } },
        { kind: 'action', endpoint: 'b', action: { op: 'close' }, pos: { line: 18, col: 5 } },
        { kind: 'await', states: { a: 'TIME_WAIT', b: 'CLOSED' }, pos: { line: 19, col: 5 } },
      ],
      expect: {
        a: ['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT'],
        b: ['CLOSED', 'LISTEN', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
      },
      pos: { line: 2, col: 1 },
    });
  });

  test('recv, shutdown and description in their other forms', () => {
    const r = loadSpecFile(path.join(GOOD, 'close/half-close.yml'));
    expect(r.diagnostics).toEqual([]);
    const actions = r.spec?.steps.flatMap((s) => (s.kind === 'action' ? [s.action] : []));
    expect(actions).toContainEqual({ op: 'shutdown', how: 'write' });
    expect(actions).toContainEqual({ op: 'recv', untilEof: true });
    expect(actions).toContainEqual({ op: 'recv' });
    expect(actions).toContainEqual({ op: 'close-listener' });
    expect(r.spec?.description).toMatch(/^shutdown\(SHUT_WR\)/);
    expect(r.spec?.refs).toEqual([]);
  });

  test('loadSpecs finds .yaml and .yml files recursively, sorted, relative to cwd', async () => {
    const r = await loadSpecs(['test/fixtures/specs/good'], { cwd: ROOT });
    expect(r.diagnostics).toEqual([]);
    expect(r.files).toEqual([
      'test/fixtures/specs/good/close/client-first.yaml',
      'test/fixtures/specs/good/close/half-close.yml',
      'test/fixtures/specs/good/reset-abort.yaml',
      'test/fixtures/specs/good/server-only.yaml',
    ]);
    expect(r.specs.map((s) => s.id)).toEqual(['close.client-first', 'close.half-close', 'reset.client-abort', 'listen.open-close']);
    // spec.file is absolute, so later stages need not know the cwd.
    for (const s of r.specs) expect(path.isAbsolute(s.file)).toBe(true);
  });

  test('every good fixture also satisfies the published JSON Schema', () => {
    for (const f of fs.readdirSync(GOOD, { recursive: true }).map(String).filter((f) => /\.ya?ml$/.test(f))) {
      const value: unknown = parse(fs.readFileSync(path.join(GOOD, f), 'utf8'));
      expect([f, Value.Check(SpecFileSchema, value)]).toEqual([f, true]);
    }
  });

  test('bad fixtures with structural problems fail the JSON Schema too', () => {
    for (const f of ['unknown-key.yaml', 'missing-key.yaml', 'wrong-type.yaml', 'bad-id.yaml', 'unknown-state.yaml', 'bad-step-two-endpoints.yaml', 'bad-step-within.yaml', 'endpoint-count.yaml', 'bad-value-send.yaml', 'missing-role.yaml', 'reserved-name.yaml', 'send-without-count.yaml', 'unknown-action.yaml']) {
      const value: unknown = parse(fs.readFileSync(path.join(BAD, f), 'utf8'));
      expect([f, Value.Check(SpecFileSchema, value)]).toEqual([f, false]);
    }
  });
});

describe('from source text', () => {
  const spec = (lines: string[]): string => lines.join('\n') + '\n';
  const base = ['id: t.x', 'title: t', 'endpoints:', '  a: { role: client }', '  b: { role: server }'];

  test('anchors and aliases are followed', () => {
    const r = loadSpecFile(
      'alias.yaml',
      spec([
        ...base,
        'steps:',
        '  - b: listen',
        '  - a: connect',
        '  - &both { await: { a: ESTABLISHED, b: ESTABLISHED } }',
        '  - *both',
        'expect:',
        '  a: [CLOSED, SYN_SENT, ESTABLISHED]',
        '  b: [CLOSED, LISTEN, SYN_RCVD, ESTABLISHED]',
      ]),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.spec?.steps.filter((s) => s.kind === 'await').length).toBe(2);
  });

  test('an alias to nothing is reported once', () => {
    const r = loadSpecFile(
      'alias.yaml',
      spec([...base, 'steps:', '  - b: listen', '  - b: { recv: *n }', 'expect:', '  a: [CLOSED, *s]', '  b: [CLOSED, LISTEN]']),
    );
    expect(r.diagnostics.map(where)).toEqual(['yaml-syntax@8:16', 'yaml-syntax@10:15']);
  });

  test('keys of later versions are named as such', () => {
    const r = loadSpecFile('caps.yaml', spec([...base, 'capabilities: []', 'steps: [b: listen]', 'expect: { a: [CLOSED], b: [CLOSED, LISTEN] }']));
    expect(r.diagnostics.map((d) => [where(d), d.message])).toEqual([
      ['unknown-key@6:1', '"capabilities" is not supported by this version of tcpconform'],
    ]);
  });

  describe('wire rules', () => {
    const withSteps = (wire: string[], steps: string[]) =>
      spec([...base, ...wire, 'steps:', ...steps, 'expect:', '  a: [CLOSED, SYN_SENT, ESTABLISHED]', '  b: [CLOSED, LISTEN, SYN_RCVD, ESTABLISHED]']);

    test('top-level and step rules load with defaults names, flags normalized', () => {
      const r = loadSpecFile(
        'w.yaml',
        withSteps(
          ['wire:', '  - hold: { from: a, flags: ack+syn }', '  - delay: { from: b, ms: 5, name: slow }'],
          ['  - b: listen', '  - drop: { from: a, flags: FIN+ACK, nth: 2 }', '  - a: connect', '  - release: all', '  - await: { segment: { from: b, flags: SYN+ACK } }'],
        ),
      );
      expect(r.diagnostics).toEqual([]);
      expect(r.spec!.wire.map((w) => [w.action, w.name, w.match, w.ms])).toEqual([
        ['hold', 'hold-1', { from: 'a', flags: ['SYN', 'ACK'] }, undefined],
        ['delay', 'slow', { from: 'b' }, 5],
      ]);
      expect(r.spec!.steps[1]).toMatchObject({ kind: 'wire', rule: { action: 'drop', name: 'drop-3', match: { from: 'a', flags: ['FIN', 'ACK'], nth: 2 } } });
      expect(r.spec!.steps[3]).toMatchObject({ kind: 'release', rule: 'all' });
      expect(r.spec!.steps[4]).toMatchObject({ kind: 'await', states: {}, segment: { from: 'b', flags: ['SYN', 'ACK'] } });
    });

    test.each([
      [['wire:', '  - hold: { flags: SYN }'], ['  - b: listen'], 'missing-key@7:5'],
      [['wire:', '  - hold: { from: c }'], ['  - b: listen'], 'unknown-endpoint@7:19'],
      [['wire:', '  - hold: { from: a, flags: SYN+BOGUS }'], ['  - b: listen'], 'bad-value@7:29'],
      [['wire:', '  - squash: { from: a }'], ['  - b: listen'], 'unknown-key@7:5'],
      [['wire:', '  - delay: { from: a }'], ['  - b: listen'], 'missing-key@7:5'],
      [['wire:', '  - drop: { from: a, ms: 5 }'], ['  - b: listen'], 'unknown-key@7:22'],
      [['wire:', '  - drop: { from: a, nth: 2, count: 3 }'], ['  - b: listen'], 'contradictory-rule@7:22'],
      [['wire:', '  - drop: { from: a, name: x }', '  - hold: { from: b, name: x }'], ['  - b: listen'], 'duplicate-rule@8:5'],
      [[], ['  - b: listen', '  - release: nope'], 'unknown-rule@8:14'],
      [[], ['  - await: { segment: { from: a, size: 3 } }'], 'unknown-key@7:34'],
    ])('%j %j: %s', (wire, steps, expected) => {
      const r = loadSpecFile('w.yaml', withSteps(wire, steps));
      expect(r.diagnostics.map(where)).toEqual([expected]);
    });
  });

  test('without endpoints, names used elsewhere are not reported as unknown', () => {
    const r = loadSpecFile('noep.yaml', spec(['id: t.x', 'title: t', 'steps: [a: connect]', 'expect: { a: [CLOSED, SYN_SENT] }']));
    expect(r.diagnostics.map(where)).toEqual(['missing-key@1:1']);
  });

  test('an empty value is reported at its key', () => {
    const r = loadSpecFile('empty.yaml', spec([...base, 'steps:', 'expect: { a: [CLOSED], b: [CLOSED] }']));
    expect(r.diagnostics.map((d) => [where(d), d.message])).toEqual([['wrong-type@6:1', 'steps must be a list of steps, not an empty value']]);
  });

  test('several awaits of one endpoint must follow its expected list', () => {
    const r = loadSpecFile(
      'order.yaml',
      spec([
        ...base,
        'steps:',
        '  - b: listen',
        '  - await: { b: LISTEN }',
        '  - b: close-listener',
        '  - await: { b: CLOSED }',
        'expect:',
        '  a: [CLOSED]',
        '  b: [CLOSED, LISTEN, CLOSED]',
      ]),
    );
    // The second CLOSED is the one after LISTEN: the await is reachable.
    expect(r.diagnostics).toEqual([]);
  });
});

describe('suites', () => {
  test('a path that does not exist is a diagnostic at 1:1', async () => {
    const r = await loadSpecs(['test/fixtures/specs/good/server-only.yaml', 'no/such/dir'], { cwd: ROOT });
    expect(r.specs.map((s) => s.id)).toEqual(['listen.open-close']);
    expect(r.diagnostics).toEqual([
      { code: 'no-such-path', message: 'no such file or directory', file: 'no/such/dir', line: 1, col: 1, excerpt: '' },
    ]);
  });

  test('a duplicate id is reported at the id of the later file', async () => {
    const r = await loadSpecs(['test/fixtures/specs/duplicate-id'], { cwd: ROOT });
    expect(r.specs.map((s) => path.basename(s.file))).toEqual(['first.yaml']);
    expect(r.diagnostics.map((d) => `${d.file}:${where(d)}`)).toEqual(['test/fixtures/specs/duplicate-id/second.yaml:duplicate-id@3:5']);
    expect(r.diagnostics[0]?.message).toBe('spec id "dup.same" is already used by test/fixtures/specs/duplicate-id/first.yaml');
  });

  test('all files of a suite are loaded and all their problems returned', async () => {
    const r = await loadSpecs(['test/fixtures/specs/bad'], { cwd: ROOT });
    expect(r.specs).toEqual([]);
    expect(new Set(r.diagnostics.map((d) => d.file)).size).toBe(Object.keys(BAD_FIXTURES).length);
    expect(r.diagnostics.length).toBe(Object.values(BAD_FIXTURES).flat().length);
  });

  test('the same file named twice is loaded once', async () => {
    const r = await loadSpecs(['test/fixtures/specs/good/server-only.yaml', 'test/fixtures/specs/good'], { cwd: ROOT });
    expect(r.diagnostics).toEqual([]);
    expect(r.specs.length).toBe(4);
  });
});

describe('hostile input: no throw, no hang, no crash', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-spec-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a file over 1 MiB is refused before it is parsed', async () => {
    const big = 'description: "' + 'x'.repeat(MAX_SPEC_BYTES) + '"\n';
    expect(loadSpecFile('big.yaml', big).diagnostics.map(where)).toEqual(['too-large@1:1']);
    fs.writeFileSync(path.join(tmp, 'big.yaml'), big);
    const r = await loadSpecs([tmp], { cwd: tmp });
    expect(r.diagnostics.map((d) => `${d.file}:${where(d)}`)).toEqual(['big.yaml:too-large@1:1']);
  });

  test('block nesting 100,000 deep is refused quickly', () => {
    const t = Date.now();
    const r = loadSpecFile('deep.yaml', '- '.repeat(100_000) + 'x\n');
    expect(r.diagnostics.map(where)).toEqual(['too-deep@1:129']);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  test('flow nesting 200,000 deep is refused', () => {
    const r = loadSpecFile('deep.yaml', '['.repeat(200_000) + ']'.repeat(200_000));
    expect(r.diagnostics.map(where)).toEqual(['too-deep@1:65']);
  });

  test('64 levels are still fine for YAML (the spec checks reject the shape)', () => {
    const r = loadSpecFile('deep.yaml', 'description: ' + '['.repeat(63) + ']'.repeat(63) + '\n');
    expect(r.diagnostics.map((d) => d.code)).not.toContain('too-deep');
  });

  test('random bytes give diagnostics, never an exception', () => {
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 50; i++) {
      const buf = Buffer.from(Array.from({ length: 1 + (rnd() % 400) }, () => rnd() % 256));
      const f = path.join(tmp, `garbage-${i}.yaml`);
      fs.writeFileSync(f, buf);
      const r = loadSpecFile(f);
      expect(r.diagnostics.length).toBeGreaterThan(0);
    }
  });

  test('every prefix of a good spec loads without throwing', () => {
    const text = fs.readFileSync(path.join(GOOD, 'close/client-first.yaml'), 'utf8');
    for (let n = 0; n <= text.length; n += 3) {
      const r = loadSpecFile('prefix.yaml', text.slice(0, n));
      for (const d of r.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.col).toBeGreaterThanOrEqual(1);
      }
    }
  });

  test('a billion-laughs alias bomb does not blow up', () => {
    const bomb = [
      'id: bomb',
      'title: t',
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'refs: [*f, *f, *f]',
      '',
    ].join('\n');
    const r = loadSpecFile('bomb.yaml', bomb);
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });

  test('names that exist on Object.prototype are not endpoints', () => {
    const src = [
      'id: proto',
      'title: t',
      'endpoints:',
      '  a: { role: client }',
      'steps:',
      '  - constructor: close',
      'expect:',
      '  a: [CLOSED]',
      '  toString: [CLOSED]',
      '',
    ].join('\n');
    expect(loadSpecFile('proto.yaml', src).diagnostics.map(where)).toEqual(['unknown-endpoint@6:5', 'unknown-endpoint@9:3']);
  });

  test('CRLF line endings give the same positions', () => {
    const text = fs.readFileSync(path.join(BAD, 'illegal-transition.yaml'), 'utf8').replace(/\n/g, '\r\n');
    const r = loadSpecFile('crlf.yaml', text);
    expect(r.diagnostics.map(where)).toEqual(['illegal-transition@15:7']);
    expect(r.diagnostics[0]?.excerpt).not.toContain('\r');
  });

  test('a directory given as a file is a diagnostic', () => {
    expect(loadSpecFile(GOOD).diagnostics.map((d) => d.code)).toEqual(['read-error']);
  });
});
