/**
 * Known deviations a target file documents, each for a list of ids: spec
 * ids (`close.time-wait-timer`) or matrix cell ids
 * (`matrix.ESTABLISHED.SYN.in-window`), where `*` matches any run of
 * characters (`close.*`, `matrix.ESTABLISHED.SYN*`).
 */

export interface Deviation {
  specs: string[];
  reason: string;
}

/** `*` matches any run of characters; everything else itself. */
export function idMatches(pattern: string, id: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}

/** The deviations that name `id`, in the file's order. */
export function deviationsFor(deviations: readonly Deviation[] | undefined, id: string): Deviation[] {
  return (deviations ?? []).filter((d) => d.specs.some((p) => idMatches(p, id)));
}
