import { parseServerCommand } from '../../harness/load/server-command.js';

describe('an ad hoc --server command', () => {
  test('splits words like a shell, quotes and backslashes included, and fills {addr} and {port}', () => {
    const { command } = parseServerCommand(`socat  "TCP-LISTEN:{port},bind={addr}" 'EXEC:cat -u' a\\ b ""`);
    expect(command!.words).toEqual(['socat', 'TCP-LISTEN:{port},bind={addr}', 'EXEC:cat -u', 'a b', '']);
    expect(command!.argv({ addr: '198.18.0.2', port: 10007 })).toEqual(['socat', 'TCP-LISTEN:10007,bind=198.18.0.2', 'EXEC:cat -u', 'a b', '']);
  });

  test.each([
    ['', /empty/],
    ['   ', /empty/],
    [`srv {port} 'open`, /' quote at column 12 is never closed/],
    ['srv {port} \\', /backslash ends the command \(column 12\)/],
    ['srv 7000', /must contain \{port\}/],
    ['srv {port} {tun}', /unknown placeholder \{tun\}/],
  ])('%j is refused: %s', (text, message) => {
    const r = parseServerCommand(text);
    expect(r.command).toBeUndefined();
    expect(r.error).toMatch(message);
  });
});
