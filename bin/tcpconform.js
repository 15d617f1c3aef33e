#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

process.exitCode = await main({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
