'use strict';
// The fixtures under fixtures/ must be exactly what the installed SDKs
// produce today (record.js --check regenerates them against an emulator
// with a fixed clock and compares), so the Lua specs built on them cannot
// test against stale answers.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const DIR = path.join(__dirname, 'fixtures');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('the fixtures are what the SDKs send and sign today', () => {
  const env = Object.assign({}, process.env);
  const r = spawnSync(process.execPath, [path.join(__dirname, 'record.js'), '--check'],
                      { env, encoding: 'utf8', timeout: 90000 });
  assert.equal(r.status, 0, `record.js --check failed:\n${r.stdout}${r.stderr}`);
});

test('there is one fixture file per SDK and signature kind', () => {
  assert.deepEqual(files, ['acs3.json', 'rpc-v1-credentials.json', 'rpc-v1-kms.json',
                           'rpc-v1-openapi-core.json', 'rpc-v1-pop-core.json',
                           'sls-v1-hmac-sha1.json', 'sls-v1-hmac-sha256.json', 'sls-v4.json']);
});

for (const f of files) {
  const doc = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
  test(`${f}: every entry carries the signature it sent and its string to sign`, () => {
    assert.ok(doc.entries.length >= 2);
    for (const e of doc.entries) {
      const auth = e.request.headers.find(([k]) => k.toLowerCase() === 'authorization');
      if (e.expected.authorization) {
        assert.equal(auth[1], e.expected.authorization, e.name);
      } else {
        const params = e.request.query.concat(e.request.form || []);
        assert.deepEqual(params.filter(([k]) => k === 'Signature').map(([, v]) => v),
                         [e.expected.signature], e.name);
      }
      assert.ok(e.expected.string_to_sign, e.name);
    }
  });
  test(`${f}: covers a security token and non-ASCII or special characters`, () => {
    assert.ok(doc.entries.some((e) => e.credentials.security_token), 'no entry with a security token');
    const values = (e) => e.request.query.concat(e.request.form || []).map(([, v]) => v).join('') +
      e.request.body;
    assert.ok(doc.entries.some((e) => /[^\x00-\x7f]/.test(values(e)) && /[*(!~+ /]/.test(values(e))),
              'no entry with non-ASCII and special characters');
  });
}
