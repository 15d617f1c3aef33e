#!/usr/bin/env node
// Runs the catalog N times in a row and prints how many verdicts changed
// between runs (the goal is zero), optionally with one core kept busy.
//
//   node scripts/stability.mjs [--runs 20] [--busy] [--ip 4|6|both] [-- extra run flags]
//
// Prints one line per run and a summary; exits 1 when any verdict changed
// or any spec did not pass.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const dash = args.indexOf('--');
const extra = dash >= 0 ? args.slice(dash + 1) : [];
const own = dash >= 0 ? args.slice(0, dash) : args;
const flag = (name, fallback) => {
  const i = own.indexOf(name);
  return i >= 0 ? own[i + 1] : fallback;
};
const runs = Number(flag('--runs', '20'));
const ip = flag('--ip', 'both');
const busy = own.includes('--busy');
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs takes a whole number of runs, at least 1');
  process.exit(2);
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-stability-'));
// Results of runs in which something did not pass are kept here for a look.
const kept = path.join(os.tmpdir(), `tcpconform-stability-failures-${process.pid}`);
// A busy loop in a child process of ours, ended by its PID at the end.
const burner = busy ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;

function runOnce() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/tcpconform.js'), 'run', '--ip', ip, '--out', out, '--reporter', 'json', ...extra], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => resolve(code));
  });
}

const first = new Map();
let changed = 0;
let notPassed = 0;
const walls = [];
try {
  for (let i = 1; i <= runs; i++) {
    const t0 = performance.now();
    const code = await runOnce();
    const wall = performance.now() - t0;
    walls.push(wall);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'latest', 'results.json'), 'utf8')).results;
    let runChanged = 0;
    for (const r of results) {
      const key = `${r.spec} ipv${r.ip}`;
      if (r.verdict !== 'pass' && r.verdict !== 'deviation' && r.verdict !== 'not-applicable') {
        notPassed++;
        console.log(`  run ${i}: ${key} ${r.verdict}: ${r.reason ?? ''}`);
      }
      if (!first.has(key)) first.set(key, r.verdict);
      else if (first.get(key) !== r.verdict) runChanged++;
    }
    changed += runChanged;
    if (results.some((r) => r.verdict !== 'pass' && r.verdict !== 'deviation' && r.verdict !== 'not-applicable')) {
      fs.mkdirSync(kept, { recursive: true });
      fs.copyFileSync(path.join(out, 'latest', 'results.json'), path.join(kept, `run-${i}.json`));
    }
    console.log(`run ${String(i).padStart(2)}: exit ${code}, ${results.length} results, ${runChanged} verdict(s) changed, ${(wall / 1000).toFixed(1)} s`);
  }
} finally {
  if (burner) burner.kill('SIGKILL');
  fs.rmSync(out, { recursive: true, force: true });
}
walls.sort((a, b) => a - b);
const median = walls[Math.floor(walls.length / 2)];
console.log(
  `${runs} runs${busy ? ' with one core busy' : ''}: ${changed} verdict change(s), ${notPassed} result(s) not passing, median wall time ${(median / 1000).toFixed(1)} s`,
);
if (notPassed) console.log(`results of the runs with failures: ${kept}`);
process.exit(changed === 0 && notPassed === 0 ? 0 : 1);
