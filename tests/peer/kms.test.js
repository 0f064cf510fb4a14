'use strict';
// KMS through @alicloud/kms20160120 (1.2.0, built on @alicloud/rpc-client:
// RPC signature V1, POST / with every parameter in the query), and the
// same calls through @alicloud/pop-core (GET).

const test = require('node:test');
const assert = require('node:assert/strict');
const { conformance, accepted, change1, RPC_SIG } = require('./harness');
const S = require('./sdk');

const { Kms } = S;
const KEY = 'key-hzz6peer00000001';
const TOGGLED = 'key-hzz6peer00000004';

function lowerFirst(s) { return s[0].toLowerCase() + s.slice(1); }

// action + PascalCase parameters -> the answer with the wire's keys.
function caller(flavour, cred) {
  if (flavour === 'pop-get') {
    const c = S.pop(cred, `https://kms.${S.REGION}.aliyuncs.com`, '2016-01-20');
    return (action, params) => c.request(action, params);
  }
  const c = S.kms(cred);
  return async (action, params) => {
    const model = {};
    for (const [k, v] of Object.entries(params)) model[lowerFirst(k)] = v;
    const r = await c[lowerFirst(action)](new Kms[`${action}Request`](model));
    return r.toMap();
  };
}

for (const flavour of ['kms20160120', 'pop-get']) {
  const call = caller(flavour, S.ROOT);
  const sts = caller(flavour, S.STS);
  const t = (s) => `kms ${flavour} ${s}`;
  const param = change1.param;

  conformance(t('DescribeKey by id'), {
    run: () => call('DescribeKey', { KeyId: KEY }),
    check: (r) => {
      assert.equal(r.KeyMetadata.KeyId, KEY);
      assert.equal(r.KeyMetadata.KeyState, 'Enabled');
      assert.equal(r.KeyMetadata.Arn, `acs:kms:${S.REGION}:${S.ACCOUNT}:key/${KEY}`);
    },
    tamper: param('KeyId'),
    code: RPC_SIG,
  });

  conformance(t('DescribeKey by alias (a / in the value, STS credentials)'), {
    run: () => sts('DescribeKey', { KeyId: 'alias/peer/byok' }),
    check: (r) => assert.equal(r.KeyMetadata.KeyId, KEY),
    tamper: param('Timestamp'),
    code: RPC_SIG,
  });

  conformance(t('ListKeys'), {
    run: () => call('ListKeys', { PageNumber: 1, PageSize: 100 }),
    check: (r) => {
      const ids = r.Keys.Key.map((k) => k.KeyId);
      assert.ok(ids.includes(KEY) && ids.includes(TOGGLED), ids.join(' '));
      assert.equal(Number(r.TotalCount), ids.length);
    },
    tamper: param('PageSize'),
    code: RPC_SIG,
  });

  conformance(t('ListAliases'), {
    run: () => call('ListAliases', { PageNumber: 1, PageSize: 10 }),
    check: (r) => assert.deepEqual(r.Aliases.Alias.map((a) => [a.AliasName, a.KeyId]),
                                   [['alias/peer/byok', KEY]]),
    tamper: param('SignatureNonce'),
    code: RPC_SIG,
  });

  conformance(t('DisableKey'), {
    run: () => call('DisableKey', { KeyId: TOGGLED }),
    check: async () => {
      const r = await call('DescribeKey', { KeyId: TOGGLED });
      assert.equal(r.KeyMetadata.KeyState, 'Disabled');
    },
    tamper: param('KeyId'),
    code: RPC_SIG,
  });

  conformance(t('EnableKey'), {
    run: () => call('EnableKey', { KeyId: TOGGLED }),
    check: async () => {
      const r = await call('DescribeKey', { KeyId: TOGGLED });
      assert.equal(r.KeyMetadata.KeyState, 'Enabled');
    },
    tamper: param('KeyId'),
    code: RPC_SIG,
  });
}

// One view of a key across services: a key the state lists without
// KeyState is Enabled by default; KMS says so, and SLS must then take it
// for BYOK.
test('kms: a key Enabled by default is usable for SLS BYOK too', async () => {
  const r = await caller('kms20160120', S.ROOT)('DescribeKey', { KeyId: 'key-hzz6peer00000005' });
  assert.equal(r.KeyMetadata.KeyState, 'Enabled');
  const body = Buffer.from(JSON.stringify({
    logstoreName: 'peer-kms-default', ttl: 30, shardCount: 2,
    encrypt_conf: { enable: true, encrypt_type: 'default',
                    user_cmk_info: { cmk_key_id: 'key-hzz6peer00000005', arn: S.BYOK_ROLE_ARN,
                                     region_id: S.REGION } } }));
  await accepted(() => S.log(S.ROOT)._request('POST', S.PROJECT, '/logstores', {}, body,
                                               { 'x-log-bodyrawsize': body.length }));
});
