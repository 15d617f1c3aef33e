/**
 * Sentences of RFC 9293 §3.10.7 (SEGMENT ARRIVES), quoted verbatim: the
 * reaction oracle cites them for every cell it prescribes. Keys name the
 * step; `section` is where the sentence stands.
 */

export interface Citation {
  section: string;
  text: string;
}

function cite(section: string, text: string): Citation {
  return { section, text };
}

export const RFC = {
  closedRst: cite('3.10.7.1', 'An incoming segment containing a RST is discarded.'),
  closedReset: cite(
    '3.10.7.1',
    'An incoming segment not containing a RST causes a RST to be sent in response. ... If the ACK bit is off, sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>',
  ),

  listenRst: cite('3.10.7.2', 'An incoming RST should be ignored. Return.'),
  listenAck: cite(
    '3.10.7.2',
    'Any acknowledgment is bad if it arrives on a connection still in the LISTEN state. An acceptable reset segment should be formed for any arriving ACK-bearing segment. The RST should be formatted as follows: <SEQ=SEG.ACK><CTL=RST>',
  ),
  listenSyn: cite(
    '3.10.7.2',
    'Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ, and any other control or text should be queued for processing later. ISS should be selected and a SYN segment sent of the form: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> ... The connection state should be changed to SYN-RECEIVED.',
  ),
  listenOther: cite('3.10.7.2', 'This should not be reached. Drop the segment and return.'),

  synSentBadAck: cite(
    '3.10.7.3',
    'If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the RST bit is set, if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST> and discard the segment. Return.',
  ),
  synSentRst: cite(
    '3.10.7.3',
    'If the ACK was acceptable, then signal to the user "error: connection reset", drop the segment, enter CLOSED state, delete TCB, and return. Otherwise (no ACK), drop the segment and return.',
  ),
  synSentSynAcked: cite(
    '3.10.7.3',
    'If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED, form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it.',
  ),
  synSentSyn: cite(
    '3.10.7.3',
    'Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it. ... If there are other controls or text in the segment, queue them for processing after the ESTABLISHED state has been reached, return.',
  ),
  synSentNeither: cite('3.10.7.3', 'Fifth, if neither of the SYN or RST bits is set, then drop the segment and return.'),

  unacceptable: cite(
    '3.10.7.4',
    'If an incoming segment is not acceptable, an acknowledgment should be sent in reply (unless the RST bit is set, if so drop the segment and return): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
  ),
  held: cite(
    '3.10.7.4',
    'Segments with higher beginning sequence numbers SHOULD be held for later processing (SHLD-31).',
  ),
  mayAck: cite(
    '3.10.7.4',
    'A TCP implementation MAY send an ACK segment acknowledging RCV.NXT when a valid segment arrives that is in the window but not at the left window edge (MAY-13).',
  ),
  rst5961Exact: cite(
    '3.10.7.4',
    'If the RST bit is set and the sequence number exactly matches the next expected sequence number (RCV.NXT), then TCP endpoints MUST reset the connection in the manner prescribed below according to the connection state.',
  ),
  rst5961Challenge: cite(
    '3.10.7.4',
    'If the RST bit is set and the sequence number does not exactly match the next expected sequence value, yet is within the current receive window, TCP endpoints MUST send an acknowledgment (challenge ACK): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
  ),
  rstSynRcvd: cite(
    '3.10.7.4',
    'If this connection was initiated with a passive OPEN (i.e., came from the LISTEN state), then return this connection to LISTEN state and return. The user need not be informed.',
  ),
  rstSynchronized: cite(
    '3.10.7.4',
    'If the RST bit is set, then any outstanding RECEIVEs and SEND should receive "reset" responses. All segment queues should be flushed. Users should also receive an unsolicited general "connection reset" signal. Enter the CLOSED state, delete the TCB, and return.',
  ),
  rstClosing: cite('3.10.7.4', 'If the RST bit is set, then enter the CLOSED state, delete the TCB, and return.'),
  synSynRcvd: cite(
    '3.10.7.4',
    'If the connection was initiated with a passive OPEN, then return this connection to the LISTEN state and return.',
  ),
  syn5961: cite(
    '3.10.7.4',
    'RFC 5961 recommends that in these synchronized states, if the SYN bit is set, irrespective of the sequence number, TCP endpoints MUST send a "challenge ACK" to the remote peer: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
  ),
  syn793: cite(
    '3.10.7.4',
    'For implementations that do not follow RFC 5961, the original behavior described in RFC 793 follows in this paragraph. If the SYN is in the window it is an error: send a reset, any outstanding RECEIVEs and SEND should receive "reset" responses, all segment queues should be flushed, the user should also receive an unsolicited general "connection reset" signal, enter the CLOSED state, delete the TCB, and return.',
  ),
  noAck: cite('3.10.7.4', 'if the ACK bit is off, drop the segment and return'),
  ack5961: cite(
    '3.10.7.4',
    "TCP stacks that implement RFC 5961 MUST add an input check that the ACK value is acceptable only if it is in the range of ((SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT). All incoming segments whose ACK value doesn't satisfy the above condition MUST be discarded and an ACK sent back.",
  ),
  ackSynRcvd: cite('3.10.7.4', 'If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state and continue processing'),
  ackSynRcvdBad: cite('3.10.7.4', 'If the segment acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST> and send it.'),
  ackEstablished: cite('3.10.7.4', 'If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK.'),
  ackTooNew: cite('3.10.7.4', 'If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the segment, and return.'),
  ackFinWait1: cite(
    '3.10.7.4',
    'In addition to the processing for the ESTABLISHED state, if the FIN segment is now acknowledged, then enter FIN-WAIT-2 and continue processing in that state.',
  ),
  ackClosing: cite(
    '3.10.7.4',
    'In addition to the processing for the ESTABLISHED state, if the ACK acknowledges our FIN, then enter the TIME-WAIT state; otherwise, ignore the segment.',
  ),
  ackLastAck: cite(
    '3.10.7.4',
    'The only thing that can arrive in this state is an acknowledgment of our FIN. If our FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return.',
  ),
  ackTimeWait: cite(
    '3.10.7.4',
    'The only thing that can arrive in this state is a retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL timeout.',
  ),
  text: cite(
    '3.10.7.4',
    'When the TCP endpoint takes responsibility for delivering the data to the user, it must also acknowledge the receipt of the data. ... Send an acknowledgment of the form: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>',
  ),
  textIgnored: cite('3.10.7.4', 'This should not occur since a FIN has been received from the remote side. Ignore the segment text.'),
  fin: cite(
    '3.10.7.4',
    'If the FIN bit is set, signal the user "connection closing" and return any pending RECEIVEs with same message, advance RCV.NXT over the FIN, and send an acknowledgment for the FIN.',
  ),
  finToCloseWait: cite('3.10.7.4', 'SYN-RECEIVED STATE, ESTABLISHED STATE: Enter the CLOSE-WAIT state.'),
  finFinWait1: cite(
    '3.10.7.4',
    'If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT, start the time-wait timer, turn off the other timers; otherwise, enter the CLOSING state.',
  ),
  finFinWait2: cite('3.10.7.4', 'Enter the TIME-WAIT state. Start the time-wait timer, turn off the other timers.'),
  finRemain: cite('3.10.7.4', 'CLOSE-WAIT STATE: Remain in the CLOSE-WAIT state. CLOSING STATE: Remain in the CLOSING state. LAST-ACK STATE: Remain in the LAST-ACK state.'),
  finTimeWait: cite('3.10.7.4', 'Remain in the TIME-WAIT state. Restart the 2 MSL time-wait timeout.'),
} as const;
