import { applicability, needsOf } from '../../../harness/run/applicability.js';
import { loadSpecFile } from '../../../harness/spec/load.js';
import { loadTargetFile, resolveTarget, type ResolvedTarget } from '../../../harness/target/definition.js';

/** Which specs a target can take part in, decided before any lab is made. */

function target(text: string): ResolvedTarget {
  const { target: t, diagnostics } = loadTargetFile('t.yaml', `id: t\ntitle: T\nstack: kernel\n${text}`);
  expect(diagnostics).toEqual([]);
  return resolveTarget(t!, 't.yaml', '');
}

const spec = (steps: string, b = '{ role: server }', expectB = '[CLOSED, LISTEN, SYN_RCVD, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED]') => {
  const { spec: s, diagnostics } = loadSpecFile(
    's.yaml',
    `id: s\ntitle: S\nendpoints:\n  a: { role: client }\n  b: ${b}\nsteps:\n${steps}expect:\n  a: [CLOSED, SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT]\n  b: ${expectB}\n`,
  );
  expect(diagnostics).toEqual([]);
  return s!;
};

const STEPS = '  - b: listen\n  - a: connect\n  - b: accept\n  - await: { a: ESTABLISHED, b: ESTABLISHED }\n  - a: close\n  - await: { a: TIME_WAIT, b: CLOSED }\n';
const reference = target('control: protocol\nroles: { server: { argv: [s] }, client: { argv: [c] } }\n');
const echo = target('control: none\ncapabilities: [echoes, closes-on-eof]\nroles: { server: { argv: [e] } }\n');

describe('applicability', () => {
  test('needs come from the steps, the declared behaviours, and what the spec expects the server not to do', () => {
    expect(needsOf(spec(STEPS, '{ role: server, needs: [closes-on-eof] }'), 'b').sort()).toEqual(['accept', 'closes-on-eof', 'listen']);
    expect(needsOf(spec(STEPS), 'b').sort()).toEqual(['accept', 'listen', 'quiet']);
    // A connected client that names no behaviour is expected to do only what it is told.
    expect(needsOf(spec(STEPS), 'a').sort()).toEqual(['close', 'connect', 'quiet']);
  });

  test('a spec that needs a behaviour the server lacks is not applicable, with the reason', () => {
    const s = spec(STEPS, '{ role: server, needs: [answers-http] }');
    expect(applicability(s, { a: reference, b: echo })).toEqual({
      verdict: 'not-applicable',
      reason: 'b (t server) lacks answers-http: answers an HTTP/1.0 request with a response',
    });
    expect(applicability(spec(STEPS, '{ role: server, needs: [echoes, closes-on-eof] }'), { a: reference, b: echo })).toBeUndefined();
  });

  test('a target whose programs are missing is an error that says what to install', () => {
    const missing = target('control: none\nrequires: [{ program: tcpconform-no-such-server, debian: nginx-light }]\ncapabilities: [closes-on-eof]\nroles: { server: { argv: [e] } }\n');
    expect(applicability(spec(STEPS, '{ role: server, needs: [closes-on-eof] }'), { a: reference, b: missing })).toEqual({
      verdict: 'error',
      reason: 'target t needs tcpconform-no-such-server, not found in PATH; install with: apt-get install -y nginx-light',
    });
  });
});
