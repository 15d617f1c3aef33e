#!/usr/bin/env node
// The workload of scripts/bench.mjs, run inside a namespace with
// `ip netns exec`. Plain Node sockets, so that the lab and the direct veth
// pair carry exactly the same traffic.
//
//   server   <addr> <port>                       echo server; prints "ready"
//   churn    <addr> <port> <n> <concurrency>     n connections: connect, 1 byte there and back, close
//   pingpong <addr> <port> <rounds>              one connection, 64-byte round trips, timed one by one
//
// Clients print one JSON line with their figures.
import net from 'node:net';

const [mode, addr, portText, a, b] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'server') {
  const server = net.createServer({ noDelay: true }, (sock) => {
    sock.on('data', (d) => sock.write(d));
    sock.on('end', () => sock.end());
    sock.on('error', () => {});
  });
  server.listen({ host: addr, port, backlog: 4096 }, () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'churn') {
  const n = Number(a);
  const concurrency = Number(b);
  let started = 0;
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  const one = () =>
    new Promise((resolve) => {
      const sock = net.connect({ host: addr, port, noDelay: true });
      sock.on('connect', () => sock.write('x'));
      sock.on('data', () => sock.end());
      sock.on('error', () => failed++);
      sock.on('close', resolve);
    });
  const worker = async () => {
    while (started < n) {
      started++;
      await one();
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ n: done, failed, ms }) + '\n');
} else if (mode === 'pingpong') {
  const rounds = Number(a);
  const sock = net.connect({ host: addr, port, noDelay: true });
  await new Promise((resolve, reject) => {
    sock.on('connect', resolve);
    sock.on('error', reject);
  });
  const msg = Buffer.alloc(64, 0x78);
  const lat = [];
  let got = 0;
  let sent = 0n;
  let resolveRound;
  sock.on('data', (d) => {
    got += d.length;
    if (got >= 64) {
      got -= 64;
      lat.push(Number(process.hrtime.bigint() - sent) / 1000);
      resolveRound();
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const round = new Promise((resolve) => (resolveRound = resolve));
    sent = process.hrtime.bigint();
    sock.write(msg);
    await round;
  }
  const ms = performance.now() - t0;
  sock.end();
  await new Promise((resolve) => sock.on('close', resolve));
  lat.sort((x, y) => x - y);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  process.stdout.write(JSON.stringify({ rounds, ms, p50us: q(0.5), p99us: q(0.99) }) + '\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
