import type { State } from '../model/states.js';
import type { SockDiagSnapshot, Timeline } from '../observe/types.js';
import type { Spec } from '../spec/types.js';

export interface TimerCheck {
  state: State;
  minMs: number;
  maxMs: number;
  measuredMs?: number;
}

/**
 * The length of each timer the spec puts a range on: what sock_diag showed
 * left on the timewait socket's timer, plus the time already spent in the
 * state when it was read (the first reading is the most precise).
 */
export function measureTimers(spec: Spec, endpoint: string, observed: Timeline, snapshots: readonly SockDiagSnapshot[], addr: string): TimerCheck[] {
  const out: TimerCheck[] = [];
  for (const [state, range] of Object.entries(spec.timers[endpoint] ?? {})) {
    const check: TimerCheck = { state: state as State, minMs: range.minMs, maxMs: range.maxMs };
    const entry = observed.find((o) => o.state === state);
    const ssName = state === 'TIME_WAIT' ? 'TIME-WAIT' : 'FIN-WAIT-2';
    if (entry) {
      for (const snap of snapshots) {
        if (snap.endpoint !== endpoint || snap.t < entry.t) continue;
        const sock = snap.sockets.find((s) => s.state === ssName && s.timer?.name === 'timewait' && s.local.addr === addr);
        if (!sock) continue;
        check.measuredMs = Math.round(sock.timer!.expiresMs + (snap.t - entry.t) / 1000);
        break;
      }
    }
    out.push(check);
  }
  return out;
}
