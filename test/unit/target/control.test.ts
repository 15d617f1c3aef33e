import { ControlChannel, ControlError } from '../../../harness/target/control.js';

/** The control channel's client side, fed by hand: replies, events, garbage, floods. */

function channel() {
  const written: string[] = [];
  const garbage: string[] = [];
  const why: (string | undefined)[] = [];
  const ch = new ControlChannel(
    (line) => written.push(line),
    (line, reason) => {
      garbage.push(line);
      why.push(reason);
      ch.fail(new Error(`garbage: ${line.slice(0, 20)}`));
    },
  );
  return { ch, written, garbage, why };
}

describe('ControlChannel', () => {
  test('matches replies to requests by id, in any order, across chunk boundaries', async () => {
    const { ch, written } = channel();
    const a = ch.request('listen', { port: 1 }, 1000);
    const b = ch.request('accept', {}, 1000);
    expect(written.map((l) => JSON.parse(l) as { id: number; op: string })).toEqual([
      { id: 1, op: 'listen', port: 1 },
      { id: 2, op: 'accept' },
    ]);
    ch.feed('{"id":2,"ok":true,"conn":2}\n{"id":1,"o');
    ch.feed('k":true,"conn":1}\n');
    await expect(a).resolves.toMatchObject({ conn: 1 });
    await expect(b).resolves.toMatchObject({ conn: 2 });
  });

  test('a second reply to an answered request is named as such, not as garbage', async () => {
    const { ch, garbage, why } = channel();
    const p = ch.request('connect', {}, 1000);
    ch.feed('{"id":1,"ok":true,"conn":1,"pending":true}\n');
    await expect(p).resolves.toMatchObject({ pending: true });
    ch.feed('{"id":1,"ok":false,"errno":"EBADF"}\n');
    expect(garbage).toEqual(['{"id":1,"ok":false,"errno":"EBADF"}']);
    expect(why).toEqual(['a second or late reply to request 1, which was answered or given up already']);
  });

  test('a reply to an id never issued is garbage', () => {
    const { ch, garbage, why } = channel();
    ch.feed('{"id":7,"ok":true}\n');
    expect(garbage).toEqual(['{"id":7,"ok":true}']);
    expect(why).toEqual([undefined]);
  });

  test('a failed reply rejects with the errno and message', async () => {
    const { ch } = channel();
    const p = ch.request('listen', {}, 1000);
    ch.feed('{"id":1,"ok":false,"errno":"EADDRINUSE","message":"Address already in use"}\n');
    await expect(p).rejects.toThrow('listen failed: EADDRINUSE (Address already in use)');
    await expect(p).rejects.toBeInstanceOf(ControlError);
  });

  test('garbage fails every pending request at once, and nothing more is read', async () => {
    const { ch, garbage } = channel();
    const p = ch.request('close', { conn: 1 }, 60_000);
    ch.feed('PANIC\n{"id":1,"ok":true}\nmore garbage\n');
    await expect(p).rejects.toThrow('garbage: PANIC');
    expect(garbage).toEqual(['PANIC']);
    expect(ch.failed?.message).toBe('garbage: PANIC');
    await expect(ch.request('close', {}, 1000)).rejects.toThrow('garbage: PANIC');
  });

  test('a line longer than 1 MiB without a newline is garbage, and memory stays bounded', () => {
    const { ch, garbage } = channel();
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 20; i++) ch.feed(chunk);
    expect(garbage).toHaveLength(1);
    expect(garbage[0]!.length).toBeLessThanOrEqual(200);
  });

  test('a flood of well-formed events keeps the ready event and the newest, at most 2000 in all', async () => {
    const { ch } = channel();
    ch.feed('{"event":"ready","role":"server"}\n');
    for (let i = 0; i < 50; i++) ch.feed(Array.from({ length: 1000 }, (_, j) => `{"event":"noise","n":${i * 1000 + j}}\n`).join(''));
    expect(ch.events.length).toBeLessThanOrEqual(2000);
    expect(ch.events.length).toBeGreaterThanOrEqual(1000);
    expect(ch.events[0]).toMatchObject({ event: 'ready' });
    expect(ch.events.at(-1)).toMatchObject({ event: 'noise', n: 49_999 });
    await expect(ch.waitEvent((e) => e.event === 'ready', 10, 'ready')).resolves.toMatchObject({ role: 'server' });
  });

  test('many lines in one chunk are each handled, the last one included', () => {
    const { ch } = channel();
    ch.feed(Array.from({ length: 200_000 }, (_, n) => `{"event":"noise","n":${n}}\n`).join('')); // 5 MB
    expect(ch.events.at(-1)).toMatchObject({ n: 199_999 });
    expect(ch.events.at(-1000)).toMatchObject({ n: 199_000 });
  });

  test('a request without a reply times out', async () => {
    const { ch } = channel();
    await expect(ch.request('recv', { conn: 1 }, 20)).rejects.toThrow('recv: no reply within 20 ms');
  });
});
