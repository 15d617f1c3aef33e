import { renderSpecText, textLadder, textTimelines } from '../../../harness/report/text-ladder.js';
import { realRun, spec, withAllFaults } from './real-results.js';

const ANSI = /\x1b\[/;

describe('the terminal view of a spec', () => {
  const wrong = spec(realRun(), 'wrong.three-way');

  it('heads with the verdict, the reason and the diff', () => {
    const out = renderSpecText(wrong, { color: false });
    const lines = out.split('\n');
    expect(lines[0]).toBe('wrong.three-way  fail  Three-way handshake expecting the client in SYN_RCVD (wrong on purpose)');
    expect(lines[1]).toMatch(/^test\/fixtures\/specs\/wrong\/three-way-wrong\.yaml · \d+ ms · target reference · pcap\/wrong\.three-way\.pcap$/);
    expect(out).toContain('observed states differ from expected for a');
    expect(out).toContain('    - SYN_RCVD');
    expect(out).not.toMatch(ANSI);
  });

  it('draws a ladder: lanes, one arrow per segment in time order, states beside their lane', () => {
    const lines = textLadder(wrong, { color: false });
    expect(lines[0]).toMatch(/^ t \(ms\)\s+a: client \S+\s+b: server \S+$/);
    const arrows = lines.filter((l) => /[▶◀]/.test(l));
    expect(arrows).toHaveLength(wrong.segments.length);
    expect(arrows[0]).toMatch(/│─+ SYN Seq=0 Len=0 ─+▶│$/);
    expect(arrows[1]).toMatch(/│◀─+ SYN\+ACK Seq=0 Ack=1 Len=0 ─+│$/);
    // a's states left of its line, b's right of its line.
    expect(lines.find((l) => l.includes('2. SYN_SENT'))).toMatch(/2\. SYN_SENT │/);
    expect(lines.find((l) => l.includes('3. SYN_RCVD'))).toMatch(/│ 3\. SYN_RCVD$/);
    // Times go down the page.
    const times = lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // Every line is as long as the others up to the last lane: the lanes stay straight.
    const laneCols = lines.slice(1).map((l) => l.lastIndexOf('│'));
    expect(new Set(laneCols.filter((c) => c > 0)).size).toBeLessThanOrEqual(2);
  });

  it('shows timelines to scale and expected against observed', () => {
    const lines = textTimelines(wrong, { color: false, width: 60 });
    expect(lines[0]).toMatch(/ms$/);
    expect(lines.find((l) => l.startsWith('a '))).toContain('ESTABLISHED');
    // To scale: segments closer than one column share a tick.
    const ticks = lines.find((l) => l.startsWith('wire'))!.match(/╵/g)!.length;
    expect(ticks).toBeGreaterThan(1);
    expect(ticks).toBeLessThanOrEqual(wrong.segments.length);
    expect(lines).toContain('-       SYN_RCVD     —');
    expect(lines.some((l) => /^ {5}3 {2}ESTABLISHED {2}ESTABLISHED +\d+\.\d{3}  tracepoint, sock_diag$/.test(l))).toBe(true);
  });

  it('marks dropped and injected segments (EDITED fixture)', () => {
    const lines = textLadder(spec(withAllFaults(realRun()), 'handshake.three-way'), { color: false });
    expect(lines.find((l) => l.includes('dropped'))).toMatch(/╌ SYN Seq=0 Len=0 \[dropped by the relay\] ╌*✕ *│$/);
    expect(lines.find((l) => l.includes('injected'))).toMatch(/◆.*RST Seq=1 Len=0 \[injected by the harness\]/);
    expect(lines.some((l) => /held, released at \d+\.\d{3} ms/.test(l))).toBe(true);
  });

  it('colours only when asked', () => {
    const out = renderSpecText(wrong, { color: true });
    expect(out).toMatch(ANSI);
    expect(out).toContain('\x1b[31mfail\x1b[0m');
    expect(out).toContain('  \x1b[32m  - SYN_RCVD\x1b[0m');
  });
});
