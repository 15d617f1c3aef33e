import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { JunitReporter, junitXml } from '../../../harness/report/junit.js';
import { escapeAttr, escapeText, stripIllegalXmlChars } from '../../../harness/report/xml.js';
import { allVerdicts, sampleRun, specResult, tempDir } from './fixtures.js';

type Node = Record<string, unknown>;

function parse(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true, // also decodes numeric character references such as &#10;
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  });
  return parser.parse(xml) as Node;
}

function suites(doc: Node): Node[] {
  return (doc['testsuites'] as Node)['testsuite'] as Node[];
}

function cases(doc: Node): Node[] {
  return suites(doc).flatMap((s) => s['testcase'] as Node[]);
}

describe('junit.xml', () => {
  it('is written to the run folder and is well-formed', async () => {
    const t = await tempDir();
    try {
      await new JunitReporter(t.dir).onEnd(sampleRun());
      const xml = await readFile(path.join(t.dir, 'junit.xml'), 'utf8');
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
      parse(xml);
    } finally {
      await t.done();
    }
  });

  it('has one testsuite per spec folder, with counts and times in seconds', () => {
    const doc = parse(junitXml(sampleRun()));
    const root = doc['testsuites'] as Node;
    expect(root).toMatchObject({ '@tests': '6', '@failures': '1', '@errors': '1', '@skipped': '2', '@time': '3.456' });
    const bySuite = Object.fromEntries(suites(doc).map((s) => [s['@name'], s]));
    expect(Object.keys(bySuite).sort()).toEqual(['specs/close', 'specs/handshake', 'specs/reset']);
    expect(bySuite['specs/close']).toMatchObject({ '@tests': '2', '@failures': '1', '@errors': '0', '@skipped': '0', '@time': '1.279' });
    expect(bySuite['specs/handshake']).toMatchObject({ '@tests': '3', '@errors': '1', '@skipped': '1' });
  });

  it('maps each verdict', () => {
    const byName = Object.fromEntries(cases(parse(junitXml(sampleRun()))).map((c) => [c['@name'], c]));
    expect(byName['handshake.three-way']).toMatchObject({ '@classname': 'specs/handshake/demo.yaml', '@time': '0.045' });
    expect(Object.keys(byName['handshake.three-way']!).filter((k) => !k.startsWith('@'))).toEqual([]);

    const fail = byName['close.simultaneous']!['failure'] as Node;
    expect(fail['@message']).toBe('a: observed states differ from the expected ones');
    expect(fail['#text']).toBe('a:\n  CLOSED  (wire)\n- CLOSING\n+ TIME_WAIT  (sock_diag)');
    expect(byName['close.simultaneous']!['@classname']).toBe('specs/close/simultaneous.yaml');

    const error = byName['handshake.crash']!['error'] as Node;
    expect(error['@message']).toMatch(/exited with code 1/);
    expect(error['#text']).toBe('stderr of reference-server:\nline 1\nline 2\nbind: Address already in use');

    expect((byName['reset.time-wait']!['skipped'] as Node)['@message']).toBe('skipped: needs root');
    expect((byName['close.half']!['skipped'] as Node)['@message']).toBe('not applicable: target lwip-echo lacks capability shutdown');

    const dev = byName['close.active-time-wait']!;
    expect(dev['failure']).toBeUndefined();
    expect(dev['skipped']).toBeUndefined();
    expect(dev['system-out']).toBe('deviation: TIME_WAIT lasts 60 s on Linux, not 2*MSL (RFC 9293 MUST-13)');
  });

  it('escapes markup and drops characters XML 1.0 cannot hold', () => {
    const nasty = 'a<b>&"c\' ]]> \x00\x07\x1b[31mred\x1b[0m \uD800 lone, \u{1F600} ok\ttab\nline';
    const run = sampleRun([
      specResult('fail', { spec: 'x<y>', file: 'specs/odd & "quoted"/x.yaml', reason: nasty, diff: nasty }),
      ...allVerdicts().slice(0, 1),
    ]);
    const doc = parse(junitXml(run));
    const c = cases(doc)[0]!;
    expect(c['@name']).toBe('x<y>');
    expect(suites(doc)[0]!['@name']).toBe('specs/odd & "quoted"');
    const expected = 'a<b>&"c\' ]]> red  lone, \u{1F600} ok\ttab\nline';
    // Attribute line breaks survive as character references.
    expect((c['failure'] as Node)['@message']).toBe(expected);
    expect((c['failure'] as Node)['#text']).toBe(expected);
  });

  it('escape helpers', () => {
    expect(stripIllegalXmlChars('a\x00b\uFFFEc\uDFFFd\u{10FFFF}')).toBe('abcd\u{10FFFF}');
    expect(escapeText('<&>')).toBe('&lt;&amp;&gt;');
    expect(escapeAttr('"\n\t')).toBe('&quot;&#10;&#9;');
  });

  it('writes an empty but valid document for a run without specs', () => {
    const doc = parse(junitXml(sampleRun([])));
    expect((doc['testsuites'] as Node)['@tests']).toBe('0');
  });
});
