import { coverageCounts, runCoverage } from '../../../harness/report/coverage.js';
import { TRANSITIONS } from '../../../harness/model/transitions.js';
import { realRun, withCoverage, withDeviation } from './real-results.js';

describe('run coverage', () => {
  it('is computed from the observed paths of passing specs when results carry none', () => {
    const c = runCoverage(realRun());
    expect(c.source).toBe('computed');
    expect(c.states.size).toBe(11);
    expect(c.transitions.size).toBe(TRANSITIONS.length);
    // close.simultaneous passes through CLOSING; the failing spec counts for nothing.
    expect(c.states.get('CLOSING')).toEqual(['close.simultaneous']);
    expect(c.states.get('SYN_SENT')).not.toContain('wrong.three-way');
    expect(c.transitions.get('SYN_SENT->ESTABLISHED')).toContain('handshake.three-way');
    expect(c.unreachable.has('LISTEN->SYN_SENT')).toBe(true);
    const n = coverageCounts(c);
    expect(n.states.covered + n.missedStates.length).toBe(11);
    expect(n.transitions.total).toBe(TRANSITIONS.length - n.transitions.unreachable);
    expect(n.missedTransitions).not.toContain('LISTEN->SYN_SENT');
  });

  it('counts deviations as passing', () => {
    expect(runCoverage(withDeviation(realRun())).states.get('CLOSING')).toEqual(['close.simultaneous']);
  });

  it('shows coverage as results.json records it when present (EDITED fixture)', () => {
    const c = runCoverage(withCoverage(realRun()));
    expect(c.source).toBe('results');
    expect(c.states.get('LISTEN')).toEqual(['handshake.three-way']);
    expect(c.states.get('TIME_WAIT')).toEqual([]);
    expect(c.transitions.get('FIN_WAIT_1->CLOSING')).toEqual([]);
    expect(c.unreachable.get('LISTEN->SYN_SENT')).toBe('SEND on a listening socket');
    const n = coverageCounts(c);
    expect(n.states).toEqual({ covered: 5, total: 11 });
    expect(n.transitions.covered).toBe(2);
  });
});
