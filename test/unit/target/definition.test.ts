import path from 'node:path';
import { missingCapabilities, loadTargetFile, resolveTarget } from '../../../harness/target/definition.js';
import { adhocClient, adhocServer } from '../../../harness/target/adhoc.js';
import { installLine, requirementsProblem } from '../../../harness/target/requires.js';

/** Target files: the keys for programs that cannot be driven, each error at its place. */

const codes = (text: string) => loadTargetFile('t.yaml', text).diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);

const BASE = `id: t
title: T
stack: kernel
`;

describe('target files', () => {
  test('an undriven server with readiness, requirements, capabilities and files', () => {
    const { target, diagnostics } = loadTargetFile(
      't.yaml',
      BASE +
        `control: none
ready: { stdout: '^Listening' }
requires:
  - { program: nginx, debian: nginx-light }
capabilities: [answers-http, closes-on-eof]
files:
  app.conf: "listen {hostport}; root {tmp};"
roles:
  server: { argv: [nginx, -c, '{tmp}/app.conf'] }
`,
    );
    expect(diagnostics).toEqual([]);
    const t = resolveTarget(target!, '/x/t.yaml', '');
    expect(t.control).toBe('none');
    expect(t.ready).toEqual({ kind: 'stdout', pattern: /^Listening/ });
    expect(t.files!('server', { addr: '2001:2::1', port: 80, tmp: '/tmp/d' })).toEqual({ 'app.conf': 'listen [2001:2::1]:80; root /tmp/d;' });
    expect(t.argv('server', { addr: '198.18.0.2', port: 80, tmp: '/tmp/d' })).toEqual(['nginx', '-c', '/tmp/d/app.conf']);
  });

  test('readiness defaults: the ready event when driven, listening when not', () => {
    const driven = loadTargetFile('t.yaml', BASE + 'control: protocol\nroles: { server: { argv: [x] } }\n').target!;
    const undriven = loadTargetFile('t.yaml', BASE + 'control: none\nroles: { server: { argv: [x] } }\n').target!;
    expect(resolveTarget(driven, 't.yaml', '').ready).toEqual({ kind: 'event' });
    expect(resolveTarget(undriven, 't.yaml', '').ready).toEqual({ kind: 'listening' });
  });

  test.each([
    ['control: remote\nroles: { server: { argv: [x] } }\n', ['wrong-value@4:10']],
    ['control: none\nready: soon\nroles: { server: { argv: [x] } }\n', ['wrong-value@5:8']],
    ['control: none\nready: { stdout: "(" }\nroles: { server: { argv: [x] } }\n', ['bad-regex@5:18']],
    ['control: none\nready: { delay: 0 }\nroles: { server: { argv: [x] } }\n', ['wrong-type@5:17']],
    ['control: none\nready: { when: x }\nroles: { server: { argv: [x] } }\n', ['unknown-key@5:10']],
    ['control: protocol\nready: { stdout: x }\nroles: { server: { argv: [x] } }\n', ['wrong-value@5:8']],
    ['control: none\nrequires: [{ debian: nginx-light }]\nroles: { server: { argv: [x] } }\n', ['missing-key@5:12']],
    ['control: none\nrequires: [{ program: x, debian: "Not A Package" }]\nroles: { server: { argv: [x] } }\n', ['wrong-type@5:34']],
    ['control: none\ncapabilities: [echoes, telepathy, echoes]\nroles: { server: { argv: [x] } }\n', ['unknown-capability@5:24', 'duplicate-capability@5:35']],
    ['control: none\nfiles: { ../x: hi }\nroles: { server: { argv: [x] } }\n', ['wrong-value@5:10']],
    ['control: none\nfiles: { a.conf: "{nope}" }\nroles: { server: { argv: [x] } }\n', ['unknown-placeholder@5:18']],
    ['control: none\nready: listening\nroles: { client: { argv: [x] } }\n', ['wrong-value@5:8']],
  ])('%j: %j', (rest, expected) => {
    expect(codes(BASE + rest)).toEqual(expected);
  });
});

