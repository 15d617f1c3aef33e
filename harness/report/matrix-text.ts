import type { RunResult, VerdictName } from '../run/results.js';

/**
 * The targets x specs matrix of a run against several targets, as plain
 * text columns, followed by the reasons of the cells that are not plain
 * passes (not-applicable ones summed up per target: the full reasons are in
 * results.json and the HTML report).
 */
export function matrixLines(run: RunResult, paint: (v: VerdictName) => string): string[] {
  const m = run.matrix;
  if (!m || m.targets.length < 2) return [];
  const label = (row: (typeof m.rows)[number]) => `${row.spec}${row.ip === 6 ? ' [IPv6]' : ''}`;
  const first = Math.max(4, ...m.rows.map((r) => label(r).length));
  const widths = m.targets.map((t) => Math.max(t.length, 'not-applicable'.length));
  const pad = (s: string, n: number, shown = s) => shown + ' '.repeat(Math.max(0, n - s.length));
  const lines = ['', `Targets by specs:`, `  ${pad('spec', first)}  ${m.targets.map((t, i) => pad(t, widths[i]!)).join('  ')}`.trimEnd()];
  for (const row of m.rows) {
    const cells = m.targets.map((t, i) => {
      const v = row.cells[t]?.verdict;
      return v ? pad(v, widths[i]!, paint(v)) : pad('-', widths[i]!);
    });
    lines.push(`  ${pad(label(row), first)}  ${cells.join('  ')}`.trimEnd());
  }
  const reasons: string[] = [];
  for (const row of m.rows) {
    for (const t of m.targets) {
      const c = row.cells[t];
      if (c && c.verdict !== 'pass' && c.verdict !== 'not-applicable') reasons.push(`  ${label(row)} on ${t}: ${c.verdict}: ${(c.reason ?? '').replace(/\s+/g, ' ').trim()}`);
    }
  }
  for (const t of m.targets) {
    const na = m.rows.filter((r) => r.cells[t]?.verdict === 'not-applicable').length;
    if (na) reasons.push(`  ${t}: ${na} not applicable (capabilities it lacks; reasons in results.json)`);
  }
  if (reasons.length) lines.push('', ...reasons);
  return lines;
}
