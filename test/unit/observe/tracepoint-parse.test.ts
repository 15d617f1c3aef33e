import { parseSynackRetransmit, parseTraceLine } from '../../../harness/observe/tracepoint-parse.js';
import { RECORDING_NAMES, traceLines } from './recordings.js';

describe('tracepoint parsing: every line of every recording', () => {
  // An independent reading of the same line, to compare with the parser's.
  const FIELDS = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d{6}): (\w+): (.*)$/;

  it.each(RECORDING_NAMES)('%s', (name) => {
    let events = 0;
    for (const line of traceLines(name)) {
      const ev = parseTraceLine(line);
      const synack = parseSynackRetransmit(line);
      if (line.startsWith('#')) {
        expect([ev, synack]).toEqual([undefined, undefined]);
        continue;
      }
      const m = FIELDS.exec(line);
      expect(m).not.toBeNull();
      const [, comm, pid, cpu, flags, ts, event, body] = m!;
      const kv = Object.fromEntries(body!.split(' ').map((f) => f.split('=') as [string, string]));
      const v6 = kv.family === 'AF_INET6';
      const t = Math.round(Number(ts) * 1e6);
      const addrs = { saddr: v6 ? kv.saddrv6 : kv.saddr, daddr: v6 ? kv.daddrv6 : kv.daddr };
      if (event === 'inet_sock_set_state') {
        events++;
        expect(synack).toBeUndefined();
        expect(ev).toEqual({
          t,
          family: v6 ? 6 : 4,
          sport: Number(kv.sport),
          dport: Number(kv.dport),
          ...addrs,
          oldstate: kv.oldstate!.replace(/^TCP_/, ''),
          newstate: kv.newstate!.replace(/^TCP_/, ''),
          ctx: { task: `${comm!.trim()}-${pid}`, cpu: Number(cpu), flags },
        });
      } else {
        expect(event).toBe('tcp_retransmit_synack');
        expect(ev).toBeUndefined();
        expect(synack).toEqual({ t, ...addrs, sport: Number(kv.sport), dport: Number(kv.dport) });
      }
    }
    expect(events).toBeGreaterThan(5);
  });

  it('reads the recorded lines exactly (IPv4, IPv6 wildcard listener, v4-mapped, ksoftirqd, synack)', () => {
    const line = (name: (typeof RECORDING_NAMES)[number], has: string) =>
      traceLines(name).find((l) => l.includes(has))!;
    expect(parseTraceLine(line('passive-close-first', 'newstate=TCP_SYN_RECV'))).toEqual({
      t: 262361069,
      family: 4,
      sport: 20000,
      dport: 35750,
      saddr: '198.18.0.2',
      daddr: '198.18.0.1',
      oldstate: 'LISTEN',
      newstate: 'SYN_RECV',
      ctx: { task: 'python3-2473', cpu: 1, flags: '..s2.' },
    });
    expect(parseTraceLine(line('simultaneous-close', 'newstate=TCP_LISTEN'))).toEqual({
      t: 1471918030,
      family: 6,
      sport: 20000,
      dport: 0,
      saddr: '::',
      daddr: '::',
      oldstate: 'CLOSE',
      newstate: 'LISTEN',
      ctx: { task: 'python3-23543', cpu: 1, flags: '.....' },
    });
    expect(parseTraceLine(line('simultaneous-close', 'newstate=TCP_CLOSING'))).toMatchObject({
      family: 6,
      saddr: '::ffff:198.18.0.2',
      daddr: '::ffff:198.18.0.1',
      ctx: { task: 'python3-23533', cpu: 0, flags: 'b..1.' },
    });
    expect(parseTraceLine(line('client-first-close', 'ksoftirqd'))?.ctx).toEqual({
      task: 'ksoftirqd/1-22',
      cpu: 1,
      flags: '..s1.',
    });
    expect(parseTraceLine(line('passive-close-first', '<idle>'))?.ctx?.task).toBe('<idle>-0');
    expect(parseSynackRetransmit(line('handshake-final-ack-lost', 'tcp_retransmit_synack'))).toEqual({
      t: 1468220079,
      saddr: '198.18.0.2',
      daddr: '198.18.0.1',
      sport: 20000,
      dport: 48142,
    });
  });
});

