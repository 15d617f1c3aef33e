#!/usr/bin/env node
// Generates the bad-input corpus under test/fixtures/bad-corpus/generated/:
// every good spec in specs/ and targets/reference.yaml, broken in one way
// at a time by the mutations below. Each output must be rejected with a
// positioned error (test/integration/bad-corpus.test.ts checks that).
//
//   node scripts/gen-bad-corpus.mjs          # rewrite the generated corpus
//
// Deterministic: the same inputs give the same files, so a diff of the
// corpus shows what a change of the good specs or of this script did.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'test/fixtures/bad-corpus/generated');
/**
 * Each spec mutation is applied to this many specs, to keep the corpus a few
 * hundred files. Which ones is decided by a hash of the mutation and the spec's
 * path, so that adding a spec to the suite changes few corpus files.
 */
const SPECS_PER_MUTATION = 3;

function specFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...specFiles(p));
    else if (e.name.endsWith('.yaml')) out.push(p);
  }
  return out.sort();
}

/** A small seeded PRNG (mulberry32), so garbage files are the same every time. */
function prng(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- helpers over a parsed spec ---------------------------------------------

const steps = (doc) => doc.get('steps').items;
const endpointNames = (doc) => doc.get('endpoints').items.map((p) => String(p.key.value));
const firstAction = (doc) => steps(doc).find((s) => isMap(s) && s.items.length === 1 && endpointNames(doc).includes(String(s.items[0].key.value)));
const firstAwait = (doc) => steps(doc).find((s) => isMap(s) && s.has('await'));
const expectOf = (doc, name) => doc.getIn(['expect', name]);
/** The endpoint with the longest expected list: the one every expect mutation can bite on. */
const busiest = (doc) => endpointNames(doc).reduce((a, b) => (expectOf(doc, b).items.length > expectOf(doc, a).items.length ? b : a));
const set = (doc, pathArr, value) => doc.setIn(pathArr, doc.createNode(value));
const addStep = (doc, value, at = 0) => steps(doc).splice(at, 0, doc.createNode(value));

/** A state the endpoint's expected list does not contain. */
function stateNotIn(doc, name) {
  const have = new Set(expectOf(doc, name).items.map((i) => i.value));
  return ['CLOSING', 'LAST_ACK', 'CLOSE_WAIT', 'FIN_WAIT_2', 'TIME_WAIT', 'LISTEN', 'SYN_RCVD'].find((s) => !have.has(s));
}

// --- spec mutations: structural (on the YAML document) ----------------------
// Each returns nothing (the document was changed) or false (does not apply).

const structural = {
  'drop-id': (d) => d.delete('id'),
  'drop-title': (d) => d.delete('title'),
  'drop-endpoints': (d) => d.delete('endpoints'),
  'drop-steps': (d) => d.delete('steps'),
  'drop-expect': (d) => d.delete('expect'),
  'typo-key': (d) => {
    const pair = d.contents.items.find((p) => p.key.value === 'title');
    pair.key.value = 'titel';
  },
  'unknown-key': (d) => set(d, ['timeout'], 5000),
  'id-list': (d) => set(d, ['id'], ['a', 'b']),
  'id-pattern': (d) => set(d, ['id'], 'Not An Id!'),
  'id-number': (d) => set(d, ['id'], 42),
  'title-empty': (d) => set(d, ['title'], ''),
  'title-map': (d) => set(d, ['title'], { text: 'x' }),
  'refs-scalar': (d) => set(d, ['refs'], 9293),
  'endpoints-empty': (d) => set(d, ['endpoints'], {}),
  'endpoints-list': (d) => set(d, ['endpoints'], ['a', 'b']),
  'endpoints-three': (d) => set(d, ['endpoints', 'c'], { role: 'client' }),
  'endpoint-reserved-name': (d) => set(d, ['endpoints', 'await'], { role: 'client' }),
  'endpoint-bad-name': (d) => set(d, ['endpoints', 'Client-1'], { role: 'client' }),
  'role-unknown': (d) => set(d, ['endpoints', endpointNames(d)[0], 'role'], 'peer'),
  'role-missing': (d) => set(d, ['endpoints', endpointNames(d)[0]], {}),
  'role-list': (d) => set(d, ['endpoints', endpointNames(d)[0], 'role'], ['client', 'server']),
  'role-extra-key': (d) => set(d, ['endpoints', endpointNames(d)[0], 'stack'], 'kernel'),
  'role-swap': (d) => {
    // Contradicts the steps: the client now listens, the server connects.
    const names = endpointNames(d);
    if (names.length !== 2) return false;
    const [r0, r1] = names.map((n) => d.getIn(['endpoints', n, 'role']));
    if (r0 === r1) return false;
    set(d, ['endpoints', names[0], 'role'], r1);
    set(d, ['endpoints', names[1], 'role'], r0);
  },
  'steps-empty': (d) => set(d, ['steps'], []),
  'steps-scalar': (d) => set(d, ['steps'], 'listen'),
  'steps-map': (d) => set(d, ['steps'], { a: 'connect' }),
  'step-unknown-endpoint': (d) => {
    firstAction(d).items[0].key.value = 'zed';
  },
  'step-unknown-action': (d) => {
    const s = firstAction(d);
    s.items[0].value = d.createNode('lisen');
  },
  'step-two-endpoints': (d) => {
    const step = firstAction(d);
    const other = endpointNames(d).find((n) => n !== String(step.items[0].key.value)) ?? 'zed';
    step.set(other, 'close');
  },
  'step-bare-word': (d) => addStep(d, 'listen'),
  'step-null': (d) => addStep(d, null),
  'step-list': (d) => addStep(d, ['a', 'connect']),
  'send-negative': (d) => addStep(d, { [endpointNames(d)[0]]: { send: -1 } }, steps(d).length),
  'send-huge': (d) => addStep(d, { [endpointNames(d)[0]]: { send: 1e12 } }, steps(d).length),
  'send-empty-string': (d) => addStep(d, { [endpointNames(d)[0]]: { send: '' } }, steps(d).length),
  'send-float': (d) => addStep(d, { [endpointNames(d)[0]]: { send: 1.5 } }, steps(d).length),
  'send-bare': (d) => addStep(d, { [endpointNames(d)[0]]: 'send' }, steps(d).length),
  'recv-bad': (d) => addStep(d, { [endpointNames(d)[0]]: { recv: 'forever' } }, steps(d).length),
  'recv-zero': (d) => addStep(d, { [endpointNames(d)[0]]: { recv: 0 } }, steps(d).length),
  'shutdown-bad': (d) => addStep(d, { [endpointNames(d)[0]]: { shutdown: 'sideways' } }, steps(d).length),
  'action-two-keys': (d) => addStep(d, { [endpointNames(d)[0]]: { send: 10, recv: 10 } }, steps(d).length),
  'within-negative': (d) => firstAwait(d).set('within', -1),
  'within-zero': (d) => firstAwait(d).set('within', 0),
  'within-huge': (d) => firstAwait(d).set('within', 1e12),
  'within-string': (d) => firstAwait(d).set('within', 'soon'),
  'within-float': (d) => firstAwait(d).set('within', 2.5),
  'within-on-action': (d) => firstAction(d).set('within', 100),
  'within-alone': (d) => addStep(d, { within: 100 }, steps(d).length),
  'await-empty': (d) => addStep(d, { await: {} }, steps(d).length),
  'await-unknown-endpoint': (d) => addStep(d, { await: { zed: 'ESTABLISHED' } }, steps(d).length),
  'await-unknown-state': (d) => {
    const a = firstAwait(d).get('await');
    const pair = a.items.find((p) => isScalar(p.value) && typeof p.value.value === 'string');
    if (!pair) return false;
    pair.value = d.createNode('ESTABLISHD');
  },
  'await-unexpected': (d) => {
    const n = busiest(d);
    const s = stateNotIn(d, n);
    if (!s) return false;
    addStep(d, { await: { [n]: s } }, steps(d).length);
  },
  'await-order': (d) => {
    // Await the endpoint's last state, then a state it visits only once,
    // before that: going backwards. (A state visited twice, such as LISTEN
    // after a reset SYN_RCVD, may legally be awaited again.)
    const n = busiest(d);
    const states = expectOf(d, n).items.map((i) => i.value);
    const once = states.slice(1, -1).find((st) => states.indexOf(st) === states.lastIndexOf(st));
    if (!once) return false;
    addStep(d, { await: { [n]: states[states.length - 1] } }, steps(d).length);
    addStep(d, { await: { [n]: once } }, steps(d).length);
  },
  'expect-unknown-state': (d) => set(d, ['expect', busiest(d), 1], 'SYN_RECV'),
  'expect-linux-name': (d) => set(d, ['expect', busiest(d), 1], 'FIN_WAIT1'),
  'expect-lowercase': (d) => {
    const n = busiest(d);
    set(d, ['expect', n], expectOf(d, n).items.map((i) => String(i.value).toLowerCase()));
  },
  'expect-drop-middle': (d) => {
    const seq = expectOf(d, busiest(d));
    seq.items.splice(1, 1);
  },
  'expect-repeat': (d) => {
    const seq = expectOf(d, busiest(d));
    seq.items.splice(1, 0, d.createNode(seq.items[1].value));
  },
  'expect-no-closed': (d) => expectOf(d, busiest(d)).items.splice(0, 1),
  'expect-illegal-jump': (d) => {
    const seq = expectOf(d, busiest(d));
    seq.items.push(d.createNode('SYN_SENT'));
    // Ends ... -> SYN_SENT: RFC 9293 enters SYN_SENT only from CLOSED and LISTEN.
    const prev = seq.items[seq.items.length - 2].value;
    if (prev === 'CLOSED' || prev === 'LISTEN') seq.items.push(d.createNode('TIME_WAIT'));
  },
  'expect-empty': (d) => set(d, ['expect', busiest(d)], []),
  'expect-scalar': (d) => set(d, ['expect', busiest(d)], 'ESTABLISHED'),
  'expect-number': (d) => set(d, ['expect', busiest(d), 1], 3),
  'expect-missing-endpoint': (d) => {
    const names = endpointNames(d);
    d.deleteIn(['expect', names[names.length - 1]]);
  },
  'expect-unknown-endpoint': (d) => set(d, ['expect', 'zed'], ['CLOSED', 'LISTEN']),
  'expect-list': (d) => set(d, ['expect'], ['CLOSED', 'LISTEN']),
  'wire-unknown-endpoint': (d) => set(d, ['wire'], [{ hold: { from: 'zed', flags: 'SYN' } }]),
  'wire-bad-flags': (d) => set(d, ['wire'], [{ hold: { from: endpointNames(d)[0], flags: 'SYN+FOO' } }]),
  'wire-nth-zero': (d) => set(d, ['wire'], [{ drop: { from: endpointNames(d)[0], nth: 0 } }]),
  'wire-delay-negative': (d) => set(d, ['wire'], [{ delay: { from: endpointNames(d)[0], ms: -5 } }]),
  'wire-unknown-action': (d) => set(d, ['wire'], [{ mangle: { from: endpointNames(d)[0] } }]),
  'wire-two-actions': (d) => set(d, ['wire'], [{ hold: { from: endpointNames(d)[0] }, drop: { from: endpointNames(d)[0] } }]),
  'release-unknown-rule': (d) => addStep(d, { release: 'no-such-rule' }, steps(d).length),
};

// --- spec and target mutations: textual --------------------------------------
// Each takes the text (and the bytes) and returns a string or a Buffer.

function lineIndex(text, re) {
  const lines = text.split('\n');
  return { lines, at: lines.findIndex((l) => re.test(l)) };
}

const textual = {
  'unclosed-bracket': (t) => {
    const i = t.lastIndexOf(']');
    return i < 0 ? false : t.slice(0, i) + t.slice(i + 1);
  },
  'tab-indent': (t) => {
    const { lines, at } = lineIndex(t, /^ {2}\S/);
    if (at < 0) return false;
    lines[at] = '\t' + lines[at].slice(2);
    return lines.join('\n');
  },
  'bad-indent': (t) => {
    const { lines, at } = lineIndex(t, /^ {2}\S/);
    if (at < 0) return false;
    lines[at] = ' ' + lines[at];
    return lines.join('\n');
  },
  'duplicate-key': (t) => {
    const { lines, at } = lineIndex(t, /^title:/);
    lines.splice(at + 1, 0, lines[at]);
    return lines.join('\n');
  },
  'second-document': (t) => `${t}---\n${t}`,
  'truncated-half': (t) => t.slice(0, Math.floor(t.length / 2)),
  'truncated-mid-list': (t) => {
    const i = t.lastIndexOf('[');
    return i < 0 ? false : t.slice(0, i + 5);
  },
  'nul-byte': (t) => `${t.slice(0, t.length >> 1)}\0${t.slice(t.length >> 1)}`,
  'bad-utf8': (t) => {
    const b = Buffer.from(t);
    const mid = b.indexOf(0x0a, b.length >> 1) + 1;
    return Buffer.concat([b.subarray(0, mid), Buffer.from([0x23, 0x20, 0xc3, 0x28, 0x0a]), b.subarray(mid)]);
  },
  'unknown-alias': (t) => t.replace(/^title: .*$/m, 'title: *nope'),
  'compact-mapping': (t) => t.replace(/^title: .*$/m, 'title: a: b'),
  'stray-brace': (t) => `${t}}\n`,
  'crlf-and-tab': (t) => t.replace(/\n/g, '\r\n').replace(/\r\n {2}/, '\r\n\t'),
  'not-a-mapping': (t) => new Document([parseDocument(t).toJS()]).toString(),
  'scalar-only': () => 'just some words\n',
  'json-array': () => '[1, 2, 3]\n',
  'unknown-tag': (t) => t.replace(/^title: /m, 'title: !frobnicate '),
};

// --- target mutations: structural (on targets/reference.yaml) ----------------

const targetStructural = {
  'drop-id': (d) => d.delete('id'),
  'drop-title': (d) => d.delete('title'),
  'drop-stack': (d) => d.delete('stack'),
  'drop-control': (d) => d.delete('control'),
  'drop-roles': (d) => d.delete('roles'),
  'id-list': (d) => set(d, ['id'], ['reference']),
  'id-pattern': (d) => set(d, ['id'], 'My Target'),
  'id-number': (d) => set(d, ['id'], 7),
  'id-empty': (d) => set(d, ['id'], ''),
  'title-empty': (d) => set(d, ['title'], ''),
  'title-list': (d) => set(d, ['title'], ['a']),
  'description-list': (d) => set(d, ['description'], ['not', 'text']),
  'stack-userland': (d) => set(d, ['stack'], 'userland'),
  'stack-typo': (d) => set(d, ['stack'], 'kernal'),
  'stack-list': (d) => set(d, ['stack'], ['kernel']),
  'control-stdio': (d) => set(d, ['control'], 'stdio'),
  'control-null': (d) => set(d, ['control'], null),
  'roles-empty': (d) => set(d, ['roles'], {}),
  'roles-list': (d) => set(d, ['roles'], ['server', 'client']),
  'roles-scalar': (d) => set(d, ['roles'], 'server'),
  'roles-unknown-role': (d) => set(d, ['roles', 'peer'], { argv: ['/bin/true'] }),
  'role-scalar': (d) => set(d, ['roles', 'server'], '/bin/true'),
  'role-empty': (d) => set(d, ['roles', 'server'], {}),
  'role-extra-key': (d) => set(d, ['roles', 'server', 'env'], { A: '1' }),
  'argv-empty': (d) => set(d, ['roles', 'server', 'argv'], []),
  'argv-scalar': (d) => set(d, ['roles', 'server', 'argv'], '{reference}/tcpref-server'),
  'argv-numbers': (d) => set(d, ['roles', 'server', 'argv'], [1, 2]),
  'argv-nested': (d) => set(d, ['roles', 'server', 'argv'], [['{reference}/tcpref-server']]),
  'argv-null': (d) => set(d, ['roles', 'server', 'argv'], null),
  'argv-unknown-placeholder': (d) => set(d, ['roles', 'server', 'argv'], ['{reference}/tcpref-server', '--addr', '{adr}']),
  'argv-unknown-placeholder-client': (d) => set(d, ['roles', 'client', 'argv'], ['{reference}/tcpref-client', '{peeraddr}']),
  'unknown-key': (d) => set(d, ['ready'], 'event'),
  'typo-key': (d) => {
    d.contents.items.find((p) => p.key.value === 'roles').key.value = 'role';
  },
  // stdout is a driven target's control channel: it cannot also say when it is ready.
  'ready-stdout-driven': (d) => set(d, ['ready'], { stdout: '^ready' }),
  'ready-bad-regex': (d) => (set(d, ['control'], 'none'), set(d, ['ready'], { stdout: '(' })),
  'capability-unknown': (d) => set(d, ['capabilities'], ['echoes', 'telepathy']),
  'requires-no-program': (d) => set(d, ['requires'], [{ debian: 'nginx-light' }]),
  'files-with-folder': (d) => set(d, ['files'], { '../nginx.conf': 'daemon off;' }),
};

// --- garbage -------------------------------------------------------------------

function garbage(seed, bytes) {
  const rnd = prng(seed);
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

// --- writing -----------------------------------------------------------------

function emit(dir, name, content) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), content);
}

