import { fileURLToPath } from 'node:url';
import { Lab } from '../lab/lab.js';
import { traceInstanceName } from '../lab/names.js';
import { registerRun, unregisterRun } from '../lab/runs.js';
import { TraceSession } from '../observe/tracefs.js';
import { SHORT_MODE_RTO_MIN_MS, SHORT_TIMERS } from '../run/executor.js';
import { Reactor } from '../sys/reactor.js';
import type { ResolvedTarget } from '../target/definition.js';
import { TargetProcess } from '../target/process.js';
import { Ledger, type LedgerCheck } from './ledger.js';
import { PlainServer, spawnInNamespace, STDERR_TAIL } from './plain-server.js';
import type { ServerCommand } from './server-command.js';
import { ServerDriver } from './server-driver.js';

/**
 * Load mode: N full connection lifecycles between a load generator in the
 * lab's client namespace and a server in its server namespace, through the
 * relay, every one of them checked from the kernel tracepoint and, at the
 * end, sock_diag (ledger.ts).
 */

export type LoadServer =
  | { kind: 'target'; target: ResolvedTarget }
  | { kind: 'command'; command: ServerCommand };

export interface LoadOptions {
  run: string;
  server: LoadServer;
  connections: number;
  concurrency: number;
  /** Bytes the client sends on each connection before closing. */
  bytes: number;
  /** How long one lifecycle may take before the client abandons it. */
  lifecycleTimeoutMs: number;
  family: 4 | 6;
  signal: AbortSignal;
  /** Called about ten times a second while the load runs. */
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadProgress {
  total: number;
  /** Connections the generator has started. */
  started: number;
  /** Lifecycles the tracepoint has seen closed on both ends. */
  closed: number;
  elapsedMs: number;
}

export interface LoadResult {
  run: string;
  server: string;
  check?: LedgerCheck;
  /** Why the load could not be checked (the server never listened, an observer lost events, ...). */
  error?: string;
  stderr?: string;
  /** The generator's own account: lifecycles abandoned, and socket errors by name. */
  client?: { abandoned: number; errors: Record<string, number> };
  /** TCP segments the relay carried, and the resets among them by sender: a reset explains many a failed lifecycle. */
  wire?: { segments: number; resets: { client: number; server: number } };
  /** Failed replies of a driven server, by error name. */
  serverErrors?: Record<string, number>;
  /** Set-up (lab, observers, server ready), the lifecycles (first connect until every one is checked), and everything. */
  setupMs: number;
  loadMs: number;
  totalMs: number;
  interrupted?: boolean;
}

const GENERATOR = fileURLToPath(new URL('./generator.js', import.meta.url));
const READY_MS = 5000;
const REPLY_MS = 5000;
/** After the generator is done, how long the last lifecycles may take to close on both ends. */
const SETTLE_MS = 2000;

/**
 * Sysctls of the load's namespaces, beside the short timers every lab gets:
 * the client's TIME_WAIT sockets each hold a port for 60 s, so the client
 * gets the whole port range (at most 64,511 lifecycles a run).
 */
const LOAD_SYSCTLS = { 'net.ipv4.ip_local_port_range': '1024 65535' };
export const MAX_CONNECTIONS = 60000;

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const t0 = performance.now();
  const label = opts.server.kind === 'target' ? opts.server.target.id : opts.server.command.text;
  const result: LoadResult = { run: opts.run, server: label, setupMs: 0, loadMs: 0, totalMs: 0 };
  registerRun(opts.run);
  const reactor = new Reactor();
  let trace: TraceSession | undefined;
  let lab: Lab | undefined;
  let target: TargetProcess | undefined;
  let plain: PlainServer | undefined;
  let driver: ServerDriver | undefined;
  let generator: ReturnType<typeof startGenerator> | undefined;
  try {
    // Ten events a lifecycle: a larger ring buffer than a spec run needs.
    trace = await TraceSession.open(traceInstanceName(opts.run), reactor, { bufferKb: 8192 });
    lab = await Lab.create({
      run: opts.run,
      index: 0,
      endpoints: ['client', 'server'],
      reactor,
      family: opts.family,
      rtoMinMs: SHORT_MODE_RTO_MIN_MS,
      sysctls: { ...SHORT_TIMERS, ...LOAD_SYSCTLS },
    });
    const client = lab.endpoint('client');
    const server = lab.endpoint('server');
    const ledger = new Ledger(client.addr, server.addr, lab.port);
    trace.subscribe([client.addr, server.addr], (e) => ledger.onEvent(e));
    // Load mode writes no pcap: the relay's packet log is emptied as it goes.
    const wire = { segments: 0, resets: { client: 0, server: 0 } };
    result.wire = wire;
    lab.relay.onPacket((p) => {
      if (!p.seg) return;
      wire.segments++;
      if (p.seg.flags.rst) wire.resets[p.from as 'client' | 'server']++;
    });

    if (opts.server.kind === 'target') {
      target = await TargetProcess.start({
        ns: server.ns,
        argv: opts.server.target.argv('server', { addr: server.addr, port: lab.port }),
        label: `server (${opts.server.target.id})`,
        readyTimeoutMs: READY_MS,
        run: opts.run,
      });
      driver = new ServerDriver(target.control, {
        addr: server.addr,
        port: lab.port,
        total: opts.connections,
        concurrency: opts.concurrency,
        replyMs: REPLY_MS,
        recvMs: opts.lifecycleTimeoutMs + REPLY_MS,
      });
      await driver.listen();
      driver.start();
    } else {
      plain = PlainServer.start(server.ns, opts.server.command.argv({ addr: server.addr, port: lab.port }), opts.run);
      const why = await listening(lab, plain, opts.signal);
      if (why) {
        result.error = why;
        result.stderr = plain.stderrTail();
        return result;
      }
    }
    opts.signal.throwIfAborted();

    const l0 = performance.now();
    result.setupMs = l0 - t0;
    generator = startGenerator(client.ns, server.addr, lab.port, opts);
    const stopGenerator = (): void => void generator?.stop();
    opts.signal.addEventListener('abort', stopGenerator, { once: true });
    const progress = (): void => {
      trace!.drain();
      lab!.relay.packets.length = 0;
      opts.onProgress?.({ total: opts.connections, started: generator!.started, closed: ledger.closed, elapsedMs: performance.now() - l0 });
    };
    const ticker = setInterval(progress, 100);
    try {
      const account = await generator.done;
      result.client = { abandoned: account.abandoned, errors: account.errors };
      // The last lifecycles close on the server after the client has gone.
      const until = performance.now() + SETTLE_MS;
      while (ledger.closed < Math.max(opts.connections, ledger.size) && performance.now() < until && !opts.signal.aborted) {
        trace.drain();
        await sleep(10);
      }
    } finally {
      clearInterval(ticker);
      opts.signal.removeEventListener('abort', stopGenerator);
    }
    opts.signal.throwIfAborted();
    progress();
    result.loadMs = performance.now() - l0;
    if (trace.lost) {
      result.error = `the tracepoint lost ${trace.lost} events (its ring buffer overflowed): the lifecycles cannot all be checked; try a lower --concurrency`;
    }
    result.check = ledger.check(opts.connections, client.diag!.sockets(), server.diag!.sockets());
    if (driver && Object.keys(driver.errors).length) result.serverErrors = { ...driver.errors };
    if (target?.failure) {
      result.error ??= target.failure.message;
      result.stderr = target.stderrTail();
    }
    return result;
  } catch (err) {
    if (opts.signal.aborted) {
      result.interrupted = true;
      return result;
    }
    result.error = (err as Error).message;
    const tail = target?.stderrTail() ?? plain?.stderrTail() ?? (err as { stderr?: string }).stderr;
    if (tail) result.stderr = tail;
    return result;
  } finally {
    driver?.stop();
    await generator?.stop();
    await Promise.all([target?.stop(), plain?.stop()]);
    await lab?.destroy();
    await trace?.close();
    await reactor.close();
    unregisterRun(opts.run);
    result.totalMs = performance.now() - t0;
  }
}

