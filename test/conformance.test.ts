import { describeConformance } from '../dist/jest/index.cjs';

/**
 * The bundled catalog against the bundled reference programs, one jest test
 * per spec, through the jest integration that other projects use
 * (docs/jest.md). It needs root, like every run.
 */
describeConformance({ title: 'bundled catalog against the reference', out: 'reports/jest-conformance' });
