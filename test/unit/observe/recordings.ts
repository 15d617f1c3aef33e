import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSs } from '../../../harness/observe/sockdiag-parse.js';
import { parseTraceLine } from '../../../harness/observe/tracepoint-parse.js';
import type { EndpointContext, SockDiagSnapshot, TraceEvent } from '../../../harness/observe/types.js';

/** Loads the recordings of test/fixtures/recordings/ (see the README there). */

export const RECORDINGS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/recordings');

export const RECORDING_NAMES = [
  'passive-close-first',
  'client-first-close',
  'half-close',
  'half-close-no-timewait',
  'handshake-syn-recv',
  'handshake-final-ack-lost',
  'simultaneous-close',
  'fin-ack-in-fin-wait-1',
] as const;

export type RecordingName = (typeof RECORDING_NAMES)[number];

/** In every recording: a = client 198.18.0.1, b = server 198.18.0.2 on port 20000. */
export const ENDPOINTS: EndpointContext[] = [
  { name: 'a', role: 'client', addr: '198.18.0.1', port: 20000 },
  { name: 'b', role: 'server', addr: '198.18.0.2', port: 20000 },
];

export function traceLines(name: RecordingName): string[] {
  return fs
    .readFileSync(path.join(RECORDINGS_DIR, `${name}.trace`), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

export function traceEvents(name: RecordingName): TraceEvent[] {
  return traceLines(name).flatMap((l) => parseTraceLine(l) ?? []);
}

export interface RawSnapshot {
  endpoint: string;
  t: number;
  /** The ss output of this snapshot, as recorded. */
  output: string;
}

/** Splits a `.ss` recording at its `@snapshot endpoint=X t_us=N` lines. */
export function rawSnapshots(name: RecordingName): RawSnapshot[] {
  const text = fs.readFileSync(path.join(RECORDINGS_DIR, `${name}.ss`), 'utf8');
  const out: RawSnapshot[] = [];
  for (const line of text.split('\n')) {
    const m = /^@snapshot endpoint=(\S+) t_us=(\d+)$/.exec(line);
    if (m) out.push({ endpoint: m[1]!, t: Number(m[2]), output: '' });
    else if (out.length > 0) out[out.length - 1]!.output += `${line}\n`;
  }
  return out;
}

export function snapshots(name: RecordingName): SockDiagSnapshot[] {
  return rawSnapshots(name).map((s) => ({ t: s.t, endpoint: s.endpoint, sockets: parseSs(s.output) }));
}