describe('capabilities', () => {
  const undriven = resolveTarget(loadTargetFile('t.yaml', BASE + 'control: none\ncapabilities: [echoes]\nroles: { server: { argv: [x] } }\n').target!, 't.yaml', '');
  const driven = resolveTarget(loadTargetFile('t.yaml', BASE + 'control: protocol\nroles: { server: { argv: [x] }, client: { argv: [y] } }\n').target!, 't.yaml', '');

  test('an undriven server listens and accepts by itself, and does what it declares', () => {
    expect(missingCapabilities(undriven, 'server', ['listen', 'accept', 'echoes'])).toEqual([]);
  });

  test('it cannot be told to close, nor to stay closed or quiet; a driven one can', () => {
    expect(missingCapabilities(undriven, 'server', ['stays-closed', 'quiet', 'closes-on-eof'])).toEqual([
      'a server that does not listen (the target listens by itself)',
      'a server that does only what it is told once the other side sends or closes (the target acts by itself)',
      'closes-on-eof: closes its side of the connection when the other side has closed its own',
    ]);
    // Not told to close, it cannot be told to wait either: said once.
    expect(missingCapabilities(undriven, 'server', ['close', 'quiet'])).toEqual(['close (the target cannot be driven)']);
    expect(missingCapabilities(driven, 'server', ['close', 'stays-closed', 'quiet'])).toEqual([]);
    // Behaviours are what a program does by itself: driving does not provide them.
    expect(missingCapabilities(driven, 'server', ['echoes'])).toEqual(['echoes: sends back every byte it receives']);
  });
});

describe('requirements', () => {
  test('a missing program gives the line that installs it', () => {
    const t = { id: 'x', requires: [{ program: 'sh' }, { program: 'tcpconform-no-such-program', debian: 'nginx-light' }, { program: 'tcpconform-nope', npm: 'some-server' }] };
    expect(requirementsProblem(t)).toBe(
      'target x needs tcpconform-no-such-program, tcpconform-nope, not found in PATH; install with: apt-get install -y nginx-light && npm install -g some-server',
    );
    expect(requirementsProblem({ id: 'y', requires: [{ program: 'sh' }, { program: path.resolve('/bin/sh') }] })).toBeUndefined();
    expect(installLine([{ program: 'foo' }])).toBe('install foo (the target file names no package)');
  });
});

describe('--server', () => {
  test('splits the command like a shell, quotes included, and makes an undriven, listening server', () => {
    const { target } = adhocServer(`/usr/bin/python3 -c 'print("a b")' {port} --bind {addr}`, '/w');
    expect(target!.id).toBe('python3');
    expect(target!.argv('server', { addr: '198.18.0.2', port: 7 })).toEqual(['/usr/bin/python3', '-c', 'print("a b")', '7', '--bind', '198.18.0.2']);
    expect(target!.control).toBe('none');
    expect(target!.ready).toEqual({ kind: 'listening' });
    expect(target!.roles).toEqual(['server']);
  });

  test('--client: a client started at its connect step, connecting to {peerport}', () => {
    const { target } = adhocClient('curl --http1.0 http://{peerport}/', '/w');
    expect(target!.argv('client', { addr: '2001:2::2', port: 80, peer: '2001:2::1' })).toEqual(['curl', '--http1.0', 'http://[2001:2::1]:80/']);
    expect(target!.roles).toEqual(['client']);
    expect(missingCapabilities(target!, 'client', ['connect'])).toEqual([]);
    expect(missingCapabilities(target!, 'client', ['close'])).toEqual(['close (the target cannot be driven)']);
    expect(adhocClient('curl http://example.com/', '/w').error).toMatch(/must connect to \{peerport\}/);
  });

  test.each([
    ['srv {port} | tee log', /"\|" is shell syntax/],
    ['srv --port $PORT', /variables \(\$PORT\) are not expanded/],
    ['srv --port 80', /must listen on \{port\}/],
  ])('%j is refused', (command, message) => {
    expect(adhocServer(command, '/w').error).toMatch(message);
  });
});
