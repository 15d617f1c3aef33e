import { execa, type ResultPromise } from 'execa';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reap, survey } from '../../harness/lab/reaper.js';
import { targetDirPrefix } from '../../harness/lab/names.js';
import { mountedTraceRoots } from '../../harness/lab/residue.js';
import { processStartTime, registerRun, RUNS_DIR, unregisterRun } from '../../harness/lab/runs.js';
import { NO_RESIDUE, residue, runIdIn, startTcpconform, tcpconform, tempDir, until } from './helpers.js';

/**
 * The reaper on hand-made residue: a dead run's leftovers of every kind are
 * removed, and nothing of a live run, nor anything that only looks like
 * ours, is touched.
 */

const BLOCKS = '/run/tcpconform/blocks';

function runId(): string {
  return crypto.randomBytes(3).toString('hex');
}

/** A PID that certainly belonged to a process that is gone now. */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

function traceRoot(): string {
  const root = mountedTraceRoots()[0];
  if (!root) throw new Error('tracefs is not mounted: run `tcpconform run` once, or mount it');
  return root;
}

/** A process inside namespace `ns` that waits forever, with or without TCPCONFORM_RUN. */
function sleeper(ns: string, run: string | undefined): ResultPromise {
  // `ip netns exec` execs sleep, so the PID we hold is the sleeper's own.
  return execa('ip', ['netns', 'exec', ns, '/bin/sleep', '600'], {
    env: run ? { TCPCONFORM_RUN: run } : { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    extendEnv: run !== undefined,
    reject: false,
    stdin: 'ignore',
  });
}

async function waitFor(pid: number, ns: string): Promise<void> {
  const inode = `net:[${fs.statSync(`/run/netns/${ns}`).ino}]`;
  for (let i = 0; i < 200; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/net`) === inode) return;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pid ${pid} never entered ${ns}`);
}

describe('reaper on hand-made residue', () => {
  const dead = runId();
  const live = runId();
  const reused = runId();
  const heldBlock = runId();
  const notOurs = ['tcpconform-zzzzzz-0-a', `tcpconformx-${runId()}-0-a`, `tcpconform-${runId()}0`];
  const made: { ns: string[]; dirs: string[]; files: string[]; trees: string[]; procs: ResultPromise[] } = { ns: [], dirs: [], files: [], trees: [], procs: [] };

  const addNs = async (name: string) => {
    await execa('ip', ['netns', 'add', name]);
    made.ns.push(name);
  };
  const addInstance = (name: string) => {
    const dir = path.join(traceRoot(), 'instances', name);
    fs.mkdirSync(dir);
    made.dirs.push(dir);
    return dir;
  };
  const addFile = (file: string, body: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
    made.files.push(file);
  };

  afterAll(async () => {
    for (const p of made.procs) if (p.pid && processStartTime(p.pid) !== undefined) p.kill('SIGKILL');
    await Promise.all(made.procs);
    for (const ns of made.ns) await execa('ip', ['netns', 'delete', ns], { reject: false });
    for (const d of made.dirs) if (fs.existsSync(d)) fs.rmdirSync(d);
    for (const f of made.files) fs.rmSync(f, { force: true });
    for (const t of made.trees) fs.rmSync(t, { recursive: true, force: true });
    // Last, as a run ends: it removes the state folders once nothing else is in them.
    unregisterRun(live);
  });

  test('removes a dead run entirely and leaves the rest alone', async () => {
    // A dead run: two namespaces, an instance with events enabled, a block
    // lock naming a dead PID, and two processes in its namespace: one with
    // TCPCONFORM_RUN, one that dropped its environment.
    await addNs(`tcpconform-${dead}-0-a`);
    await addNs(`tcpconform-${dead}-0-b`);
    const deadDir = addInstance(`tcpconform-${dead}`);
    fs.writeFileSync(path.join(deadDir, 'events/sock/inet_sock_set_state/enable'), '1');
    const deadOwner = await deadPid();
    addFile(path.join(BLOCKS, '99990'), JSON.stringify({ pid: deadOwner, run: dead }));
    // A lock and a run record its writer was killed writing aside, before they took their names.
    const deadAside = `${dead}.${deadOwner}.tmp`;
    addFile(path.join(BLOCKS, deadAside), JSON.stringify({ pid: deadOwner, run: dead }));
    addFile(path.join(RUNS_DIR, deadAside), JSON.stringify({ pid: deadOwner, start: 1 }));
    // A target's own folder ({tmp}) with its configuration file in it.
    const deadFolder = fs.mkdtempSync(targetDirPrefix(dead, 'b'));
    fs.writeFileSync(path.join(deadFolder, 'nginx.conf'), 'daemon off;\n');
    made.trees.push(deadFolder);
    const withEnv = sleeper(`tcpconform-${dead}-0-a`, dead);
    const withoutEnv = sleeper(`tcpconform-${dead}-0-b`, undefined);
    made.procs.push(withEnv, withoutEnv);
    await waitFor(withEnv.pid!, `tcpconform-${dead}-0-a`);
    await waitFor(withoutEnv.pid!, `tcpconform-${dead}-0-b`);

    // A live run, owned by this process through its run record.
    registerRun(live);
    await addNs(`tcpconform-${live}-0-a`);
    addInstance(`tcpconform-${live}`);
    const liveFolder = fs.mkdtempSync(targetDirPrefix(live, 'b'));
    made.trees.push(liveFolder);
    const liveProc = sleeper(`tcpconform-${live}-0-a`, live);
    made.procs.push(liveProc);
    await waitFor(liveProc.pid!, `tcpconform-${live}-0-a`);

    // A record whose PID is alive but whose start time is not that process's: the PID was reused.
    addFile(path.join(RUNS_DIR, reused), JSON.stringify({ pid: process.pid, start: processStartTime(process.pid)! + 1 }));
    await addNs(`tcpconform-${reused}-0-a`);

    // No record, but a block lock held by a running process: live.
    addFile(path.join(BLOCKS, '99991'), JSON.stringify({ pid: process.pid, run: heldBlock }));
    await addNs(`tcpconform-${heldBlock}-0-a`);

    // Names that only look like ours.
    await addNs(notOurs[0]!);
    await addNs(notOurs[1]!);
    addInstance(notOurs[2]!);

    const before = new Map(survey().map((s) => [s.run, s]));
    expect(before.get(dead)).toMatchObject({ live: false, namespaces: expect.arrayContaining([`tcpconform-${dead}-0-a`]) });
    expect(before.get(dead)!.processes.map((p) => [p.pid, p.via]).sort()).toEqual(
      [
        [withEnv.pid, 'environment'],
        [withoutEnv.pid, 'namespace'],
      ].sort(),
    );
    expect(before.get(dead)!.targetDirs).toEqual([deadFolder]);
    expect(before.get(dead)).toMatchObject({ lockTemps: [deadAside], recordTemps: [deadAside] });
    expect(before.get(live)).toMatchObject({ live: true, targetDirs: [liveFolder] });
    expect(before.get(reused)).toMatchObject({ live: false });
    expect(before.get(heldBlock)).toMatchObject({ live: true });

    // A dry run changes nothing.
    const dry = await reap({ dryRun: true, run: dead });
    expect(dry).toHaveLength(1);
    expect(dry[0]!.removed).toEqual(expect.arrayContaining([`namespace tcpconform-${dead}-0-a`, `tracefs instance ${deadDir}`]));
    expect(fs.existsSync(deadDir)).toBe(true);

    const results = new Map((await reap()).map((r) => [r.run, r]));
    expect(results.get(dead)).toMatchObject({ live: false, failed: [] });
    expect(results.get(reused)).toMatchObject({ live: false, failed: [] });
    expect(results.get(live)).toMatchObject({ live: true, removed: [] });
    expect(results.get(heldBlock)).toMatchObject({ live: true, removed: [] });

    // The dead run is gone, all of it.
    expect(survey().find((s) => s.run === dead)).toBeUndefined();
    expect(fs.existsSync(`/run/netns/tcpconform-${dead}-0-a`)).toBe(false);
    expect(fs.existsSync(deadDir)).toBe(false);
    expect(fs.existsSync(path.join(BLOCKS, '99990'))).toBe(false);
    expect(fs.existsSync(path.join(BLOCKS, deadAside))).toBe(false);
    expect(fs.existsSync(path.join(RUNS_DIR, deadAside))).toBe(false);
    expect(fs.existsSync(deadFolder)).toBe(false);
    expect((await withEnv).signal).toBe('SIGKILL');
    expect((await withoutEnv).signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(RUNS_DIR, reused))).toBe(false);

    // Everything else is still there.
    expect(processStartTime(liveProc.pid!)).toBeDefined();
    expect(fs.existsSync(`/run/netns/tcpconform-${live}-0-a`)).toBe(true);
    expect(fs.existsSync(path.join(traceRoot(), 'instances', `tcpconform-${live}`))).toBe(true);
    expect(fs.existsSync(path.join(RUNS_DIR, live))).toBe(true);
    expect(fs.existsSync(liveFolder)).toBe(true);
    expect(fs.existsSync(`/run/netns/tcpconform-${heldBlock}-0-a`)).toBe(true);
    expect(fs.existsSync(path.join(BLOCKS, '99991'))).toBe(true);
    for (const ns of notOurs.slice(0, 2)) expect(fs.existsSync(`/run/netns/${ns}`)).toBe(true);
    expect(fs.existsSync(path.join(traceRoot(), 'instances', notOurs[2]!))).toBe(true);
  });
});

