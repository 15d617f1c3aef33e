#!/usr/bin/env node
// Set before anything uses libuv's thread pool: one thread polls the lab
// devices, others close devices (slow, see sysCloseAsync); four is too few.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/cli/main.js');

// SIGINT/SIGTERM abort the run; the harness then removes everything it
// created before exiting. A second signal does not cut that short.
const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => interrupt.abort());

process.exitCode = await main({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
