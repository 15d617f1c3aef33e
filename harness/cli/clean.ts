import { reap, removeOwnerlessLocks } from '../lab/reaper.js';
import { ownerlessLocks } from '../lab/residue.js';
import { RUN_ID } from '../lab/runs.js';
import { EXIT, type Io } from './io.js';
import { runState } from './residue-text.js';

/**
 * `tcpconform clean`: removes what dead runs left behind (processes,
 * namespaces, tracefs instances, lock files) and says what it removed.
 * Live runs are named and left alone. Without root it removes the user's
 * own runs (those without root leave only processes and files of the
 * user's) and names the others as root's to remove.
 */

export interface CleanFlags {
  dryRun?: boolean;
  run?: string;
}

export async function cleanCommand(io: Io, flags: CleanFlags): Promise<number> {
  if (flags.run !== undefined && !RUN_ID.test(flags.run)) {
    io.stderr.write(`error: --run: ${JSON.stringify(flags.run)} is not a run id (6 hex digits, as in reports/<stamp>-<run>)\n`);
    return EXIT.badInput;
  }
  // Locks that name no run are no run's: only a clean of every run looks at
  // them. First, so that reap's last step removes the folders they leave empty.
  const locks =
    flags.run !== undefined ? { removed: [], failed: [] } : flags.dryRun ? { removed: ownerlessLocks(), failed: [] } : removeOwnerlessLocks();
  const results = await reap({ ...(flags.dryRun ? { dryRun: true } : {}), ...(flags.run ? { run: flags.run } : {}) });
  const verb = flags.dryRun ? 'would remove' : 'removed';
  let removed = 0;
  let failed = 0;
  for (const r of results) {
    if (r.live) {
      io.stdout.write(`run ${r.run}: ${runState(r)}; left alone\n`);
      continue;
    }
    io.stdout.write(`run ${r.run}: ${runState(r)}\n`);
    for (const line of r.removed) io.stdout.write(`  ${verb} ${line}\n`);
    for (const line of r.failed) io.stderr.write(`  could not remove ${line}\n`);
    removed += r.removed.length;
    failed += r.failed.length;
  }
  if (locks.removed.length || locks.failed.length) io.stdout.write('address-block locks naming no owner\n');
  for (const file of locks.removed) io.stdout.write(`  ${verb} ${file}\n`);
  for (const line of locks.failed) io.stderr.write(`  could not remove ${line}\n`);
  removed += locks.removed.length;
  failed += locks.failed.length;
  const dead = results.filter((r) => !r.live).length;
  if (dead === 0 && removed === 0 && failed === 0) io.stdout.write(flags.run ? `nothing to clean for run ${flags.run}\n` : 'nothing to clean\n');
  else io.stdout.write(`${verb} ${removed} item(s)${dead ? ` of ${dead} dead run(s)` : ''}${failed ? `; ${failed} could not be removed` : ''}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}
