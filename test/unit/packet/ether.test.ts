import {
  answerArp,
  BROADCAST_MAC,
  decodeArp,
  decodeEthernet,
  encodeArp,
  encodeEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  formatMac,
} from '../../../harness/packet/ether.js';

const stack = Uint8Array.from([0x02, 0x12, 0x34, 0x56, 0x78, 0xab]);
const relay = Uint8Array.from([0x02, 0x74, 0x63, 0, 0, 1]);
const ip = (text: string) => Uint8Array.from(text.split('.').map(Number));

function arpRequest(sender: string, target: string): Uint8Array {
  const payload = encodeArp({ op: 1, senderMac: stack, senderIp: ip(sender), targetMac: new Uint8Array(6), targetIp: ip(target) });
  return encodeEthernet({ dst: BROADCAST_MAC, src: stack, type: ETHERTYPE_ARP, payload });
}

describe('Ethernet and ARP', () => {
  it('frames and unframes an IPv4 packet, dropping the padding of a short frame', () => {
    const packet = new Uint8Array(40);
    packet[0] = 0x45;
    packet[3] = 40;
    const frame = encodeEthernet({ dst: stack, src: relay, type: ETHERTYPE_IPV4, payload: packet });
    const padded = new Uint8Array(frame.length + 6);
    padded.set(frame);
    const decoded = decodeEthernet(padded)!;
    expect(formatMac(decoded.dst)).toBe('02:12:34:56:78:ab');
    expect(formatMac(decoded.src)).toBe('02:74:63:00:00:01');
    expect(decoded.type).toBe(ETHERTYPE_IPV4);
    expect(Array.from(decoded.payload)).toEqual(Array.from(packet));
    expect(decodeEthernet(new Uint8Array(13))).toBeUndefined();
  });

  it('answers a request for another address with our hardware address, to the asker', () => {
    const answer = decodeEthernet(answerArp(decodeEthernet(arpRequest('198.18.0.2', '198.18.0.1'))!, relay)!)!;
    expect(answer.type).toBe(ETHERTYPE_ARP);
    expect(formatMac(answer.dst)).toBe(formatMac(stack));
    const arp = decodeArp(answer.payload)!;
    expect(arp.op).toBe(2);
    expect(formatMac(arp.senderMac)).toBe(formatMac(relay));
    expect(Array.from(arp.senderIp)).toEqual([198, 18, 0, 1]);
    expect(formatMac(arp.targetMac)).toBe(formatMac(stack));
    expect(Array.from(arp.targetIp)).toEqual([198, 18, 0, 2]);
  });

  it('leaves gratuitous ARP, replies and other frames unanswered', () => {
    expect(answerArp(decodeEthernet(arpRequest('198.18.0.2', '198.18.0.2'))!, relay)).toBeUndefined();
    const reply = encodeArp({ op: 2, senderMac: stack, senderIp: ip('198.18.0.2'), targetMac: relay, targetIp: ip('198.18.0.1') });
    expect(answerArp(decodeEthernet(encodeEthernet({ dst: relay, src: stack, type: ETHERTYPE_ARP, payload: reply }))!, relay)).toBeUndefined();
    expect(answerArp(decodeEthernet(encodeEthernet({ dst: relay, src: stack, type: ETHERTYPE_IPV4, payload: new Uint8Array(20) }))!, relay)).toBeUndefined();
    expect(decodeArp(new Uint8Array(27))).toBeUndefined();
  });
});
