'use strict';
// The signature vectors that the official SDKs' unit tests and the Alibaba
// Cloud docs publish (the same as tests/core/test_sign.c) computed by the official SDKs' own signing functions.
// slsh's C known-answer tests use the same vectors, so this ties them to
// what the SDKs really compute, including the ones marked COMPUTED there.
// No network: these functions take every input explicitly.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const Log = require('@alicloud/log');
const Gateway = require('@alicloud/gateway-sls').default;
const { OpenApiUtil } = require('@alicloud/openapi-core');

const log = new Log({ region: 'cn-hangzhou', accessKeyId: 'unused', accessKeySecret: 'unused' });
const gw = new Gateway();
const MOCK = { accessKeyId: 'mockAccessKeyID', accessKeySecret: 'mockAccessKeySecret' };
const DATE = 'Mon, 03 Jan 2022 08:33:47 GMT';
const BODY_A = '{"logstoreName":"my-logstore","ttl":30,"shardCount":2,' +
  '"encrypt_conf":{"enable":true,"encrypt_type":"default"}}';
const MD5_A = '0973FD471B815DE6D3B5E62C2FCD702F';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

test('vector A body: 110 bytes, Content-MD5 as the spec says', () => {
  assert.equal(Buffer.byteLength(BODY_A), 110);
  assert.equal(crypto.createHash('md5').update(BODY_A).digest('hex').toUpperCase(), MD5_A);
});

test('SLS V1 sha1, @alicloud/log: computed vector A (UpdateLogStore with STS)', () => {
  const auth = log._sign('PUT', '/logstores/my-logstore', {}, {
    'content-md5': MD5_A, 'content-type': 'application/json', date: DATE,
    'x-acs-security-token': 'mockSecurityToken', 'x-log-apiversion': '0.6.0',
    'x-log-bodyrawsize': '110', 'x-log-signaturemethod': 'hmac-sha1' }, MOCK);
  assert.equal(auth, 'LOG mockAccessKeyID:ZYDwCOz4V8U4yhZsA5uLa9drC6c=');
});

test('SLS V1 sha1, @alicloud/log: computed vector B (ListProject, decoded query values)', () => {
  const auth = log._sign('GET', '/', { offset: '0', size: '100', projectName: 'my proj/ä' }, {
    date: DATE, 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '0',
    'x-log-signaturemethod': 'hmac-sha1' }, MOCK);
  assert.equal(auth, 'LOG mockAccessKeyID:6RBKscVCoDOR5DF2T2cMPA4uiT8=');
});

test('SLS V1 sha1, @alicloud/log: its own unit-test vector (empty value)', () => {
  const auth = log._sign('GET', '/logstores', { logstoreName: '', offset: '0', size: '1000' }, {
    date: 'Mon, 09 Nov 2015 06:11:16 GMT', 'x-log-apiversion': '0.6.0',
    'x-log-signaturemethod': 'hmac-sha1' },
  { accessKeyId: 'bq2sjzesjmo86kq35behupbq', accessKeySecret: '4fdO2fTDDnZPU/L7CHNdemB2Nsk=' });
  assert.equal(auth, 'LOG bq2sjzesjmo86kq35behupbq:jEYOTCJs2e88o+y5F4/S5IsnBJQ=');
});

test('SLS V1 sha256, @alicloud/gateway-sls: computed vector A without STS', async () => {
  const sig = await gw.getSignature('/logstores/my-logstore', 'PUT', {}, {
    'content-md5': MD5_A, 'content-type': 'application/json', date: DATE,
    'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '110',
    'x-log-signaturemethod': 'hmac-sha256' }, MOCK.accessKeySecret);
  assert.equal(sig, '08iyvcIl0JQTTfXURD2XrQLc+gEDtTM/cxtfnTBbqZI=');
});

function v4(method, pathname, query, headers, region, date, payload, ak, sk) {
  const ctx = { request: { method, pathname, query, headers }, configuration: { regionId: region } };
  return gw.getAuthorizationV4(ctx, date, payload, ak, sk);
}

test('SLS V4, @alicloud/gateway-sls: computed vector A', async () => {
  const payload = sha256(BODY_A);
  assert.equal(payload, 'aedba524ea808be2eda0b21cae2b6df31a07f52328a3b57ae14555bfdc05249e');
  const auth = await v4('PUT', '/logstores/my-logstore', {}, {
    host: 'my-project.cn-hangzhou.log.aliyuncs.com', 'content-type': 'application/json',
    'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '110',
    'x-log-content-sha256': payload, 'x-log-date': '20220103T083347Z' },
  'cn-hangzhou', '20220103T083347Z', payload, MOCK.accessKeyId, MOCK.accessKeySecret);
  assert.equal(auth, 'SLS4-HMAC-SHA256 Credential=mockAccessKeyID/20220103/cn-hangzhou/sls/' +
    'aliyun_v4_request,Signature=df216a946a5f914c6ddfc771fdbd737ed02a0a3c1bb4e145539ac26254d7d383');
});

