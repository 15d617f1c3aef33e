import { renderSpecText } from '../report/index.js';
import { closest } from '../spec/suggest.js';
import { EXIT, type Io } from './io.js';
import { loadResults } from './report.js';

/** `tcpconform show <spec-id>`: one spec's ladder and timelines in the terminal. */

export const SHOW_DEFAULT_RESULTS = 'reports/latest/results.json';

export interface ShowFlags {
  results: string;
  color: boolean;
}

export async function showCommand(io: Io, id: string, flags: ShowFlags): Promise<number> {
  const loaded = await loadResults(io, flags.results);
  if (!loaded.ok) return loaded.code;
  const ids = loaded.run.results.map((r) => r.spec);
  // A spec run over IPv4 and IPv6 has a result for each: show them all.
  const matches = loaded.run.results.filter((r) => r.spec === id);
  if (matches.length === 0) {
    const near = closest(id, ids);
    const containing = ids.filter((s) => s.includes(id));
    const hint = near ? `; did you mean ${near}?` : containing.length > 0 ? `; specs containing it: ${containing.join(', ')}` : '';
    io.stderr.write(`error: no spec ${JSON.stringify(id)} in ${flags.results}${hint}\n`);
    if (!near && containing.length === 0) io.stderr.write(`specs in this run: ${ids.join(', ') || '(none)'}\n`);
    return EXIT.badInput;
  }
  const columns = (io.stdout as { columns?: number }).columns;
  const width = columns ? Math.max(20, Math.min(100, columns - 16)) : undefined;
  const color = flags.color && io.stdout.isTTY === true;
  io.stdout.write(matches.map((r) => renderSpecText(r, { color, width })).join('\n'));
  return EXIT.ok;
}
