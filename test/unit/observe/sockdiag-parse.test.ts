import { parseSs, parseSsDuration } from '../../../harness/observe/sockdiag-parse.js';
import { RECORDING_NAMES, rawSnapshots } from './recordings.js';

describe('ss parsing: every snapshot of every recording', () => {
  // An independent reading of a socket line, to compare with the parser's.
  const LINE = /^([A-Z0-9-]+)\s+\d+\s+\d+\s+(\S+):(\d+|\*)\s+(\S+):(\d+|\*)\s*(?:timer:\((\w+),([^,]*),(\d+)\))?\s*$/;
  const addr = (a: string) => a.replace(/^\[(.*)\]$/, '$1');
  const port = (p: string) => (p === '*' ? 0 : Number(p));

  it.each(RECORDING_NAMES)('%s', (name) => {
    let sockets = 0;
    for (const snap of rawSnapshots(name)) {
      const lines = snap.output.split('\n').filter((l) => l !== '' && !/^\s/.test(l));
      const parsed = parseSs(snap.output);
      expect(parsed).toHaveLength(lines.length);
      lines.forEach((l, i) => {
        const m = LINE.exec(l);
        expect(m).not.toBeNull();
        const [, state, la, lp, pa, pp, tname, texp, tre] = m!;
        expect(parsed[i]).toEqual({
          state,
          local: { addr: addr(la!), port: port(lp!) },
          peer: { addr: addr(pa!), port: port(pp!) },
          ...(tname ? { timer: { name: tname, expiresMs: parseSsDuration(texp!), retrans: Number(tre) } } : {}),
        });
        expect(parsed[i]?.timer?.expiresMs ?? 0).toBeGreaterThanOrEqual(0);
      });
      sockets += parsed.length;
    }
    expect(sockets).toBeGreaterThan(10);
  });

  it('reads recorded lines exactly: wildcard listeners, v4-mapped addresses, timers', () => {
    // The first recorded socket line containing `has`, parsed on its own.
    const find = (name: (typeof RECORDING_NAMES)[number], has: string) => {
      const lines = rawSnapshots(name).flatMap((s) => s.output.split('\n'));
      return parseSs(lines.find((l) => l.includes(has))!)[0];
    };
    expect(parseSs('LISTEN 0      4      *:20000 *:*\n\t bbr cwnd:10\n')).toEqual([
      { state: 'LISTEN', local: { addr: '*', port: 20000 }, peer: { addr: '*', port: 0 } },
    ]);
    expect(find('simultaneous-close', 'CLOSING')).toMatchObject({
      state: 'CLOSING',
      local: { addr: '::ffff:198.18.0.2', port: 20000 },
      peer: { addr: '::ffff:198.18.0.1', port: 52520 },
    });
    expect(find('fin-ack-in-fin-wait-1', 'LISTEN')).toEqual({
      state: 'LISTEN',
      local: { addr: '0.0.0.0', port: 20000 },
      peer: { addr: '0.0.0.0', port: 0 },
    });
    expect(find('client-first-close', 'timewait,4.980ms')?.timer).toEqual({
      name: 'timewait',
      expiresMs: 4980,
      retrans: 0,
    });
    expect(find('handshake-final-ack-lost', 'on,1.996ms,1')?.timer).toEqual({
      name: 'on',
      expiresMs: 1996,
      retrans: 1,
    });
    expect(find('handshake-syn-recv', 'timewait,1min')?.timer).toEqual({
      name: 'timewait',
      expiresMs: 60000,
      retrans: 0,
    });
    expect(find('handshake-final-ack-lost', 'on,092ms')?.timer).toEqual({ name: 'on', expiresMs: 92, retrans: 0 });
  });
});

describe('ss parsing: synthetic', () => {
  it('reads every form print_ms_timer() produces', () => {
    const cases: Array<[string, number | undefined]> = [
      ['', 0],
      ['096ms', 96],
      ['300ms', 300],
      ['2.996ms', 2996], // iproute2 6.1: seconds, a point, then ms with the unit "ms"
      ['2.996sec', 2996], // after the 2024 fix
      ['2sec', 2000],
      ['59sec', 59000],
      ['1min', 60000],
      ['1min2sec', 62000],
      ['12min', 720000],
      ['1.5ms', undefined],
      ['abc', undefined],
      ['1h', undefined],
    ];
    for (const [text, ms] of cases) expect([text, parseSsDuration(text)]).toEqual([text, ms]);
  });

  it('reads old and new IPv6 spellings, scopes and a Netid column', () => {
    expect(
      parseSs(
        [
          'ESTAB 0 0 [::1]:80 [::1]:4000',
          'ESTAB 0 0 ::1:80 ::1:4001',
          'LISTEN 0 128 :::80 :::*',
          'ESTAB 0 0 [fe80::1]%v0:22 [fe80::2]%v0:5000',
          'ESTAB 0 0 198.18.0.1%v0:22 198.18.0.2:5000',
          'tcp ESTAB 0 0 198.18.0.1:1 198.18.0.2:2',
        ].join('\n'),
      ).map((s) => [s.local.addr, s.local.port, s.peer.addr, s.peer.port]),
    ).toEqual([
      ['::1', 80, '::1', 4000],
      ['::1', 80, '::1', 4001],
      ['::', 80, '::', 0],
      ['fe80::1', 22, 'fe80::2', 5000],
      ['198.18.0.1', 22, '198.18.0.2', 5000],
      ['198.18.0.1', 1, '198.18.0.2', 2],
    ]);
  });

  it('finds the timer among other fields', () => {
    expect(
      parseSs('TIME-WAIT 0 0 198.18.0.1:1 198.18.0.2:2 users:(("x",pid=1,fd=3)) timer:(timewait,59sec,0) ino:0')[0]
        ?.timer,
    ).toEqual({ name: 'timewait', expiresMs: 59000, retrans: 0 });
    expect(parseSs('ESTAB 0 0 198.18.0.1:1 198.18.0.2:2 timer:(keepalive,,3)')[0]?.timer).toEqual({
      name: 'keepalive',
      expiresMs: 0,
      retrans: 3,
    });
    // An unreadable timer is left out, the socket is kept.
    expect(parseSs('ESTAB 0 0 198.18.0.1:1 198.18.0.2:2 timer:(on,soon,0)')).toEqual([
      { state: 'ESTAB', local: { addr: '198.18.0.1', port: 1 }, peer: { addr: '198.18.0.2', port: 2 } },
    ]);
  });

  it('skips headers, info lines and malformed lines without throwing', () => {
    expect(
      parseSs(
        [
          'State Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
          '\t ts sack cubic wscale:7,7 rto:204',
          '\t',
          '',
          'ESTAB 0 0 198.18.0.1:http 198.18.0.2:2',
          'ESTAB x 0 198.18.0.1:1 198.18.0.2:2',
          'ESTAB 0 0 198.18.0.1:70000 198.18.0.2:2',
          'ESTAB 0 0 198.18.0.1',
          'ESTAB 0 0 :1 198.18.0.2:2',
          '\u0000',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});