/**
 * The reaper at start: a run first removes what dead runs left. The test
 * runs switch it off (test/machine-state.mjs), so that the hand-made residue
 * above is not removed under that test by a run in another suite; these
 * tests switch it on, after that residue is gone.
 */
describe('a run removes what dead runs left before it starts', () => {
  const REAP = { TCPCONFORM_NO_REAP: '0' };

  /** Starts the catalog and kills it with SIGKILL once it has labs: the run id of what it left. */
  async function killedMidRun(out: string): Promise<string> {
    const child = startTcpconform(['run', '--out', out, '--no-color', 'specs/close']);
    const run = await until(() => {
      const id = runIdIn(out);
      return id && residue(id).namespaces.length > 0 ? id : undefined;
    }, 20_000);
    child.kill('SIGKILL');
    await child;
    if (!run) throw new Error('the run never made a lab');
    expect(residue(run).namespaces.length).toBeGreaterThan(0);
    return run;
  }

  test('a run killed mid-spec with SIGKILL is removed by the next run, which says so', async () => {
    const out = tempDir('reap-next');
    try {
      const dead = await killedMidRun(out);
      const next = await tcpconform(['run', '--out', out, '--no-color', 'specs/handshake/three-way.yaml'], { env: REAP });
      expect(next.stderr).toMatch(new RegExp(`^removed what dead run ${dead} left \\(owner pid \\d+ is gone\\): \\d+ item\\(s\\)$`, 'm'));
      expect(next.exitCode).toBe(0);
      expect(residue(dead)).toEqual(NO_RESIDUE);
      expect(fs.existsSync(path.join(RUNS_DIR, dead))).toBe(false);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('with TCPCONFORM_NO_REAP=1 the next run leaves it to clean', async () => {
    const out = tempDir('reap-off');
    try {
      const dead = await killedMidRun(out);
      const next = await tcpconform(['run', '--out', out, '--no-color', 'specs/handshake/three-way.yaml'], { env: { TCPCONFORM_NO_REAP: '1' } });
      expect(next.exitCode).toBe(0);
      expect(next.stderr).not.toContain('removed what dead run');
      expect(residue(dead).namespaces.length).toBeGreaterThan(0);
      const clean = await tcpconform(['clean', '--run', dead]);
      expect(clean.exitCode).toBe(0);
      expect(residue(dead)).toEqual(NO_RESIDUE);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

/**
 * Locks that name no owner: no run can be tied to them, so `doctor` names
 * them on their own and a `clean` of every run removes them, once they are
 * old enough that no claim can still be filling them. In this file, since
 * a `clean` of every run would remove the hand-made dead run above too.
 */
describe('address-block locks that name no owner', () => {
  // A user's state folder (root looks at every user's); uid 4242 is no one's here.
  const dir = path.join(os.tmpdir(), 'tcpconform-4242');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('doctor names an old one, clean removes it with its folder, and a young one is left alone', async () => {
    for (const sub of ['', 'blocks']) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
      fs.chownSync(path.join(dir, sub), 4242, 4242);
    }
    const old = path.join(dir, 'blocks', '77');
    const young = path.join(dir, 'blocks', '78');
    fs.writeFileSync(old, '');
    fs.writeFileSync(young, '');
    const t = (Date.now() - 11_000) / 1000;
    fs.utimesSync(old, t, t);

    const doctor = JSON.parse((await tcpconform(['doctor', '--json'])).stdout) as { checks: { name: string; level: string; detail: string }[] };
    expect(doctor.checks).toContainEqual(expect.objectContaining({ name: 'residue', level: 'warn', detail: `address-block lock naming no owner: ${old}` }));

    const dry = await tcpconform(['clean', '--dry-run']);
    expect(dry.stdout).toContain(`  would remove ${old}\n`);
    expect(fs.existsSync(old)).toBe(true);

    const clean = await tcpconform(['clean']);
    expect(clean.stdout).toContain(`  removed ${old}\n`);
    expect(clean.stdout).not.toContain(young);
    expect(clean.exitCode).toBe(0);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(young)).toBe(true);

    fs.rmSync(young);
    await tcpconform(['clean']);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
