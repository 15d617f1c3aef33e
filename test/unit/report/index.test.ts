import { createReporters, REPORTER_NAMES } from '../../../harness/report/index.js';
import { sink } from './fixtures.js';

const ctx = { outDir: 'reports/x', stdout: sink(), color: false };

describe('createReporters', () => {
  it('builds reporters by name, once each', () => {
    expect(createReporters(['console', 'json', 'junit', 'json'], ctx).map((r) => r.name)).toEqual(['console', 'json', 'junit']);
    expect(createReporters([], ctx)).toEqual([]);
  });

  it('names the known reporters when given an unknown one', () => {
    expect(() => createReporters(['console', 'htm'], ctx)).toThrow('unknown reporter "htm"; known reporters: console, json, junit, html, markdown');
    expect(() => createReporters(['toString'], ctx)).toThrow(/unknown reporter/);
    expect(REPORTER_NAMES).toEqual(['console', 'json', 'junit', 'html', 'markdown']);
  });
});
