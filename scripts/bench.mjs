#!/usr/bin/env node
// Speed, measured: prints figures, each beside its goal. Not a test: it
// fails nothing, it only measures (exit 0 whether goals are met or not; 3
// when it cannot run here). Run as root after a build: `npm run bench`.
//
//   node scripts/bench.mjs [--skip catalog,relay,observers,load,matrix] [--churn N] [--load N]
//   (BENCH_DEBUG=1 also prints, per observer, which required states were missed)
//
// What it measures, all in one run:
//
// 1. Per spec, over the bundled catalog run at --jobs 1 (no contention
//    between specs), medians of the wall time and of its parts, from the
//    `timing` record each result carries:
//      lab set-up   namespaces, TUN devices, addresses, routes, sysctls
//      target start the target programs, until each said ready
//      waits        blocked on the stacks: awaits, the settle after the last
//                   step, a peer expecting a segment, accept/recv waiting for
//                   the other end. These are waits the scenario has to do
//                   (a TCP timer, the other end acting), and they also hold
//                   any lag of the relay and observers in reporting what
//                   happened (measured on its own in 3).
//      teardown     stopping the targets, removing the lab
//    Harness overhead = wall - waits: everything the spec did not need TCP
//    for. Goal: median <= 50 ms.
// 2. The whole catalog's wall time (process start to exit) at --jobs 1 and
//    at the default --jobs, with identical verdicts (results.json of both
//    compared spec by spec). Goal: speed-up >= 3x.
// 3. The relay: the same workload (scripts/bench-workload.mjs, plain Node
//    sockets) through a lab (two namespaces, TUN devices, the relay in this
//    process) and through a direct veth pair between two namespaces of the
//    bench's own (tcpconform-<run>-0-veth-*, addresses from a claimed block of
//    198.18.0.0/15, removed at the end): connections/s (connect, one byte
//    there and back, close; 64 at once), packets/s during that churn (the
//    interfaces' own counters), and the latency of 64-byte round trips on
//    one connection, p50/p99. Ratios lab/direct (direct/lab for latency).
//    Goal: each >= 35%.
// 4. Observer completeness under churn: N connections (default 1000) opened
//    and closed all at once through a lab, with a tracefs instance of its own
//    and, separately, sock_diag polled as fast as the event loop allows. Each
//    connection must make the client go SYN_SENT, ESTABLISHED, FIN_WAIT1,
//    CLOSE (into TIME_WAIT) and the server's socket ESTABLISHED, CLOSE_WAIT,
//    LAST_ACK, CLOSE: 8 transitions each (FIN_WAIT2 and SYN_RECV may be
//    skipped by the kernel and are not counted). Captured / required. Goal:
//    100% for the tracepoint; sock_diag polling alone is shown for contrast.
// 5. Load mode: `tcpconform load --connections N` (default 10,000) against
//    the bundled reference server, as a user runs it: lifecycles checked per
//    second (first connect until the last is checked) and the command's
//    whole wall time, process start to exit. Goal: every lifecycle passes
//    and the whole command takes <= 10 s.
// 6. The state-by-segment matrix (`tcpconform matrix`, every cell against
//    the reference, then against lwIP, default --jobs): wall time, process
//    start to exit, and the cells per second. Goal: each whole grid in
//    under 5 minutes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = (p) => import(pathToFileURL(path.join(root, 'dist', p)).href);
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const skip = new Set((flag('--skip', '') ?? '').split(',').filter(Boolean));
const CHURN_N = Number(flag('--churn', '1000'));
const LOAD_N = Number(flag('--load', '10000'));

if (process.getuid?.() !== 0) {
  console.error('bench: needs root (network namespaces, TUN devices, tracefs)');
  process.exit(3);
}

