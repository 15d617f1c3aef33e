#!/usr/bin/env node
// Kills real runs with SIGKILL at random moments, then runs `tcpconform
// clean` (or, with --by-next-run, a new run, which removes what dead runs
// left before it starts), and counts what each killed run left before and
// after.
// SIGKILL is the one ending a run cannot clean up after itself, so this is
// what the reaper is for; the figure that must always be 0 is "after clean".
//
//   node scripts/residue-soak.mjs [count=100] [--min-ms 0] [--max-ms 800] [--by-next-run] [--quiet] [-- run args...]
//
// The delay is counted from the spawn; the run creates its first lab about
// half a second later, so a window such as --min-ms 500 --max-ms 2500 kills
// more runs in the middle of their specs.
//
// Needs root and a build (`npm run build`). Exit status 1 when any killed run
// left anything after clean.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanResidue } from '../dist/lab/residue.js';
import { STATE_DIR } from '../dist/lab/names.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(ROOT, 'bin/tcpconform.js');

function parseArgs(argv) {
  const opts = { count: 100, minMs: 0, maxMs: 800, quiet: false, byNextRun: false, runArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      opts.runArgs = argv.slice(i + 1);
      break;
    } else if (a === '--max-ms') opts.maxMs = Number(argv[++i]);
    else if (a === '--min-ms') opts.minMs = Number(argv[++i]);
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--by-next-run') opts.byNextRun = true;
    else if (/^\d+$/.test(a)) opts.count = Number(a);
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Counts of what `run` left, by kind; an absent run counts 0 everywhere. */
function residueOf(run) {
  const r = run ? scanResidue().get(run) : undefined;
  return {
    processes: r?.processes.length ?? 0,
    namespaces: r?.namespaces.length ?? 0,
    instances: r?.traceInstances.length ?? 0,
    blocks: r ? r.blocks.length + r.lockTemps.length : 0,
    records: r ? (r.record ? 1 : 0) + r.recordTemps.length : 0,
  };
}

const total = (c) => Object.values(c).reduce((a, b) => a + b, 0);
const show = (c) => `proc=${c.processes} ns=${c.namespaces} inst=${c.instances} blocks=${c.blocks} rec=${c.records}`;

/** The run id, from the report folder `<stamp>-<run>` the run made (none when killed before it made one). */
function runIdIn(out) {
  const dir = fs.readdirSync(out).find((n) => /^\d{8}-\d{6}-[0-9a-f]{6}$/.test(n));
  return dir?.slice(-6);
}

function exec(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

async function killOnce(opts) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpconform-soak-'));
  try {
    const before = new Set(scanResidue().keys());
    const child = spawn(process.execPath, [BIN, 'run', '--out', out, '--no-color', ...opts.runArgs], { cwd: ROOT, stdio: 'ignore' });
    const delay = opts.minMs + Math.floor(Math.random() * (opts.maxMs - opts.minMs + 1));
    await sleep(delay);
    const exited = new Promise((r) => child.on('close', (code, signal) => r({ code, signal })));
    child.kill('SIGKILL');
    const ended = await exited;
    let run = runIdIn(out);
    // Killed before its report folder existed: then nothing should exist
    // either, but look for any run that appeared meanwhile to be sure.
    const fresh = [...scanResidue().keys()].filter((r) => !before.has(r));
    if (!run && fresh.length === 1) run = fresh[0];
    const afterKill = residueOf(run);
    const clean = opts.byNextRun
      ? await exec(['run', '--out', out, '--no-color', 'specs/handshake/three-way.yaml'], { TCPCONFORM_NO_REAP: '0' })
      : await exec(run ? ['clean', '--run', run] : ['clean']);
    const afterClean = residueOf(run);
    return { delay, run, ended, afterKill, afterClean, clean };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    console.error('residue-soak: needs root (it runs real labs)');
    process.exit(3);
  }
  const remover = opts.byNextRun ? 'the next run' : 'clean';
  let leftAfterKill = 0;
  let itemsAfterKill = 0;
  let leftAfterClean = 0;
  let failedRemovers = 0;
  let withoutRun = 0;
  const sum = { processes: 0, namespaces: 0, instances: 0, blocks: 0, records: 0 };
  for (let i = 1; i <= opts.count; i++) {
    const r = await killOnce(opts);
    if (!r.run) withoutRun++;
    if (total(r.afterKill)) leftAfterKill++;
    itemsAfterKill += total(r.afterKill);
    for (const k of Object.keys(sum)) sum[k] += r.afterKill[k];
    if (total(r.afterClean)) leftAfterClean++;
    if (r.clean.code !== 0) failedRemovers++;
    const endedHow = r.ended.signal ?? `exit ${r.ended.code}`;
    if (!opts.quiet || total(r.afterClean) || r.clean.code !== 0)
      console.log(
        `${String(i).padStart(4)} kill@${String(r.delay).padStart(3)}ms run=${r.run ?? '------'} (${endedHow})` +
          `  after kill: ${show(r.afterKill)}  after ${remover}: ${show(r.afterClean)}${r.clean.code !== 0 ? `  ${remover} exit ${r.clean.code}: ${r.clean.output.trim()}` : ''}`,
      );
  }
  // The state folder goes with the last run or clean once it is empty (unless another run holds it).
  const stateLeft = fs.existsSync(STATE_DIR);
  console.log(
    `\n${opts.count} kills (${opts.minMs}-${opts.maxMs} ms after spawn): ${withoutRun} before the run had an id; ` +
      `${leftAfterKill} left residue (${itemsAfterKill} items: ${show(sum)}); ${leftAfterClean} still had residue after ${remover}; ` +
      `state folder ${STATE_DIR} ${stateLeft ? 'still there' : 'gone'}`,
  );
  process.exit(leftAfterClean || failedRemovers ? 1 : 0);
}

await main();