describe('tracepoint parsing: synthetic lines', () => {
  const body =
    'family=AF_INET protocol=IPPROTO_TCP sport=1 dport=2 saddr=198.18.0.1 daddr=198.18.0.2 ' +
    'saddrv6=::ffff:198.18.0.1 daddrv6=::ffff:198.18.0.2 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT';

  it('ignores comments, lost-event notices, other events and garbage without throwing', () => {
    for (const line of [
      '',
      '# tracer: nop',
      '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
      'CPU:1 [LOST 12 EVENTS]',
      '##### CPU 1 buffer started ####',
      `  python3-1 [000] .....   1.000001: tcp_probe: ${body}`,
      `  python3-1 [000] .....   1.000001: inet_sock_set_state: family=AF_INET`,
      `  python3-1 [000] .....   1.000001: inet_sock_set_state: ${body.replace('AF_INET ', 'AF_UNIX ')}`,
      `  python3-1 [000] .....   1.000001: inet_sock_set_state: ${body.replace('sport=1 ', 'sport=70000 ')}`,
      `  python3-1 [000] .....   1.000001: inet_sock_set_state: ${body.replace('newstate=TCP_SYN_SENT', 'newstate=')}`,
      'inet_sock_set_state: ' + body,
      '\u0000\uffff[]:=',
    ]) {
      expect(parseTraceLine(line)).toBeUndefined();
      expect(parseSynackRetransmit(line)).toBeUndefined();
    }
  });

  it('ignores SCTP and MPTCP sockets', () => {
    for (const p of ['IPPROTO_SCTP', 'IPPROTO_MPTCP']) {
      const line = `  python3-1 [000] .....   1.000001: inet_sock_set_state: ${body.replace('IPPROTO_TCP', p)}`;
      expect(parseTraceLine(line)).toBeUndefined();
    }
  });

  it('accepts a tgid column, a missing flags column, nanosecond timestamps and bare state names', () => {
    expect(parseTraceLine(`  python3-1 (    1) [003] d.s1. 5.000001: inet_sock_set_state: ${body}`)).toMatchObject({
      t: 5000001,
      ctx: { task: 'python3-1', cpu: 3, flags: 'd.s1.' },
    });
    expect(parseTraceLine(`  python3-1 [003] 5.000001: inet_sock_set_state: ${body}`)).toMatchObject({
      t: 5000001,
      ctx: { task: 'python3-1', cpu: 3, flags: '' },
    });
    expect(parseTraceLine(`  x-1 [0] ..... 7.0000015: inet_sock_set_state: ${body}`)?.t).toBe(7000002);
    expect(parseTraceLine(`  x-1 [0] ..... 7.0000014: inet_sock_set_state: ${body}`)?.t).toBe(7000001);
    const bare = body.replace('TCP_CLOSE', 'CLOSE').replace('TCP_SYN_SENT', 'NEW_SYN_RECV');
    expect(parseTraceLine(`  x-1 [0] ..... 1.5: inet_sock_set_state: ${bare}`)).toMatchObject({
      t: 1500000,
      oldstate: 'CLOSE',
      newstate: 'NEW_SYN_RECV',
    });
  });

  it('keeps task names with dashes, slashes and spaces', () => {
    expect(
      parseTraceLine(`  kworker/u4:1-my-task-77 [0] ..... 1.000000: inet_sock_set_state: ${body}`)?.ctx?.task,
    ).toBe('kworker/u4:1-my-task-77');
    expect(parseTraceLine(`  Web Content-901 [0] ..... 1.000000: inet_sock_set_state: ${body}`)?.ctx?.task).toBe(
      'Web Content-901',
    );
  });

  it('uses the IPv6 fields of an AF_INET6 socket', () => {
    const v6 = body
      .replace('AF_INET ', 'AF_INET6 ')
      .replace('saddr=198.18.0.1', 'saddr=127.0.0.6')
      .replace('saddrv6=::ffff:198.18.0.1', 'saddrv6=2001:db8::1')
      .replace('daddrv6=::ffff:198.18.0.2', 'daddrv6=2001:db8::2');
    expect(parseTraceLine(`  x-1 [0] ..... 1.000000: inet_sock_set_state: ${v6}`)).toMatchObject({
      family: 6,
      saddr: '2001:db8::1',
      daddr: '2001:db8::2',
    });
  });
});
