import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField } from '../../../src/admin/audit-export.js';

test('CSV fields are quoted per RFC 4180 §2 only when they must be, quotes doubled', () => {
  assert.equal(csvField('plain text'), 'plain text');
  assert.equal(csvField(''), '');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('line\r\nbreak'), '"line\r\nbreak"');
  assert.equal(csvField('line\nbreak'), '"line\nbreak"');
});

test('CSV fields a spreadsheet would run as a formula are neutralised (OWASP CSV Injection)', () => {
  for (const start of ['=', '+', '-', '@', '\t', '\r']) {
    assert.equal(csvField(`${start}1+1`), `"'${start}1+1"`, JSON.stringify(start));
  }
  assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  // Inside a field, the characters are harmless.
  assert.equal(csvField('a=b+c'), 'a=b+c');
  assert.equal(csvField("'quoted already"), "'quoted already");
});
