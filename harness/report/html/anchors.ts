import type { RunResult } from '../../run/results.js';
import { ipOf } from '../verdicts.js';
import { domId } from './escape.js';

/**
 * Element ids of the spec entries: `spec-<id>`, made unique when a spec has
 * several results (one per IP version), so every link lands on one entry.
 */
export class Anchors {
  private readonly byIndex: string[] = [];
  private readonly first = new Map<string, string>();

  constructor(run: RunResult) {
    const count = new Map<string, number>();
    for (const r of run.results) count.set(r.spec, (count.get(r.spec) ?? 0) + 1);
    const used = new Set<string>();
    run.results.forEach((r, i) => {
      let id = domId('spec', r.spec);
      if ((count.get(r.spec) ?? 0) > 1) id = domId('spec', `${r.spec}${ipOf(r) ? `.ipv${ipOf(r)}` : ''}`);
      for (let n = 2; used.has(id); n++) id = `${domId('spec', r.spec)}-${n}`;
      used.add(id);
      this.byIndex[i] = id;
      if (!this.first.has(r.spec)) this.first.set(r.spec, id);
    });
  }

  /** The entry of the i-th result. */
  of(index: number): string {
    return this.byIndex[index] ?? `spec-${index}`;
  }

  /** The first entry of a spec id (coverage lists name specs, not results). */
  ofSpec(spec: string): string {
    return this.first.get(spec) ?? domId('spec', spec);
  }
}