interface GeneratorAccount {
  abandoned: number;
  errors: Record<string, number>;
}

function startGenerator(ns: string, addr: string, port: number, opts: LoadOptions) {
  const child = spawnInNamespace(
    ns,
    [process.execPath, GENERATOR, addr, String(port), String(opts.connections), String(opts.concurrency), String(opts.bytes), String(opts.lifecycleTimeoutMs)],
    opts.run,
  );
  const state = { started: 0 };
  let last: (GeneratorAccount & { done?: boolean }) | undefined;
  let stderr = '';
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let msg: { started: number; done?: boolean } & GeneratorAccount;
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue; // not ours (a runtime warning): the account is the last JSON line
      }
      state.started = msg.started;
      if (msg.done) last = msg;
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL)));
  const done = child.then((r) => {
    if (!last) throw Object.assign(new Error(`the load generator ${r.signal ? `was killed by ${r.signal}` : `exited with status ${r.exitCode}`}`), { stderr });
    return last;
  });
  done.catch(() => {});
  return {
    done,
    get started() {
      return state.started;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await child.catch(() => {});
    },
  };
}

/** Waits until the server's namespace has a listener on the lab's port; a reason when it never does. */
async function listening(lab: Lab, server: PlainServer, signal: AbortSignal): Promise<string | undefined> {
  const ep = lab.endpoint('server');
  const until = performance.now() + READY_MS;
  while (performance.now() < until) {
    signal.throwIfAborted();
    if (ep.diag!.sockets().some((s) => s.state === 'LISTEN' && s.local.port === lab.port)) return undefined;
    if (server.exit !== undefined) return `the server ${server.exit} before it listened on port ${lab.port}`;
    await sleep(10);
  }
  return `the server did not listen on ${ep.addr} port ${lab.port} within ${READY_MS / 1000} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
