'use strict';
// Controls for the tampering: changing one byte of a value that no
// signature covers (User-Agent) must NOT be refused, for each signer.  This
// shows that the refusals in the other suites come from the signature
// check, not from the tampering itself or an over-eager verifier.

const test = require('node:test');
const assert = require('node:assert/strict');
const { peer, change1, trace } = require('./harness');
const S = require('./sdk');

const calls = {
  'SLS V1 hmac-sha1 (@alicloud/log)': () => S.log(S.ROOT).getProject(S.PROJECT),
  'SLS V4 (sls20201230)': () => S.sls(S.ROOT, { signature: 'v4' }).getProject(S.PROJECT),
  'ACS3 (sts20150401)': () => S.sts(S.ROOT).getCallerIdentity(),
  'RPC V1 GET (pop-core)': () => S.pop(S.ROOT, 'https://sts.aliyuncs.com', '2015-04-01')
    .request('GetCallerIdentity', {}),
  'RPC V1 POST query (kms20160120)': () => S.kms(S.ROOT).listAliases(new S.Kms.ListAliasesRequest({})),
};

for (const [name, run] of Object.entries(calls)) {
  test(`${name}: a changed User-Agent byte (unsigned) is still accepted`, async () => {
    peer.tamper(change1.header('user-agent'));
    const cap = await peer.capture(run);
    assert.ok(cap.exchanges[0].tampered, 'the tamper was not applied');
    assert.equal(cap.exchanges[0].response.status, 200, trace(cap));
    assert.equal(cap.error, null, trace(cap));
  });
}
