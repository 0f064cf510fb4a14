'use strict';
// The official Node.js SDKs' own signing functions on the same requests as
// tests/bench/bench_sign.c, so that docs/performance.md can put slsh next
// to the SDK measured in the same run. Run from tests/peer (its
// node_modules):  node ../bench/sdk_sign_bench.js [seconds]
const crypto = require('crypto');
const path = require('path');
const peer = path.join(__dirname, '..', 'peer', 'node_modules');
const req = (m) => require(path.join(peer, m));
const Log = req('@alicloud/log');
const Gateway = req('@alicloud/gateway-sls').default;
const { OpenApiUtil } = req('@alicloud/openapi-core');

const seconds = Number(process.argv[2] || 0.5);
const DATE = 'Mon, 03 Jan 2022 08:33:47 GMT';
const MOCK = { accessKeyId: 'mockAccessKeyID', accessKeySecret: 'mockAccessKeySecret' };
const BODY_A = '{"logstoreName":"my-logstore","ttl":30,"shardCount":2,' +
  '"encrypt_conf":{"enable":true,"encrypt_type":"default"}}';
const MD5_A = '0973FD471B815DE6D3B5E62C2FCD702F';
const SHA_A = crypto.createHash('sha256').update(BODY_A).digest('hex');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const log = new Log({ region: 'cn-hangzhou', net: 'public', ...MOCK });
const gw = new Gateway();
const headersA = (method) => ({
  'content-md5': MD5_A, 'content-type': 'application/json', date: DATE,
  'x-acs-security-token': 'mockSecurityToken', 'x-log-apiversion': '0.6.0',
  'x-log-bodyrawsize': '110', 'x-log-signaturemethod': method });
const rpcParams = {
  AccessKeyId: 'testid', Action: 'CreateRole', Format: 'JSON', RoleName: 'sls-byok-role',
  Version: '2015-05-01',
  AssumeRolePolicyDocument: '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",' +
    '"Principal":{"Service":["log.aliyuncs.com"]}}],"Version":"1"}',
  Description: 'SLS BYOK role *test* ~ é', SecurityToken: 'tok+en/with=chars',
  SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
  SignatureNonce: '0b9c3ad0-3e2f-4a7e-9a59-1f1f4d1c2b3a', Timestamp: '2024-01-02T03:04:05Z',
};
const acs3Request = {
  method: 'POST', pathname: '/', query: { KeyId: 'key-hzz65f8c9e0xxxx' },
  headers: { host: 'kms.cn-hangzhou.aliyuncs.com', 'x-acs-accesskey-id': 'STS.testid',
             'x-acs-action': 'DescribeKey', 'x-acs-content-sha256': EMPTY,
             'x-acs-date': '2024-01-02T03:04:05Z', 'x-acs-security-token': 'tok+en/with=chars',
             'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
             'x-acs-version': '2016-01-20' },
};

const cases = [
  ['SLS V1 hmac-sha1 (vector A)', '@alicloud/log _sign',
   () => log._sign('PUT', '/logstores/my-logstore', {}, headersA('hmac-sha1'), MOCK)],
  ['SLS V1 hmac-sha256 (vector A)', '@alicloud/gateway-sls getSignature',
   () => gw.getSignature('/logstores/my-logstore', 'PUT', {}, headersA('hmac-sha256'),
                         MOCK.accessKeySecret)],
  ['SLS V4 (vector A)', '@alicloud/gateway-sls getAuthorizationV4',
   () => gw.getAuthorizationV4({
     request: { method: 'PUT', pathname: '/logstores/my-logstore', query: {},
                headers: { host: 'my-project.cn-hangzhou.log.aliyuncs.com',
                           'content-type': 'application/json', 'x-log-apiversion': '0.6.0',
                           'x-log-bodyrawsize': '110', 'x-log-content-sha256': SHA_A,
                           'x-log-date': '20220103T083347Z',
                           'x-acs-security-token': 'mockSecurityToken' } },
     configuration: { regionId: 'cn-hangzhou' } }, '20220103T083347Z', SHA_A,
   MOCK.accessKeyId, MOCK.accessKeySecret)],
  ['ACS3 (V3-C KMS DescribeKey)', '@alicloud/openapi-core getAuthorization',
   () => OpenApiUtil.getAuthorization(acs3Request, 'ACS3-HMAC-SHA256', EMPTY,
                                      'STS.testid', 'testsecret')],
  ['RPC V1 (V1-D RAM CreateRole)', '@alicloud/openapi-core getRPCSignature',
   () => OpenApiUtil.getRPCSignature(rpcParams, 'POST', 'testsecret')],
];

async function rate(fn) {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    const start = process.hrtime.bigint();
    while (process.hrtime.bigint() < end) {
      for (let i = 0; i < 100; i++) await fn();
      n += 100;
    }
    const dt = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, n / dt);
  }
  return best;
}

(async () => {
  console.log(`node ${process.version}`);
  console.log('signer (request)                     SDK/s        SDK function');
  for (const [name, fn, f] of cases) {
    const r = await rate(f);
    console.log(`${name.padEnd(36)} ${String(Math.round(r)).padStart(8)}   ${fn}`);
  }
})();
