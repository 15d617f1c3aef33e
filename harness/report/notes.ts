/**
 * One-line meanings of the notes fusion puts on observed states (the full
 * rules are in docs/observers.md). Reports show them beside the note, so a
 * reader need not look them up; a note not listed here is shown as it is.
 */
export const NOTE_MEANING: Readonly<Record<string, string>> = {
  'start-closed': 'no observer saw CLOSED; the timeline starts there by definition',
  'synrecv-child': "the accepted child socket's LISTEN->SYN_RECV (its time from ss when ss saw SYN-RECV earlier)",
  'synrecv-request': 'seen only as a request socket in ss (SYN-RECV)',
  'synrecv-request-gone': "the request socket vanished from ss: back in LISTEN",
  'timewait-handover': 'the connection went on in a timewait socket; TIME_WAIT as ss showed it',
  'fin-wait-2-timewait': 'an orphaned socket handed over to a FIN-WAIT-2 timewait socket',
  'timewait-unseen': 'no timewait socket in any ss snapshot: CLOSED as the tracepoint showed',
  'ss-only': 'seen by ss only',
  'one-segment': 'entered and left while the stack processed one segment',
};

export function noteMeaning(note: string): string | undefined {
  return Object.hasOwn(NOTE_MEANING, note) ? NOTE_MEANING[note] : undefined;
}
