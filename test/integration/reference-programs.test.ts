/**
 * Builds the bundled reference programs and drives them for real over
 * loopback (127.0.0.1 and ::1 only), through the control protocol
 * (docs/control-protocol.md).
 */
import { access, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import {
  compileProgram,
  ensureReferenceBuilt,
  findCompiler,
  MissingToolError,
  type ReferencePrograms,
} from '../../harness/target/reference-build.js';

type Msg = Record<string, unknown>;

const WAIT_MS = 5_000;

/** Every program a test started, so that leftovers can be killed by PID. */
const started = new Set<Program>();

/**
 * One reference program under control: writes requests, splits its stdout
 * into lines, parses each as JSON and hands messages to whoever waits for
 * them (or keeps them until someone does, since replies may come first).
 */
class Program {
  readonly proc: ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: false; reject: false }>;
  readonly pid: number;
  /** Output lines that were not JSON objects: must stay empty. */
  readonly garbage: string[] = [];
  stderr = '';
  private partial = '';
  private readonly unclaimed: Msg[] = [];
  private readonly waiters: { match: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private nextId = 1;
  exited = false;

  constructor(binary: string) {
    this.proc = execa(binary, [], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false });
    if (this.proc.pid === undefined) throw new Error(`could not start ${binary}`);
    this.pid = this.proc.pid;
    started.add(this);
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => this.feed(chunk));
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    // Writing to a program that already exited is not this helper's concern.
    this.proc.stdin.on('error', () => {});
    void this.proc.then(() => {
      this.exited = true;
      started.delete(this);
    });
  }

  static async start(binary: string): Promise<{ program: Program; ready: Msg }> {
    const program = new Program(binary);
    const ready = await program.waitFor((m) => m['event'] === 'ready', 'ready event');
    return { program, ready };
  }

  private feed(chunk: string): void {
    this.partial += chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        this.garbage.push(line);
        continue;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) this.garbage.push(line);
      else this.deliver(msg as Msg);
    }
  }

  private deliver(msg: Msg): void {
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
    else this.unclaimed.push(msg);
  }

  /** The first message (already received or future) that matches. */
  waitFor(match: (m: Msg) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Msg> {
    const i = this.unclaimed.findIndex(match);
    if (i >= 0) return Promise.resolve(this.unclaimed.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Msg) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${what}: nothing within ${timeoutMs} ms (stderr: ${this.stderr || 'empty'})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  writeLine(line: string): void {
    this.proc.stdin.write(line + '\n');
  }

  /** Sends a request now; the promise is its reply, whenever it comes. */
  send(op: string, fields: Msg = {}): Promise<Msg> {
    const id = this.nextId++;
    this.writeLine(JSON.stringify({ id, op, ...fields }));
    return this.waitFor((m) => m['id'] === id && typeof m['ok'] === 'boolean', `reply to ${op} #${id}`);
  }

  /** Sends a request and insists that it succeeds. */
  async ok(op: string, fields: Msg = {}): Promise<Msg> {
    const reply = await this.send(op, fields);
    if (reply['ok'] !== true) throw new Error(`${op} ${JSON.stringify(fields)} failed: ${JSON.stringify(reply)}`);
    return reply;
  }

  event(name: string, conn?: number): Promise<Msg> {
    return this.waitFor((m) => m['event'] === name && (conn === undefined || m['conn'] === conn), `${name} event`);
  }

  /** Asks for the state until it is `want` (states change as segments arrive). */
  async untilState(conn: number, want: string, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      last = (await this.ok('state', { conn }))['state'];
      if (last === want) return;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`handle ${conn}: state ${String(last)}, never ${want}`);
  }
}

let programs: ReferencePrograms;

beforeAll(async () => {
  programs = await ensureReferenceBuilt();
}, 180_000);

