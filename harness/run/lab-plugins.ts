import type { FaultRule } from '../lab/faults.js';
import type { WirePacket } from '../lab/relay.js';
import type { Spec } from '../spec/types.js';
import { segmentFanout, toFaultRules, type CustomFaultRule, type ObservedLab, type Observer } from './plugins.js';

interface PluginContext {
  faults?: CustomFaultRule[];
  observers?: Observer[];
  family: 4 | 6;
  warn?: (line: string) => void;
}

interface PluginLab {
  port: number;
  startedAt: number;
  endpoint(name: string): { ns: string };
  relay: { onPacket(listener: (p: WirePacket) => void): () => void };
}

/**
 * The library API's plug-ins for one spec's lab. They only watch and shape
 * the wire: whatever an observer or a rule does wrong becomes a warning,
 * never a verdict.
 */
export class LabPlugins {
  readonly faultRules: FaultRule[];
  readonly notes: string[] = [];
  private readonly observers: Observer[];
  private readonly warn: (line: string) => void;
  private readonly family: 4 | 6;
  private unsubscribe: (() => void) | undefined;
  private view: ObservedLab | undefined;
  private ended = false;

  constructor(
    private readonly spec: Spec,
    ctx: PluginContext,
    private readonly lab: PluginLab,
    private readonly endpoints: { name: string; role: 'client' | 'server'; addr: string }[],
  ) {
    this.warn = ctx.warn ?? (() => {});
    this.observers = [...(ctx.observers ?? [])];
    this.family = ctx.family;
    const names = endpoints.map((e) => e.name);
    const peerOf = (n: string): string => names.find((x) => x !== n) ?? n;
    this.faultRules = (ctx.faults ?? [])
      .filter((r) => this.applies(r))
      .flatMap((r) => toFaultRules(r, names, peerOf, (line) => this.warn(`${spec.id}: ${line}`)));
  }

  private applies(rule: CustomFaultRule): boolean {
    try {
      return rule.specs ? rule.specs(this.spec) === true : true;
    } catch (err) {
      this.warn(`wire rule ${rule.name}: specs() threw, so ${this.spec.id} runs without it: ${(err as Error).message}`);
      return false;
    }
  }

  async begin(): Promise<void> {
    if (!this.observers.length) return;
    const view: ObservedLab = (this.view = {
      spec: { id: this.spec.id, title: this.spec.title },
      family: this.family,
      port: this.lab.port,
      endpoints: this.endpoints.map((e) => ({ name: e.name, role: e.role, addr: e.addr, namespace: this.lab.endpoint(e.name).ns })),
    });
    for (const o of [...this.observers]) await this.call(o, 'onSpecBegin', () => o.onSpecBegin?.(view));
    this.unsubscribe = this.lab.relay.onPacket(
      segmentFanout(this.observers, view, this.lab.startedAt, (o, err) => this.drop(o, 'onSegment', err)),
    );
  }

  /** Once per spec, while the lab is still up; collects the observers' notes. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const view = this.view;
    if (!view) return;
    this.close();
    for (const o of [...this.observers]) {
      const lines = await this.call(o, 'onSpecEnd', () => o.onSpecEnd?.(view));
      if (Array.isArray(lines)) this.notes.push(...lines.map((l) => `${o.name}: ${String(l)}`));
    }
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async call<T>(o: Observer, hook: string, f: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (err) {
      this.drop(o, hook, err);
      return undefined;
    }
  }

  private drop(o: Observer, hook: string, err: unknown): void {
    const i = this.observers.indexOf(o);
    if (i >= 0) this.observers.splice(i, 1);
    this.warn(`${this.spec.id}: observer ${o.name} failed in ${hook} and is switched off for this spec: ${err instanceof Error ? err.message : String(err)}`);
  }
}
