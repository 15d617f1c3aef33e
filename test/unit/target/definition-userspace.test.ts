import path from 'node:path';
import { loadTargetFile, resolveTarget, TARGETS_DIR } from '../../../harness/target/definition.js';

describe('target files: userspace stacks', () => {
  it('loads the bundled lwIP target and fills {lwip}, {tap} and {addr}', () => {
    const file = path.join(TARGETS_DIR, 'lwip.yaml');
    const { target, diagnostics } = loadTargetFile(file);
    expect(diagnostics).toEqual([]);
    expect(target!.stack).toBe('userspace');
    const resolved = resolveTarget(target!, file, '', undefined, '/opt/lwip');
    expect(resolved.stack).toBe('userspace');
    expect(resolved.argv('server', { addr: '198.18.0.2', port: 10000, tap: 'tc0a1b2ctap' })).toEqual([
      '/opt/lwip/tcplwip',
      'server',
      'tc0a1b2ctap',
      '198.18.0.2',
    ]);
    expect(resolved.deviations!.flatMap((d) => d.specs)).toContain('close.rst-in-time-wait');
  });

  it('refuses a stack it does not know, naming both it knows', () => {
    const text = "id: x\ntitle: x\nstack: userland\ncontrol: protocol\nroles:\n  server:\n    argv: ['{tap}']\n";
    const { diagnostics } = loadTargetFile('x.yaml', text);
    expect(diagnostics.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`)).toEqual(['wrong-value 3:8 stack must be one of: kernel, userspace']);
  });
});
