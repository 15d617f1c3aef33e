import { randomBytes } from 'node:crypto';
import { lstatSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export const LATEST = 'latest';

/**
 * Points `<reportsDir>/latest` at the run folder `runDirName`, as a relative
 * symlink so the reports folder can be moved or archived whole. The link is
 * made under a temporary name and renamed over the old one: rename(2)
 * replaces atomically, so a reader never finds `latest` missing or half
 * made, even while two runs end at once.
 *
 * Synchronous on purpose: it runs once, after the run, and a caller's
 * try/catch then catches its errors without having to remember an await.
 */
export function updateLatest(reportsDir: string, runDirName: string): void {
  if (runDirName === '' || runDirName === '.' || runDirName === '..' || /[/\\]/.test(runDirName)) {
    throw new Error(`run folder must be a plain name inside the reports folder: ${JSON.stringify(runDirName)}`);
  }
  const target = path.join(reportsDir, runDirName);
  if (!statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no run folder ${target}`);

  const link = path.join(reportsDir, LATEST);
  // rename() cannot replace a real directory with a symlink; say so instead of failing obscurely.
  const existing = lstatSync(link, { throwIfNoEntry: false });
  if (existing && !existing.isSymbolicLink()) {
    throw new Error(`${link} exists and is not a symlink; remove it so it can point to the newest run`);
  }
  const tmp = path.join(reportsDir, `.${LATEST}.${process.pid}.${randomBytes(4).toString('hex')}`);
  symlinkSync(runDirName, tmp, 'dir');
  try {
    renameSync(tmp, link);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