// The Go/Python SDK vectors.  The "special path" one keeps the first one's
// parameters and adds two (with only its own two it gives another value).
const V4_BODY = 'adasd= -asd zcas';
const V4_HEADERS = { hello: 'world', 'hello-Text': 'a12X- ', ' Ko ': '', 'x-log-test': 'het123',
                     'x-acs-ppp': 'dds', 'x-log-date': '20220808T032330Z' };
const V4_PARAMS = { ' abc': 'efg', ' agc ': '', '': 'efg', 'A-bc': 'eFg' };
for (const [name, path, params, want] of [
  ['headers and parameters with spaces and an empty name', '/logstores', V4_PARAMS,
   'a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed'],
  ['a path with + * ~ and parameters with * / ~ + space', '/logstores/hello/a+*~bb/cc',
   Object.assign({}, V4_PARAMS, { 'abs-ij*asd/vc': 'a~js+d ada', 'a abAas123/vc': 'a~jdad a2ADFs+d ada' }),
   '2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff'],
]) {
  test(`SLS V4, @alicloud/gateway-sls: Go/Python SDK vector, ${name}`, async () => {
    const payload = sha256(V4_BODY);
    assert.equal(payload, 'c7a4fd95f1d70933caf91641e8000768cea86100dc5649fd4f16fead718a62e4');
    const auth = await v4('POST', path, params, Object.assign({ 'x-log-content-sha256': payload }, V4_HEADERS),
                          'cn-hangzhou', '20220808T032330Z', payload, 'acsddda21dsd', 'zxasdasdasw2');
    assert.equal(auth.split('Signature=')[1], want);
  });
}

test('RPC V1, openapi-core: RAM documentation vector V1-A', () => {
  assert.equal(OpenApiUtil.getRPCSignature({
    AccessKeyId: 'testid', Action: 'CreateUser', UserName: 'test', Format: 'JSON',
    Version: '2015-05-01', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
    SignatureNonce: '6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2', Timestamp: '2015-08-18T03:15:45Z',
  }, 'GET', 'testsecret'), 'kRA2cnpJVacIhDMzXnoNZG9tDCI=');
});

test('RPC V1, openapi-core: computed vector V1-D (JSON, * ~ é, token), GET and POST', () => {
  const p = {
    AccessKeyId: 'testid', Action: 'CreateRole', Format: 'JSON', RoleName: 'sls-byok-role',
    Version: '2015-05-01',
    AssumeRolePolicyDocument: '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",' +
      '"Principal":{"Service":["log.aliyuncs.com"]}}],"Version":"1"}',
    Description: 'SLS BYOK role *test* ~ é', SecurityToken: 'tok+en/with=chars',
    SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
    SignatureNonce: '0b9c3ad0-3e2f-4a7e-9a59-1f1f4d1c2b3a', Timestamp: '2024-01-02T03:04:05Z',
  };
  assert.equal(OpenApiUtil.getRPCSignature(p, 'GET', 'testsecret'), 'Tx0omj5OH6WKnj7PacJISQcOuVM=');
  assert.equal(OpenApiUtil.getRPCSignature(p, 'POST', 'testsecret'), 'ZEVEQrVmQYUNqabiKVwkj3zPuDc=');
});

test('ACS3, openapi-core: documentation vector V3-A', () => {
  const auth = OpenApiUtil.getAuthorization({
    method: 'POST', pathname: '/',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: { host: 'ecs.cn-shanghai.aliyuncs.com', 'x-acs-action': 'RunInstances',
               'x-acs-content-sha256': EMPTY_SHA256, 'x-acs-date': '2023-10-26T10:22:32Z',
               'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
               'x-acs-version': '2014-05-26' },
  }, 'ACS3-HMAC-SHA256', EMPTY_SHA256, 'YourAccessKeyId', 'YourAccessKeySecret');
  assert.equal(auth.split('Signature=')[1],
               '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
});

test('ACS3, openapi-core: computed vector V3-C (KMS DescribeKey with STS)', () => {
  const auth = OpenApiUtil.getAuthorization({
    method: 'POST', pathname: '/', query: { KeyId: 'key-hzz65f8c9e0xxxx' },
    headers: { host: 'kms.cn-hangzhou.aliyuncs.com', 'x-acs-accesskey-id': 'STS.testid',
               'x-acs-action': 'DescribeKey', 'x-acs-content-sha256': EMPTY_SHA256,
               'x-acs-date': '2024-01-02T03:04:05Z', 'x-acs-security-token': 'tok+en/with=chars',
               'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
               'x-acs-version': '2016-01-20' },
  }, 'ACS3-HMAC-SHA256', EMPTY_SHA256, 'STS.testid', 'testsecret');
  assert.equal(auth, 'ACS3-HMAC-SHA256 Credential=STS.testid,SignedHeaders=host;x-acs-accesskey-id;' +
    'x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;' +
    'x-acs-version,Signature=30fd0deda789f02bcddde53bdc5b16348f60d1097fdd5fbce6cf54d5c4b6f834');
});
