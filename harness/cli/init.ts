import fs from 'node:fs';
import path from 'node:path';
import { SCHEMAS_DIR } from '../api/package.js';
import { EXIT, type Io } from './io.js';

/**
 * `tcpconform init [dir]`: a starter spec folder and a target file for the
 * user's server. The starter specs use the harness as the client (a peer
 * endpoint), so a target with only a server role runs them as they are.
 */

export interface InitFlags {
  server?: string;
}

export async function initCommand(io: Io, dir: string, flags: InitFlags): Promise<number> {
  const root = path.resolve(io.cwd, dir);
  let argv: string[];
  try {
    argv = flags.server === undefined ? ['{targets}/my-server'] : splitWords(flags.server);
  } catch (err) {
    io.stderr.write(`error: --server: ${(err as Error).message}\n`);
    return EXIT.badInput;
  }
  if (argv.length === 0) {
    io.stderr.write('error: --server: give the command that starts your server, e.g. --server "./my-server --port {port}"\n');
    return EXIT.badInput;
  }
  const specsDir = path.join(root, 'specs');
  const files: [string, string][] = [
    [path.join(root, 'target.yaml'), targetFile(root, argv, path.basename(root))],
    [path.join(specsDir, 'server-handshake.yaml'), handshakeSpec(specsDir)],
    [path.join(specsDir, 'server-close.yaml'), closeSpec(specsDir)],
  ];
  const existing = files.filter(([f]) => fs.existsSync(f)).map(([f]) => path.relative(io.cwd, f) || f);
  if (existing.length) {
    io.stderr.write(`error: init writes nothing over existing files; already there: ${existing.join(', ')}\n`);
    return EXIT.badInput;
  }
  try {
    fs.mkdirSync(specsDir, { recursive: true });
    // wx: a file that appeared meanwhile is still not overwritten.
    for (const [file, text] of files) fs.writeFileSync(file, text, { flag: 'wx' });
  } catch (err) {
    io.stderr.write(`error: init: ${(err as Error).message}\n`);
    return EXIT.badInput;
  }
  const rel = (f: string): string => path.relative(io.cwd, f) || '.';
  io.stdout.write(
    files.map(([f]) => `wrote ${rel(f)}\n`).join('') +
      `\nnext: edit ${rel(files[0]![0])} so that it starts your server (it must speak the control protocol, docs/control-protocol.md), then\n` +
      `  sudo npx tcpconform run ${rel(specsDir)} --target ${rel(files[0]![0])}\n`,
  );
  return EXIT.ok;
}

/** Shell-like words: whitespace separates, single and double quotes group, backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word = (word ?? '') + text[++i];
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) word = (word ?? '') + text[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (quote) throw new Error(`unclosed ${quote} quote in ${JSON.stringify(text)}`);
  if (word !== undefined) words.push(word);
  return words;
}

function schemaLine(fromDir: string, schema: string): string {
  const rel = path.relative(fromDir, path.join(SCHEMAS_DIR, schema)).split(path.sep).join('/');
  return `# yaml-language-server: $schema=${rel}\n`;
}

function targetId(name: string): string {
  const id = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id || 'my-server';
}

function targetFile(root: string, argv: string[], name: string): string {
  return (
    schemaLine(root, 'target.schema.json') +
    `id: ${targetId(name)}\n` +
    `title: My TCP server\n` +
    `description: >\n` +
    `  The program under test. It runs in a network namespace of its own and\n` +
    `  speaks the control protocol on stdin/stdout (docs/control-protocol.md).\n` +
    `  Placeholders: {addr}, {port}, {peer}, {targets} (this file's folder).\n` +
    `stack: kernel\n` +
    `control: protocol\n` +
    `roles:\n` +
    `  server:\n` +
    `    argv: ${JSON.stringify(argv)}\n`
  );
}

/** Both starter specs: the harness plays the client (a peer) and opens a connection to the server. */
const PEER_OPENS = `endpoints:
  p: { role: client, peer: true }
  b: { role: server }
steps:
  - b: listen
  - await: { b: LISTEN }
  - p: { send: { flags: SYN } }
  - p: { expect: { flags: SYN+ACK, ack: 1 } }
  - p: { send: { flags: ACK } }
  - b: accept
  - await: { b: ESTABLISHED }
`;

function handshakeSpec(dir: string): string {
  return `${schemaLine(dir, 'spec.schema.json')}id: starter.server-handshake
title: The server accepts a connection (three-way handshake)
refs: ["RFC 9293 §3.5 Figure 6"]
description: >
  The harness plays the client segment by segment (a peer endpoint), so
  only the server role of the target is needed.
${PEER_OPENS}expect:
  p: [CLOSED, SYN_SENT, ESTABLISHED]
  b: [CLOSED, LISTEN, SYN_RCVD, ESTABLISHED]
`;
}

function closeSpec(dir: string): string {
  return `${schemaLine(dir, 'spec.schema.json')}id: starter.server-close
title: The client closes first; the server passes CLOSE_WAIT and LAST_ACK
refs: ["RFC 9293 §3.6 Figure 12"]
${PEER_OPENS}  - p: { send: { flags: FIN+ACK } }
  - p: { expect: { flags: ACK, ack: 2 } }
  - await: { b: CLOSE_WAIT }
  - b: close
  - p: { expect: { flags: FIN+ACK, seq: 1, ack: 2 } }
  - p: { send: { flags: ACK } }
  - await: { b: CLOSED }
expect:
  p: [CLOSED, SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT]
  b: [CLOSED, LISTEN, SYN_RCVD, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED]
`;
}