function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  const specsOut = path.join(OUT, 'specs');
  const targetsOut = path.join(OUT, 'targets');
  const specs = specFiles(path.join(ROOT, 'specs'));
  let count = 0;
  let skipped = 0;

  const all = [...Object.entries(structural).map(([n, f]) => [n, f, 'doc']), ...Object.entries(textual).map(([n, f]) => [n, f, 'text'])];
  const rank = (name, file) => crypto.createHash('sha1').update(`${name}:${path.relative(ROOT, file)}`).digest('hex');
  for (const [name, mutate, kind] of all) {
    const chosen = [...specs].sort((a, b) => (rank(name, a) < rank(name, b) ? -1 : 1)).slice(0, SPECS_PER_MUTATION);
    for (const file of chosen) {
      const text = fs.readFileSync(file, 'utf8');
      const base = path.relative(path.join(ROOT, 'specs'), file).replace(/\.yaml$/, '').replace(/\//g, '.');
      let out;
      if (kind === 'doc') {
        const doc = parseDocument(text);
        out = mutate(doc) === false ? false : doc.toString();
      } else out = mutate(text);
      if (out === false) {
        skipped++;
        continue;
      }
      emit(specsOut, `${base}--${name}.yaml`, out);
      count++;
    }
  }

  const target = fs.readFileSync(path.join(ROOT, 'targets/reference.yaml'), 'utf8');
  for (const [name, mutate] of Object.entries(targetStructural)) {
    const doc = parseDocument(target);
    mutate(doc);
    emit(targetsOut, `reference--${name}.yaml`, doc.toString());
    count++;
  }
  for (const [name, mutate] of Object.entries(textual)) {
    const out = mutate(target);
    if (out === false) {
      skipped++;
      continue;
    }
    emit(targetsOut, `reference--${name}.yaml`, out);
    count++;
  }

  for (let i = 1; i <= 4; i++) {
    emit(specsOut, `garbage-${i}.yaml`, garbage(i, 64 << i));
    emit(targetsOut, `garbage-${i}.yaml`, garbage(100 + i, 64 << i));
    count += 2;
  }
  console.log(`wrote ${count} files to ${path.relative(ROOT, OUT)} (${skipped} mutations did not apply)`);
}

main();
