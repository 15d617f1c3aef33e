import type { SegmentResult } from '../run/results.js';
import { ms } from './time.js';

/** How segments are named in every human-facing report, so the HTML, the terminal and tshark read alike. */

/** `SYN+ACK Seq=0 Ack=1 Len=0`, as Wireshark's info column puts it. */
export function segmentLabel(s: SegmentResult): string {
  const ack = s.flags.split('+').includes('ACK') ? ` Ack=${s.ack}` : '';
  return `${s.flags} Seq=${s.seq}${ack} Len=${s.len}`;
}

/** What the relay did with a segment under a wire rule, in words; undefined when it passed untouched. */
export function faultLabel(s: SegmentResult): string | undefined {
  if (!s.fault) return undefined;
  const when = s.releasedMs !== undefined ? `, released at ${ms(s.releasedMs)} ms` : '';
  switch (s.fault) {
    case 'dropped':
      return 'dropped by the relay';
    case 'held':
      return `held${when}`;
    case 'delayed':
      return `delayed${when}`;
    case 'duplicated':
      return 'duplicated by the relay';
    case 'injected':
      return 'injected by the harness';
    default:
      // A fault this version does not know yet (results from a newer run): its name says enough.
      return String(s.fault);
  }
}

export type FlagKind = 'rst' | 'syn' | 'fin' | 'ack';

/** The most telling flag of a segment, which decides its colour: RST, then SYN, then FIN. */
export function flagKind(flags: string): FlagKind {
  const f = flags.split('+');
  if (f.includes('RST')) return 'rst';
  if (f.includes('SYN')) return 'syn';
  if (f.includes('FIN')) return 'fin';
  return 'ack';
}