afterEach(async () => {
  const leftovers = [...started];
  started.clear();
  for (const program of leftovers) {
    try {
      process.kill(program.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Wait for them, so that no exit handler outlives the test file.
  await Promise.all(leftovers.map((program) => program.proc));
});

const server = () => Program.start(programs.server).then((s) => s.program);
const client = () => Program.start(programs.client).then((s) => s.program);

/** A server listening on host port 0, and the port it got. */
async function listening(host = '127.0.0.1'): Promise<{ srv: Program; lst: number; port: number }> {
  const srv = await server();
  const reply = await srv.ok('listen', { addr: host, port: 0 });
  return { srv, lst: reply['conn'] as number, port: reply['port'] as number };
}

/** A connected pair: server handle s, client handle c. */
async function connectedPair(host = '127.0.0.1') {
  const { srv, lst, port } = await listening(host);
  const cli = await client();
  const accepted = srv.send('accept', { conn: lst });
  const connected = await cli.ok('connect', { addr: host, port });
  const acc = await accepted;
  expect(acc['ok']).toBe(true);
  return { srv, cli, lst, port, s: acc['conn'] as number, c: connected['conn'] as number, acc, connected };
}

/** A loopback port with nothing listening on it (bound once, then released). */
async function closedPort(): Promise<number> {
  const srv = new net.Server();
  await new Promise<void>((resolve) => srv.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function ipv6Loopback(): Promise<boolean> {
  const srv = new net.Server();
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: '::1', port: 0 }, resolve);
    });
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

describe('building', () => {
  test('builds both programs and reuses them while the sources are unchanged', async () => {
    for (const binary of [programs.server, programs.client]) {
      await access(binary, fsConstants.X_OK);
    }
    const before = (await stat(programs.server)).mtimeMs;
    const [a, b] = await Promise.all([ensureReferenceBuilt(), ensureReferenceBuilt()]);
    expect(a).toEqual(programs);
    expect(b).toEqual(programs);
    expect((await stat(programs.server)).mtimeMs).toBe(before);
    expect(path.basename(programs.dir)).toBe('build');
    expect((await readdir(programs.dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  test('a missing compiler is a MissingToolError that says what to install', async () => {
    const env = { ...process.env, CC: 'no-such-cc-anywhere', PATH: '/nonexistent' };
    const failure = findCompiler(env);
    await expect(failure).rejects.toBeInstanceOf(MissingToolError);
    await expect(failure).rejects.toThrow(/no C compiler found \(looked for \$CC \(no-such-cc-anywhere\), cc\).*apt-get install gcc/);
  });

  test('compiler errors carry the diagnostics; concurrent compiles of one output are safe', async () => {
    const compiler = await findCompiler();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpref-build-test-'));
    try {
      const bad = path.join(dir, 'bad.c');
      await writeFile(bad, 'int main(void) { return undeclared_thing; }\n');
      await expect(compileProgram({ compiler, sources: [bad], output: path.join(dir, 'bad') })).rejects.toThrow(
        /compiling bad failed[\s\S]*undeclared_thing/,
      );

      const good = path.join(dir, 'good.c');
      await writeFile(good, 'int main(void) { return 0; }\n');
      const output = path.join(dir, 'good');
      await Promise.all([1, 2, 3].map(() => compileProgram({ compiler, sources: [good], output })));
      expect((await execa(output, [], { reject: false })).exitCode).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(['bad.c', 'good', 'good.c']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('startup and lifetime', () => {
  test('each program announces itself with its role, pid and ops', async () => {
    const s = await Program.start(programs.server);
    expect(s.ready).toMatchObject({ event: 'ready', role: 'server', pid: s.program.pid, protocol: 1 });
    expect(s.ready['ops']).toEqual(
      expect.arrayContaining(['listen', 'accept', 'connect', 'send', 'recv', 'shutdown', 'close', 'abort', 'setsockopt', 'state', 'quit']),
    );
    const c = await Program.start(programs.client);
    expect(c.ready).toMatchObject({ event: 'ready', role: 'client', pid: c.program.pid });
    expect(c.ready['ops']).not.toContain('listen');
    expect(c.ready['ops']).not.toContain('accept');
    expect(c.ready['ops']).toContain('connect');
  });

  test('--help prints usage and exits 0', async () => {
    const result = await execa(programs.server, ['--help'], { reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/usage: tcpref-server/);
  });

  test('stdin EOF answers pending requests, closes every socket and exits 0', async () => {
    const { srv, cli, lst, port, c } = await connectedPair();
    const pendingAccept = srv.send('accept', { conn: lst });
    const peerRecv = cli.send('recv', { conn: c, until: 'eof' });
    srv.proc.stdin.end();
    expect(await pendingAccept).toMatchObject({ ok: false, error: 'cancelled' });
    expect((await srv.proc).exitCode).toBe(0);
    // The accepted connection was closed (FIN), so the client sees end of file.
    expect(await peerRecv).toMatchObject({ ok: true, received: 0, eof: true });
    // And the listener is gone.
    expect(await cli.send('connect', { addr: '127.0.0.1', port })).toMatchObject({ ok: false, errno: 'ECONNREFUSED' });
    expect(srv.garbage).toEqual([]);
  });

  test('quit replies, then exits 0', async () => {
    const srv = await server();
    await srv.ok('listen', { addr: '127.0.0.1', port: 0 });
    expect(await srv.send('quit')).toEqual({ id: 2, ok: true });
    expect((await srv.proc).exitCode).toBe(0);
  });

  test('SIGTERM ends the program at once; the kernel closes its sockets', async () => {
    const { srv, cli, c } = await connectedPair();
    const peerRecv = cli.send('recv', { conn: c, until: 'eof' });
    process.kill(srv.pid, 'SIGTERM');
    const result = await srv.proc;
    expect(result.signal).toBe('SIGTERM');
    expect(result.isTerminated).toBe(true);
    expect(await peerRecv).toMatchObject({ ok: true, eof: true });
  });
});

describe('protocol errors', () => {
  test('malformed lines get bad-request replies and the program carries on', async () => {
    const srv = await server();
    const badRequest = () => srv.waitFor((m) => m['error'] === 'bad-request', 'bad-request reply');
    const noId = [
      'this is not json',
      '[1, 2, 3]',
      '"just a string"',
      '{"op": "state", "conn": 1}',
      '{"id": "7", "op": "state"}',
      '{"id": 1.5, "op": "state"}',
      '{"id": 99999999999999999999, "op": "state"}',
      '{"op": "bad\\q", "id": 6}',
    ];
    for (const line of noId) {
      srv.writeLine(line);
      const reply = await badRequest();
      expect(reply).not.toHaveProperty('id');
      expect(typeof reply['message']).toBe('string');
    }
    // Broken after a complete id: the reply carries the id.
    const brokenAfterId = [
      '{"id": 1',
      '{"id": 2,}',
      '{"id": 3, "op": "state", "conn": 1, "conn": 2}',
      '{"id": 4, "op": "setsockopt", "value": {"a": {"b": 1}}}',
      '{"id": 5, "op": "state", "conn": [1]}',
      '{"id": 6, "op": "bad\\q"}',
      '{"id": 7, "op": "\\ud800"}',
      '{"id": 8, "op": "\u0001"}',
      '{"id": 9} trailing',
    ];
    for (const [i, line] of brokenAfterId.entries()) {
      srv.writeLine(line);
      expect(await badRequest()).toMatchObject({ id: i + 1, ok: false, message: expect.stringMatching(/^invalid JSON: .* at column \d+$/) });
    }
    // Invalid UTF-8 and NUL bytes.
    srv.proc.stdin.write(Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x00, 0xff, 0xfe, 0x7d, 0x0a]));
    expect(await badRequest()).not.toHaveProperty('id');

    // A line over 64 KiB is refused once, as a whole.
    srv.writeLine(`{"id": 8, "op": "state", "pad": "${'x'.repeat(70_000)}"}`);
    expect(await badRequest()).toMatchObject({ ok: false, message: expect.stringMatching(/longer than 65536/) });

    // With a readable id, the reply carries it.
    for (const [fields, pattern] of [
      [{ conn: 'one' }, /"conn" must be an integer/],
      [{}, /missing field "conn"/],
      [{ conn: 1, extra: true }, /no field "extra"/],
    ] as const) {
      expect(await srv.send('state', fields)).toMatchObject({ ok: false, error: 'bad-request', message: expect.stringMatching(pattern) });
    }
    expect(await srv.send('listen', { addr: 'localhost', port: 0 })).toMatchObject({ error: 'bad-request' });
    expect(await srv.send('listen', { addr: '127.0.0.1', port: 70000 })).toMatchObject({ error: 'bad-request' });
    expect(await srv.send('listen', { addr: '127.0.0.1', port: 1.5 })).toMatchObject({ error: 'bad-request' });
    const idOnly = await (srv.writeLine('{"id": 4242}'), badRequest());
    expect(idOnly).toMatchObject({ id: 4242, ok: false });

    // Still working, with handle numbers starting at 1.
    expect(await srv.ok('listen', { addr: '127.0.0.1', port: 0 })).toMatchObject({ conn: 1 });
    expect(await srv.ok('state', { conn: 1 })).toMatchObject({ state: 'LISTEN' });
    expect(srv.garbage).toEqual([]);
  });

  test('unknown ops and handles', async () => {
    const srv = await server();
    expect(await srv.send('dance')).toMatchObject({ ok: false, error: 'unknown-op', message: expect.stringMatching(/dance/) });
    expect(await srv.send('state', { conn: 42 })).toMatchObject({ ok: false, error: 'bad-handle' });
    expect(await srv.send('accept')).toMatchObject({ ok: false, error: 'bad-handle', message: expect.stringMatching(/listen/) });
    const cli = await client();
    expect(await cli.send('listen', { addr: '127.0.0.1', port: 0 })).toMatchObject({
      ok: false,
      error: 'unknown-op',
      message: expect.stringMatching(/tcpref-client/),
    });
    expect(await cli.send('accept')).toMatchObject({ ok: false, error: 'unknown-op' });
    expect(await cli.ok('state', { conn: 1 }).catch((e: Error) => e.message)).toMatch(/bad-handle/);
  });
});

describe('connections over 127.0.0.1', () => {
  test('listen, accept, connect: handles, addresses and states', async () => {
    const { srv, cli, lst, port, s, c, acc, connected } = await connectedPair();
    expect(lst).toBe(1);
    expect(s).toBe(2);
    expect(c).toBe(1);
    expect(connected['peer']).toBe(`127.0.0.1:${port}`);
    expect(acc['local']).toBe(`127.0.0.1:${port}`);
    expect(acc['peer']).toBe(connected['local']);
    expect(await srv.ok('state', { conn: lst })).toMatchObject({ state: 'LISTEN' });
    expect(await srv.ok('state', { conn: s })).toMatchObject({ state: 'ESTABLISHED', kernel_state: 'ESTABLISHED' });
    expect(await cli.ok('state', { conn: c })).toMatchObject({ state: 'ESTABLISHED' });
  });

  test('accept waits without blocking the loop; replies come out of order', async () => {
    const { srv, lst, port } = await listening();
    const first = srv.send('accept', { conn: lst });
    const second = srv.send('accept');
    let firstDone = false;
    void first.then(() => (firstDone = true));
    expect(await srv.ok('state', { conn: lst })).toMatchObject({ state: 'LISTEN' });
    expect(firstDone).toBe(false);

    const cli = await client();
    await cli.ok('connect', { addr: '127.0.0.1', port });
    await cli.ok('connect', { addr: '127.0.0.1', port });
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ ok: true, conn: 2 });
    expect(b).toMatchObject({ ok: true, conn: 3 });
  });

  test('send and recv move exact byte counts, waiting for buffer space and data', async () => {
    const { srv, cli, s, c } = await connectedPair();
    // A recv with nothing to read waits; other requests are still answered.
    const early = srv.send('recv', { conn: s, bytes: 100 });
    expect(await srv.ok('state', { conn: s })).toMatchObject({ state: 'ESTABLISHED' });
    expect(await cli.ok('send', { conn: c, bytes: 100 })).toMatchObject({ sent: 100 });
    expect(await early).toMatchObject({ ok: true, received: 100, eof: false });

    // More than the socket buffers hold: the send finishes only as the peer reads.
    const big = 8 * 1024 * 1024;
    const sending = cli.send('send', { conn: c, bytes: big });
    expect(await cli.ok('state', { conn: c })).toMatchObject({ state: 'ESTABLISHED' });
    expect(await srv.ok('recv', { conn: s, bytes: big })).toMatchObject({ received: big, eof: false });
    expect(await sending).toMatchObject({ ok: true, sent: big });

    // The byte pattern and text, captured.
    await cli.ok('send', { conn: c, bytes: 30 });
    expect(await srv.ok('recv', { conn: s, bytes: 30, capture: true })).toMatchObject({
      received: 30,
      data: 'abcdefghijklmnopqrstuvwxyzabcd',
    });
    await cli.ok('send', { conn: c, data: 'héllo\n' });
    expect(await srv.ok('recv', { conn: s, bytes: 7, capture: true })).toMatchObject({ received: 7, data: 'héllo\n' });

    // Without a count: whatever is there, at least one byte.
    await cli.ok('send', { conn: c, data: 'xyz' });
    const some = await srv.ok('recv', { conn: s });
    expect(some['received']).toBeGreaterThanOrEqual(1);
    expect(some['received']).toBeLessThanOrEqual(3);
  });

  test('orderly close: FIN_WAIT_2 / CLOSE_WAIT, then the timewait hand-off on the active closer', async () => {
    const { srv, cli, s, c, connected } = await connectedPair();
    expect(await cli.ok('shutdown', { conn: c, how: 'write' })).toEqual({ id: expect.any(Number), ok: true });
    expect(await srv.ok('recv', { conn: s, until: 'eof' })).toMatchObject({ received: 0, eof: true });
    expect(await srv.ok('state', { conn: s })).toMatchObject({ state: 'CLOSE_WAIT' });
    await cli.untilState(c, 'FIN_WAIT_2');

    // Data still flows the other way on a half-closed connection.
    await srv.ok('send', { conn: s, bytes: 10 });
    expect(await cli.ok('recv', { conn: c, bytes: 10 })).toMatchObject({ received: 10 });

    expect(await srv.ok('close', { conn: s })).toEqual({ id: expect.any(Number), ok: true });
    expect(await srv.send('state', { conn: s })).toMatchObject({ ok: false, error: 'bad-handle' });
    expect(await cli.ok('recv', { conn: c, until: 'eof' })).toMatchObject({ eof: true });
    // Linux hands a connection entering TIME_WAIT to a separate timewait
    // socket; the descriptor's own socket is left in CLOSE. So the
    // self-report says CLOSED and only sock_diag sees TIME-WAIT.
    expect(await cli.ok('state', { conn: c })).toMatchObject({ state: 'CLOSED', kernel_state: 'CLOSE' });
    const ss = await execa('ss', ['-tanH', 'state', 'time-wait'], { reject: false });
    if (ss.exitCode === 0) expect(ss.stdout).toContain(String(connected['local']));
    await cli.ok('close', { conn: c });
  });

  test('close of a listener cancels its pending accept', async () => {
    const { srv, lst } = await listening();
    const pending = srv.send('accept', { conn: lst });
    await srv.ok('close', { conn: lst });
    expect(await pending).toMatchObject({ ok: false, error: 'cancelled' });
  });

  test('abort sends RST: the peer gets ECONNRESET and is CLOSED', async () => {
    const { srv, cli, s, c } = await connectedPair();
    const reading = cli.send('recv', { conn: c });
    await srv.ok('abort', { conn: s });
    expect(await reading).toMatchObject({ ok: false, errno: 'ECONNRESET', received: 0 });
    expect(await cli.ok('state', { conn: c })).toMatchObject({ state: 'CLOSED' });
  });

  test('unread data stays unread: close then sends RST, not FIN', async () => {
    const { srv, cli, s, c } = await connectedPair();
    // Over loopback the data is in the server's receive queue by the time
    // send(2) returns, so before the send reply arrives here.
    await cli.ok('send', { conn: c, bytes: 10 });
    await srv.ok('close', { conn: s });
    const reply = await cli.send('recv', { conn: c, until: 'eof' });
    expect(reply).toMatchObject({ ok: false, errno: 'ECONNRESET' });
  });

  test('shutdown read makes a pending recv see end of file', async () => {
    const { srv, s } = await connectedPair();
    const reading = srv.send('recv', { conn: s });
    await srv.ok('shutdown', { conn: s, how: 'read' });
    expect(await reading).toMatchObject({ ok: true, eof: true, received: 0 });
    expect(await srv.send('shutdown', { conn: s, how: 'sideways' })).toMatchObject({ error: 'bad-request' });
  });

  test('setsockopt and getsockopt', async () => {
    const { srv, cli, s, c } = await connectedPair();
    await cli.ok('setsockopt', { conn: c, name: 'TCP_NODELAY', value: true });
    expect(await cli.ok('getsockopt', { conn: c, name: 'TCP_NODELAY' })).toMatchObject({ value: true });
    await cli.ok('setsockopt', { conn: c, name: 'SO_LINGER', value: 7 });
    expect(await cli.ok('getsockopt', { conn: c, name: 'SO_LINGER' })).toMatchObject({ value: { onoff: 1, linger: 7 } });
    await cli.ok('setsockopt', { conn: c, name: 'SO_LINGER', value: { onoff: false } });
    expect(await cli.ok('getsockopt', { conn: c, name: 'SO_LINGER' })).toMatchObject({ value: { onoff: 0 } });
    await cli.ok('setsockopt', { conn: c, name: 'SO_RCVBUF', value: 65536 });
    expect((await cli.ok('getsockopt', { conn: c, name: 'SO_RCVBUF' }))['value']).toBeGreaterThanOrEqual(65536);
    await cli.ok('setsockopt', { conn: c, name: 'SO_SNDBUF', value: 65536 });
    expect((await cli.ok('getsockopt', { conn: c, name: 'SO_SNDBUF' }))['value']).toBeGreaterThanOrEqual(65536);

    expect(await cli.send('setsockopt', { conn: c, name: 'SO_NONSENSE', value: 1 })).toMatchObject({ error: 'bad-request' });
    expect(await cli.send('setsockopt', { conn: c, name: 'TCP_NODELAY', value: 'yes' })).toMatchObject({ error: 'bad-request' });
    expect(await cli.send('setsockopt', { conn: c, name: 'SO_LINGER', value: { onoff: 1, when: 3 } })).toMatchObject({
      error: 'bad-request',
    });
    expect(await cli.send('setsockopt', { conn: c, name: 'SO_RCVBUF' })).toMatchObject({ error: 'bad-request' });

    // Linger on with a zero timeout turns a plain close into RST.
    await srv.ok('setsockopt', { conn: s, name: 'SO_LINGER', value: { onoff: 1, linger: 0 } });
    const reading = cli.send('recv', { conn: c });
    await srv.ok('close', { conn: s });
    expect(await reading).toMatchObject({ ok: false, errno: 'ECONNRESET' });
  });

  test('connect to a closed port: ECONNREFUSED, as a reply or as an event', async () => {
    const port = await closedPort();
    const cli = await client();
    expect(await cli.send('connect', { addr: '127.0.0.1', port })).toMatchObject({
      ok: false,
      errno: 'ECONNREFUSED',
      message: expect.any(String),
    });
    // The failed connect leaves no handle behind.
    expect(await cli.send('state', { conn: 1 })).toMatchObject({ error: 'bad-handle' });

    const pending = await cli.ok('connect', { addr: '127.0.0.1', port, wait: false });
    expect(pending).toMatchObject({ pending: true, conn: 2 });
    expect(await cli.event('connect-failed', 2)).toMatchObject({ errno: 'ECONNREFUSED' });
    expect(await cli.ok('state', { conn: 2 })).toMatchObject({ state: 'CLOSED' });
    await cli.ok('close', { conn: 2 });
  });

  test('connect with wait:false reports connected as an event; sends queue behind it', async () => {
    const { srv, lst, port } = await listening();
    const accepted = srv.send('accept', { conn: lst });
    const cli = await client();
    const reply = await cli.ok('connect', { addr: '127.0.0.1', port, wait: false });
    const sent = cli.send('send', { conn: reply['conn'], bytes: 5 });
    expect(await cli.event('connected', reply['conn'] as number)).toMatchObject({ peer: `127.0.0.1:${port}` });
    expect(await sent).toMatchObject({ ok: true, sent: 5 });
    const s = (await accepted)['conn'] as number;
    expect(await srv.ok('recv', { conn: s, bytes: 5 })).toMatchObject({ received: 5 });
  });

  test('bind before connect: a socket connected to its own port passes through simultaneous open', async () => {
    const port = await closedPort();
    const cli = await client();
    const reply = await cli.ok('connect', { addr: '127.0.0.1', port, bind_addr: '127.0.0.1', bind_port: port });
    expect(reply['local']).toBe(`127.0.0.1:${port}`);
    expect(reply['peer']).toBe(`127.0.0.1:${port}`);
    expect(await cli.ok('state', { conn: reply['conn'] })).toMatchObject({ state: 'ESTABLISHED' });
    await cli.ok('abort', { conn: reply['conn'] });
    expect(
      await cli.send('connect', { addr: '127.0.0.1', port, bind_addr: '::1', bind_port: port }),
    ).toMatchObject({ error: 'bad-request' });
  });
});

describe('connections over ::1', () => {
  test('listen, accept, connect, send, recv and close over IPv6', async () => {
    if (!(await ipv6Loopback())) {
      console.warn('::1 is not available here; IPv6 test skipped');
      return;
    }
    const { srv, cli, port, s, c, acc, connected } = await connectedPair('::1');
    expect(connected['peer']).toBe(`[::1]:${port}`);
    expect(acc['peer']).toMatch(/^\[::1\]:\d+$/);
    expect(await srv.ok('state', { conn: s })).toMatchObject({ state: 'ESTABLISHED' });
    await cli.ok('send', { conn: c, bytes: 1000 });
    expect(await srv.ok('recv', { conn: s, bytes: 1000 })).toMatchObject({ received: 1000 });
    await cli.ok('close', { conn: c });
    expect(await srv.ok('recv', { conn: s, until: 'eof' })).toMatchObject({ eof: true });
    expect(await srv.ok('state', { conn: s })).toMatchObject({ state: 'CLOSE_WAIT' });
  });
});
