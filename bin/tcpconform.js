#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

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
