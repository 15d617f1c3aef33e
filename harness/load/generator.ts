/**
 * The client side of load mode, run as its own process inside the lab's
 * client namespace (`ip netns exec`), so that it has a core of its own while
 * the harness relays and observes. Plain Node sockets: the kernel does the
 * TCP, this only opens and closes.
 *
 *   generator.js <addr> <port> <connections> <concurrency> <bytes> <timeout-ms>
 *
 * Each lifecycle: connect, send `bytes` bytes, shut down writing (FIN),
 * read until the server's FIN, close. The client closes first, so its end
 * is TIME_WAIT; a lifecycle not over after `timeout-ms` is abandoned
 * (closed) and counted. Prints `{"started":n}` lines while it runs and one
 * last line with its own account; the harness judges from the observers,
 * not from this account.
 */
import net from 'node:net';

const [addr, portText, nText, cText, bytesText, timeoutText] = process.argv.slice(2);
const port = Number(portText);
const total = Number(nText);
const concurrency = Math.min(Number(cText), total);
const payload = Buffer.alloc(Number(bytesText), 'x');
const timeoutMs = Number(timeoutText);

let started = 0;
let finished = 0;
let abandoned = 0;
const errors: Record<string, number> = {};

function lifecycle(): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: addr, port, noDelay: true });
    const timer = setTimeout(() => {
      abandoned++;
      sock.destroy();
    }, timeoutMs);
    sock.on('connect', () => {
      if (payload.length) sock.write(payload);
      sock.end();
    });
    sock.resume();
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      errors[code] = (errors[code] ?? 0) + 1;
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function worker(): Promise<void> {
  while (started < total) {
    started++;
    await lifecycle();
    finished++;
  }
}

const t0 = performance.now();
const ticker = setInterval(() => process.stdout.write(JSON.stringify({ started, finished }) + '\n'), 100);
await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(ticker);
process.stdout.write(JSON.stringify({ done: true, started, finished, abandoned, errors, ms: performance.now() - t0 }) + '\n');