const { Lab } = await dist('lab/lab.js');
const { Reactor } = await dist('sys/reactor.js');
const { newRunId, traceInstanceName, claimBlock, releaseBlock, blockAddress4 } = await dist('lab/names.js');
const { registerRun, unregisterRun } = await dist('lab/runs.js');
const { TraceSession } = await dist('observe/tracefs.js');
const { addNamespace, deleteNamespace, ipBatch } = await dist('lab/netns.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (ms) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const verdictOf = (ok) => (ok ? 'met' : 'MISSED');
const line = (label, value, goal = '', ok) => {
  const tail = goal ? `   goal ${goal}   ${verdictOf(ok)}` : '';
  console.log(`  ${label.padEnd(34)}${String(value).padStart(14)}${tail}`);
};

/** Children we started, by PID: the only processes the bench ends. */
const children = new Set();
/** Namespaces the bench made itself (the labs remove their own). */
const ownNamespaces = new Set();

function start(argv, { capture = true } = {}) {
  const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
  const exited = new Promise((resolve) => child.on('exit', (code) => {
    children.delete(child);
    resolve({ code, out, err });
  }));
  const ready = new Promise((resolve, reject) => {
    child.stdout?.on('data', () => out.includes('ready\n') && resolve());
    exited.then((r) => reject(new Error(`${argv.join(' ')} exited ${r.code}: ${r.err}`)));
  });
  ready.catch(() => {});
  return { child, exited, ready };
}

async function stopChild(c) {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  const t = setTimeout(() => c.child.kill('SIGKILL'), 2000);
  await c.exited;
  clearTimeout(t);
}

const workload = path.join(root, 'scripts', 'bench-workload.mjs');
const inNs = (ns, ...rest) => ['ip', 'netns', 'exec', ns, process.execPath, workload, ...rest];

async function client(ns, ...rest) {
  const r = await start(inNs(ns, ...rest)).exited;
  if (r.code !== 0) throw new Error(`workload ${rest[0]} in ${ns} exited ${r.code}: ${r.err}`);
  return JSON.parse(r.out.trim().split('\n').at(-1));
}

async function txPackets(ns, dev) {
  const r = await start(['ip', '-n', ns, '-s', '-j', 'link', 'show', 'dev', dev]).exited;
  const j = JSON.parse(r.out)[0];
  return j.stats64.tx.packets;
}

// ---------------------------------------------------------------- 1 and 2

async function runCatalog(extra) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-bench-'));
  try {
    const t0 = performance.now();
    const r = await start([process.execPath, path.join(root, 'bin/tcpconform.js'), 'run', '--out', out, '--reporter', 'json', ...extra], { capture: false }).exited;
    const wall = performance.now() - t0;
    const results = JSON.parse(fs.readFileSync(path.join(out, 'latest', 'results.json'), 'utf8'));
    return { wall, code: r.code, results };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function benchCatalog() {
  const one = await runCatalog(['--jobs', '1']);
  const def = await runCatalog([]);
  const rs = one.results.results;
  const t = (f) => median(rs.filter((r) => r.timing).map(f));
  const overhead = t((r) => r.durationMs - r.timing.waitMs);
  console.log(`\nper spec (${rs.length} specs, --jobs 1, medians)`);
  line('wall', fmtMs(median(rs.map((r) => r.durationMs))));
  line('lab set-up', fmtMs(t((r) => r.timing.labMs)));
  line('target start', fmtMs(t((r) => r.timing.startMs)));
  line('protocol waits', fmtMs(t((r) => r.timing.waitMs)));
  line('steps, less the waits', fmtMs(t((r) => r.timing.stepsMs - r.timing.waitMs)));
  line('teardown', fmtMs(t((r) => r.timing.teardownMs)));
  line('harness overhead (wall - waits)', fmtMs(overhead), '<= 50 ms', overhead <= 50);
  const defOverhead = median(def.results.results.filter((r) => r.timing).map((r) => r.durationMs - r.timing.waitMs));
  line(`  same at --jobs ${def.results.environment.jobs}`, fmtMs(defOverhead));

  const key = (r) => `${r.spec} ipv${r.ip}`;
  const a = new Map(rs.map((r) => [key(r), r.verdict]));
  const b = new Map(def.results.results.map((r) => [key(r), r.verdict]));
  const differ = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
  const ratio = one.wall / def.wall;
  console.log('\ncatalog (whole run, process start to exit)');
  line('--jobs 1', fmtMs(one.wall));
  line(`--jobs ${def.results.environment.jobs} (default)`, fmtMs(def.wall));
  line('speed-up', `${ratio.toFixed(2)}x`, '>= 3x', ratio >= 3);
  line('verdicts identical', differ.length ? `no (${differ.length})` : `yes (${a.size}/${b.size})`, 'identical', differ.length === 0);
  for (const k of differ) console.log(`    ${k}: ${a.get(k)} at --jobs 1, ${b.get(k)} at default`);
  const totals = (r) => Object.entries(r.results.totals).map(([v, n]) => `${n} ${v}`).join(', ');
  console.log(`    --jobs 1: ${totals(one)}; default: ${totals(def)}`);
}

// ---------------------------------------------------------------- 6

async function benchMatrix() {
  for (const target of ['reference', 'lwip']) await benchMatrixOf(target);
}

async function benchMatrixOf(target) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-bench-'));
  try {
    const t0 = performance.now();
    const r = await start([process.execPath, path.join(root, 'bin/tcpconform.js'), 'matrix', '--target', target, '--out', out, '--no-color'], { capture: false }).exited;
    const wall = performance.now() - t0;
    if (!fs.existsSync(path.join(out, 'matrix', 'latest', 'matrix.json'))) {
      console.log(`\nmatrix against ${target}: no grid (exit ${r.code}; for lwip: apt-get install liblwip-dev)`);
      return;
    }
    const m = JSON.parse(fs.readFileSync(path.join(out, 'matrix', 'latest', 'matrix.json'), 'utf8'));
    const totals = Object.entries(m.totals).map(([v, n]) => `${n} ${v}`).join(', ');
    console.log(`\nmatrix (${m.cells.length} cells against ${m.target.id}, --jobs ${m.environment.jobs}, exit ${r.code})`);
    line('wall (process start to exit)', fmtMs(wall), '< 5 min', wall < 300_000);
    line('cells per second', (m.cells.length / (wall / 1000)).toFixed(1));
    console.log(`    ${totals}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 3

async function workloadFigures(clientNs, serverNs, serverAddr, port, devs) {
  const server = start(inNs(serverNs, 'server', serverAddr, String(port)));
  try {
    await server.ready;
    // Warm-up: first-use costs (ARP-free here, but page faults, JIT) out of the figures.
    await client(clientNs, 'churn', serverAddr, String(port), '200', '16');
    const p0 = (await txPackets(clientNs, devs[0])) + (await txPackets(serverNs, devs[1]));
    const churn = await client(clientNs, 'churn', serverAddr, String(port), '3000', '64');
    const p1 = (await txPackets(clientNs, devs[0])) + (await txPackets(serverNs, devs[1]));
    const ping = await client(clientNs, 'pingpong', serverAddr, String(port), '5000');
    return { connPerS: (churn.n / churn.ms) * 1000, pktPerS: ((p1 - p0) / churn.ms) * 1000, failed: churn.failed, p50: ping.p50us, p99: ping.p99us };
  } finally {
    await stopChild(server);
  }
}

async function benchRelay(run, reactor) {
  // Through a lab.
  const lab = await Lab.create({ run, index: 0, endpoints: ['client', 'server'], reactor, family: 4 });
  let viaLab;
  try {
    const c = lab.endpoint('client');
    const s = lab.endpoint('server');
    viaLab = await workloadFigures(c.ns, s.ns, s.addr, lab.port, [c.ifname, s.ifname]);
  } finally {
    await lab.destroy();
  }
  // Direct: a veth pair between two namespaces of our own, made inside them.
  const block = claimBlock(run);
  // Named like lab namespaces (prefix, run id, a number, a name), so that
  // tcpconform clean finds them if a bench is killed.
  const nsA = `tcpconform-${run}-0-veth-a`;
  const nsB = `tcpconform-${run}-0-veth-b`;
  let direct;
  try {
    for (const ns of [nsA, nsB]) {
      ownNamespaces.add(ns);
      await addNamespace(ns);
    }
    const a = blockAddress4(block, 1);
    const b = blockAddress4(block, 2);
    await ipBatch(nsA, ['link set lo up', `link add bench0 type veth peer name bench1 netns ${nsB}`, `addr add ${a}/32 dev bench0`, 'link set bench0 up', `route add ${b}/32 dev bench0`]);
    await ipBatch(nsB, ['link set lo up', `addr add ${b}/32 dev bench1`, 'link set bench1 up', `route add ${a}/32 dev bench1`]);
    direct = await workloadFigures(nsA, nsB, b, 10000 + block, ['bench0', 'bench1']);
  } finally {
    for (const ns of [nsA, nsB]) {
      await deleteNamespace(ns);
      ownNamespaces.delete(ns);
    }
    releaseBlock(block);
  }
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  console.log('\nrelay (lab vs direct veth pair, same workload)');
  line('connections/s  lab | direct', `${viaLab.connPerS.toFixed(0)} | ${direct.connPerS.toFixed(0)}`);
  line('  ratio', pct(viaLab.connPerS / direct.connPerS), '>= 35%', viaLab.connPerS / direct.connPerS >= 0.35);
  line('packets/s      lab | direct', `${viaLab.pktPerS.toFixed(0)} | ${direct.pktPerS.toFixed(0)}`);
  line('  ratio', pct(viaLab.pktPerS / direct.pktPerS), '>= 35%', viaLab.pktPerS / direct.pktPerS >= 0.35);
  line('round trip p50 lab | direct', `${viaLab.p50.toFixed(0)} | ${direct.p50.toFixed(0)} us`);
  line('  added by the relay', `${(viaLab.p50 - direct.p50).toFixed(0)} us`);
  line('  ratio (direct/lab)', pct(direct.p50 / viaLab.p50), '>= 35%', direct.p50 / viaLab.p50 >= 0.35);
  line('round trip p99 lab | direct', `${viaLab.p99.toFixed(0)} | ${direct.p99.toFixed(0)} us`);
  line('  added by the relay', `${(viaLab.p99 - direct.p99).toFixed(0)} us`);
  line('  ratio (direct/lab)', pct(direct.p99 / viaLab.p99), '>= 35%', direct.p99 / viaLab.p99 >= 0.35);
  if (viaLab.failed || direct.failed) console.log(`    failed connections: lab ${viaLab.failed}, direct ${direct.failed}`);
}

// ---------------------------------------------------------------- 4

const REQUIRED = {
  client: { trace: ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'CLOSE'], diag: ['SYN-SENT', 'ESTAB', 'FIN-WAIT-1', 'CLOSE'] },
  server: { trace: ['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSE'], diag: ['ESTAB', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSE'] },
};

async function benchObservers(run, reactor) {
  const trace = await TraceSession.open(`${traceInstanceName(run)}`, reactor);
  const lab = await Lab.create({ run, index: 1, endpoints: ['client', 'server'], reactor, family: 4 });
  const c = lab.endpoint('client');
  const s = lab.endpoint('server');
  const keyOf = (laddr, lport, raddr, rport) =>
    laddr === c.addr && raddr === s.addr ? `client:${lport}` : laddr === s.addr && lport === lab.port && raddr === c.addr ? `server:${rport}` : undefined;
  const traced = new Map();
  const seen = new Map(); // key -> Set of ss states (plus CLOSE once gone after being seen)
  // CLOSE -> SYN_SENT fires in connect() before the source port is chosen
  // (sport 0): those events are counted, not told apart by connection.
  let synSent = 0;
  const unsubscribe = trace.subscribe([c.addr, s.addr], (e) => {
    if (e.sport === 0 && e.newstate === 'SYN_SENT' && e.saddr === c.addr && e.daddr === s.addr && e.dport === lab.port) return void synSent++;
    const k = keyOf(e.saddr, e.sport, e.daddr, e.dport);
    if (!k) return;
    if (!traced.has(k)) traced.set(k, new Set());
    traced.get(k).add(e.newstate);
  });
  let samples = 0;
  let polling = true;
  let previous = new Set();
  const sample = () => {
    samples++;
    const now = new Set();
    for (const ep of [c, s]) {
      for (const so of ep.diag.sockets()) {
        const k = keyOf(so.local.addr, so.local.port, so.peer.addr, so.peer.port);
        if (!k) continue;
        now.add(k);
        if (!seen.has(k)) seen.set(k, new Set());
        seen.get(k).add(so.state);
        if (k.startsWith('client:') && so.state === 'TIME-WAIT') seen.get(k).add('CLOSE');
      }
    }
    for (const k of previous) if (!now.has(k)) seen.get(k)?.add('CLOSE');
    previous = now;
  };
  const poller = (async () => {
    while (polling) {
      sample();
      await new Promise((r) => setImmediate(r));
    }
  })();
  const server = start(inNs(s.ns, 'server', s.addr, String(lab.port)));
  let churn;
  try {
    await server.ready;
    churn = await client(c.ns, 'churn', s.addr, String(lab.port), String(CHURN_N), String(CHURN_N));
    // The server's last ACK from the client is in flight when the client exits.
    await new Promise((r) => setTimeout(r, 300));
    trace.drain();
  } finally {
    polling = false;
    await poller;
    sample();
    unsubscribe();
    await stopChild(server);
    await lab.destroy();
    await trace.close();
  }
  const count = (map, kind) => {
    let got = 0;
    let conns = 0;
    for (const side of ['client', 'server']) {
      const keys = [...traced.keys(), ...seen.keys()].filter((k) => k.startsWith(`${side}:`));
      conns = Math.max(conns, new Set(keys).size);
      for (const k of new Set(keys)) for (const st of REQUIRED[side][kind]) if (map.get(k)?.has(st) && !(kind === 'trace' && st === 'SYN_SENT')) got++;
    }
    return kind === 'trace' ? got + Math.min(synSent, churn.n) : got;
  };
  const required = churn.n * 8;
  const tp = count(traced, 'trace');
  const sd = count(seen, 'diag');
  console.log(`\nobservers under churn (${churn.n} connections at once through a lab, ${required} required transitions)`);
  line('tracepoint captured', `${tp} (${((tp / required) * 100).toFixed(2)}%)`, '100%', tp === required);
  line('sock_diag polling alone', `${sd} (${((sd / required) * 100).toFixed(2)}%)`);
  line('  sock_diag samples', `${samples}`);
  if (churn.failed) console.log(`    failed connections: ${churn.failed}`);
  if (process.env.BENCH_DEBUG) {
    for (const [name, map, kind] of [['tracepoint', traced, 'trace'], ['sock_diag', seen, 'diag']]) {
      const miss = {};
      for (const side of ['client', 'server']) {
        const keys = [...map.keys()].filter((k) => k.startsWith(`${side}:`));
        miss[`${side} sockets`] = keys.length;
        for (const st of REQUIRED[side][kind]) miss[`${side} ${st}`] = kind === 'trace' && st === 'SYN_SENT' ? churn.n - synSent : keys.filter((k) => !map.get(k).has(st)).length;
      }
      console.log(`    missing, ${name}: ${JSON.stringify(miss)}`);
    }
  }
}

// ---------------------------------------------------------------- 5

async function benchLoad() {
  const t0 = performance.now();
  const r = await start([process.execPath, path.join(root, 'bin/tcpconform.js'), 'load', '--connections', String(LOAD_N), '--json']).exited;
  const wall = performance.now() - t0;
  const out = JSON.parse(r.out.trim().split('\n').at(-1));
  console.log(`\nload mode (tcpconform load --connections ${LOAD_N}, reference server, ${out.concurrency} at once)`);
  line('lifecycles checked', `${out.passed}/${out.expected}`, 'all', out.pass && out.passed === LOAD_N);
  line('lifecycles/s', `${out.lifecyclesPerSecond}`, '>= 1000/s', out.lifecyclesPerSecond >= 1000);
  line('  lifecycles, first connect to check', fmtMs(out.loadMs));
  line('  set-up (lab, observers, server)', fmtMs(out.setupMs));
  line('whole command, start to exit', fmtMs(wall), LOAD_N === 10000 ? '<= 10 s' : '', wall <= 10000);
  if (!out.pass) console.log(`    exit ${r.code}: ${JSON.stringify({ endStates: out.endStates, error: out.error })}`);
}

// ---------------------------------------------------------------- main

console.log(`tcpconform bench   kernel ${os.release()}, node ${process.version}, ${os.cpus().length} CPUs`);
const run = newRunId();
registerRun(run);
const reactor = new Reactor();
const onSignal = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  if (!skip.has('catalog')) await benchCatalog();
  if (!skip.has('relay')) await benchRelay(run, reactor);
  if (!skip.has('observers')) await benchObservers(run, reactor);
  if (!skip.has('load')) await benchLoad();
  if (!skip.has('matrix')) await benchMatrix();
} finally {
  for (const c of children) c.kill('SIGKILL');
  for (const ns of ownNamespaces) await deleteNamespace(ns);
  await reactor.close();
  unregisterRun(run);
}
