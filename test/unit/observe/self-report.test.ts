import { corroborate, selfReports } from '../../../harness/observe/self-report.js';
import type { Timeline } from '../../../harness/observe/types.js';

const wire = (...entries: [string, number][]): Timeline =>
  entries.map(([state, t]) => ({ state: state as Timeline[number]['state'], t, sources: ['wire'] }));
const conn = { local: '198.18.0.1:5000', peer: '198.18.0.2:10001' };
const ev = (from: string, to: string, t_us: number, where: Record<string, string> = conn) => ({ event: 'state', from, to, t_us, ...where });

describe('self-report', () => {
  it('keeps only well-formed state events, in time order', () => {
    const reports = selfReports([
      { event: 'ready' },
      ev('SYN_SENT', 'ESTABLISHED', 20),
      ev('CLOSED', 'SYN_SENT', 10),
      ev('CLOSED', 'BOGUS', 30),
      { event: 'state', from: 'CLOSED', to: 'LISTEN' },
    ]);
    expect(reports.map((r) => r.to)).toEqual(['SYN_SENT', 'ESTABLISHED']);
  });

  it('adds self-report to the wire states the program reported, and lists the rest', () => {
    const reports = selfReports([ev('CLOSED', 'SYN_SENT', 10), ev('SYN_SENT', 'ESTABLISHED', 21)]);
    const { timeline, unmatched, notes } = corroborate(wire(['CLOSED', 0], ['SYN_SENT', 9], ['ESTABLISHED', 20]), reports, 1e9);
    expect(timeline.map((e) => e.sources)).toEqual([['wire'], ['wire', 'self-report'], ['wire', 'self-report']]);
    expect(unmatched).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('believes a program that reports no change after a change the wire only inferred', () => {
    const reports = selfReports([ev('CLOSED', 'SYN_SENT', 10), ev('SYN_SENT', 'ESTABLISHED', 20), ev('ESTABLISHED', 'FIN_WAIT_1', 30), ev('FIN_WAIT_1', 'TIME_WAIT', 40)]);
    const w = wire(['CLOSED', 0], ['SYN_SENT', 10], ['ESTABLISHED', 20], ['FIN_WAIT_1', 30], ['TIME_WAIT', 40], ['CLOSED', 50]);
    // Before the program has taken in the segment, its silence means nothing: the wire's CLOSED stands.
    expect(corroborate(w, reports, 50).timeline.at(-1)!.state).toBe('CLOSED');
    const later = corroborate(w, reports, 51);
    expect(later.timeline.at(-1)).toMatchObject({ state: 'TIME_WAIT', notes: ['self-report-stayed'] });
    expect(later.notes.map((n) => n.text)).toEqual(['the wire implies CLOSED; the program reports it stayed in TIME_WAIT']);
  });

  it('drops a state the wire inferred where the program went elsewhere, but keeps one it could not see', () => {
    // A SYN received in SYN_SENT that the stack ignored; later a RST closed it.
    const reports = selfReports([ev('CLOSED', 'SYN_SENT', 10), ev('SYN_SENT', 'CLOSED', 68)]);
    const w = wire(['CLOSED', 0], ['SYN_SENT', 10], ['SYN_RCVD', 65], ['CLOSED', 68]);
    const { timeline, notes } = corroborate(w, reports, 100);
    expect(timeline.map((e) => e.state)).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
    expect(notes.map((n) => n.text)).toEqual(['the wire implies SYN_RCVD; the program reports it went from SYN_SENT to CLOSED instead']);
    // ESTABLISHED entered and left within one segment: the program's scan cannot see it.
    const quick = selfReports([ev('CLOSED', 'SYN_RCVD', 10), ev('SYN_RCVD', 'CLOSE_WAIT', 21)]);
    const passing = wire(['CLOSED', 0], ['SYN_RCVD', 10], ['ESTABLISHED', 20], ['CLOSE_WAIT', 20]);
    passing[2]!.transient = true;
    expect(corroborate(passing, quick, 100).timeline.map((e) => e.state)).toEqual(['CLOSED', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT']);
  });

  it('appends what only the program saw after the wire went quiet', () => {
    const reports = selfReports([ev('CLOSED', 'SYN_SENT', 10), ev('SYN_SENT', 'ESTABLISHED', 20), ev('ESTABLISHED', 'FIN_WAIT_1', 30), ev('FIN_WAIT_1', 'FIN_WAIT_2', 40), ev('FIN_WAIT_2', 'CLOSED', 20_000_040)]);
    const { timeline } = corroborate(wire(['CLOSED', 0], ['SYN_SENT', 10], ['ESTABLISHED', 20], ['FIN_WAIT_1', 30], ['FIN_WAIT_2', 40]), reports, 3e7);
    expect(timeline.at(-1)).toEqual({ state: 'CLOSED', t: 20_000_040, sources: ['self-report'], notes: [] });
  });

  it('reads a connection that dies in SYN_RCVD under an open listener as the endpoint back in LISTEN', () => {
    const listener = { local: '198.18.0.2:10001' };
    const child = { local: '198.18.0.2:10001', peer: '198.18.0.1:5000' };
    const reports = selfReports([ev('CLOSED', 'LISTEN', 5, listener), ev('CLOSED', 'SYN_RCVD', 10, child), ev('SYN_RCVD', 'CLOSED', 20_000_000, child)]);
    const { timeline } = corroborate(wire(['CLOSED', 0], ['LISTEN', 5], ['SYN_RCVD', 10]), reports, 3e7);
    expect(timeline.at(-1)).toEqual({ state: 'LISTEN', t: 20_000_000, sources: ['self-report'], notes: ['listener-remains'] });
    // The same report matches a LISTEN the wire inferred (a RST answering the SYN-ACK).
    const rst = corroborate(wire(['CLOSED', 0], ['LISTEN', 5], ['SYN_RCVD', 10], ['LISTEN', 20_000_000]), reports, 3e7);
    expect(rst.timeline.at(-1)!.sources).toEqual(['wire', 'self-report']);
    expect(rst.unmatched).toEqual([]);
  });
});
