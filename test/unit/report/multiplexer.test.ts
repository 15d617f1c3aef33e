import { jest } from '@jest/globals';
import { ReporterMultiplexer } from '../../../harness/report/multiplexer.js';
import type { Reporter } from '../../../harness/report/reporter.js';
import { sampleRun, specResult } from './fixtures.js';

const runInfo = { run: 'r1', outDir: '/nowhere', total: 2, jobs: 1, startedAt: '2026-01-01T12:00:00.000Z' };
const spec = { id: 'x', title: 'X', file: 'specs/x.yaml', index: 0, total: 2 };

function recorder(name: string, log: string[]): Reporter {
  return {
    name,
    onBegin: () => void log.push(`${name}:begin`),
    onSpecBegin: (s) => void log.push(`${name}:specBegin:${s.id}`),
    onSpecEnd: (r, p) => void log.push(`${name}:specEnd:${r.spec}:${p.done}`),
    onEnd: () => void log.push(`${name}:end`),
  };
}

async function runAll(m: ReporterMultiplexer): Promise<void> {
  await m.onBegin(runInfo);
  await m.onSpecBegin(spec);
  await m.onSpecEnd(specResult('pass', { spec: 'x' }), { done: 1, total: 2 });
  await m.onSpecEnd(specResult('pass', { spec: 'y' }), { done: 2, total: 2 });
  await m.onEnd(sampleRun());
}

describe('ReporterMultiplexer', () => {
  it('calls every hook of every reporter', async () => {
    const log: string[] = [];
    const warn = jest.fn<(line: string) => void>();
    await runAll(new ReporterMultiplexer([recorder('a', log), recorder('b', log)], warn));
    expect(log.filter((l) => l.startsWith('a:'))).toEqual(['a:begin', 'a:specBegin:x', 'a:specEnd:x:1', 'a:specEnd:y:2', 'a:end']);
    expect(log.filter((l) => l.startsWith('b:'))).toHaveLength(5);
    expect(warn).not.toHaveBeenCalled();
  });

  it('isolates a reporter that throws synchronously', async () => {
    const log: string[] = [];
    const warn = jest.fn<(line: string) => void>();
    const bad: Reporter = {
      name: 'bad',
      onBegin: () => void log.push('bad:begin'),
      onSpecEnd: () => {
        log.push('bad:specEnd');
        throw new Error('disk full');
      },
      onEnd: () => void log.push('bad:end'),
    };
    await expect(runAll(new ReporterMultiplexer([bad, recorder('good', log)], warn))).resolves.toBeUndefined();
    expect(log.filter((l) => l.startsWith('bad:'))).toEqual(['bad:begin', 'bad:specEnd']);
    expect(log.filter((l) => l.startsWith('good:'))).toHaveLength(5);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/reporter bad failed in onSpecEnd.*disk full/);
  });

  it('isolates a reporter whose hook rejects', async () => {
    const log: string[] = [];
    const warn = jest.fn<(line: string) => void>();
    const bad: Reporter = {
      name: 'slow-bad',
      onBegin: async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('cannot open file');
      },
      onEnd: () => void log.push('slow-bad:end'),
    };
    await runAll(new ReporterMultiplexer([bad, recorder('good', log)], warn));
    expect(log).not.toContain('slow-bad:end');
    expect(log.filter((l) => l.startsWith('good:'))).toHaveLength(5);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/slow-bad.*onBegin.*cannot open file/);
  });

  it('survives a non-Error throw and a warn function that throws', async () => {
    const bad: Reporter = {
      name: 'weird',
      onBegin: () => {
        throw 'a string';
      },
    };
    const warn = jest.fn<(line: string) => void>(() => {
      throw new Error('stderr closed');
    });
    await expect(new ReporterMultiplexer([bad], warn).onBegin(runInfo)).resolves.toBeUndefined();
    expect(warn.mock.calls[0]?.[0]).toMatch(/a string/);
  });

  it('keeps each reporter\'s hooks in call order when the caller does not wait', async () => {
    const log: string[] = [];
    const slow: Reporter = {
      name: 'slow',
      onBegin: async () => {
        await new Promise((r) => setTimeout(r, 20));
        log.push('begin');
      },
      onSpecEnd: (r) => void log.push(`end:${r.spec}`),
    };
    const m = new ReporterMultiplexer([slow], () => undefined);
    const pending = [
      m.onBegin(runInfo),
      m.onSpecEnd(specResult('pass', { spec: 'x' }), { done: 1, total: 2 }),
      m.onSpecEnd(specResult('pass', { spec: 'y' }), { done: 2, total: 2 }),
    ];
    await Promise.all(pending);
    expect(log).toEqual(['begin', 'end:x', 'end:y']);
  });

  it('works with reporters that implement no hooks', async () => {
    await expect(runAll(new ReporterMultiplexer([{ name: 'empty' }], () => undefined))).resolves.toBeUndefined();
  });
});
