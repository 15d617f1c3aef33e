/** What the command line reads and writes, passed in so tests can run it in-process. */
export interface Io {
  argv: string[];
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: the run stops starting specs and cleans up. */
  signal?: AbortSignal;
}

/** Exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  /** A spec failed or errored. */
  failed: 1,
  /** The input was bad: spec, target file, flag. */
  badInput: 2,
  /** The harness could not run: missing privilege, tool or kernel facility. */
  cannotRun: 3,
  /** Interrupted by SIGINT or SIGTERM (after cleaning up). */
  interrupted: 130,
} as const;
