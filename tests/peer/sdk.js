'use strict';
// The official SDK clients, configured the way a user would configure them
// for the real cloud (real endpoint names, their default or https
// protocol).  Only redirect.js knows that the sockets end at the emulator.

const Log = require('@alicloud/log');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const Sls = require('@alicloud/sls20201230');
const Ram = require('@alicloud/ram20150501');
const Kms = require('@alicloud/kms20160120');
const RpcClient = require('@alicloud/rpc-client');
const Sts = require('@alicloud/sts20150401');
const Rm = require('@alicloud/resourcemanager20200331');
const Pop = require('@alicloud/pop-core');
const Credentials = require('@alicloud/credentials');

// Keys of tests/peer/state.json.
const ACCOUNT = '1234567890123456';
const ROOT = { accessKeyId: 'LTAI5tPeerRootKey0000001',
               accessKeySecret: 'peerRootSecret000000000000001' };
const USER = { accessKeyId: 'LTAI5tPeerUserKey0000002',
               accessKeySecret: 'peerUserSecret000000000000002' };
// A long-lived STS key, so that fixtures with a security token are stable.
const STS = { accessKeyId: 'STS.NTpeerFixedStsKey00000003',
              accessKeySecret: 'peerStsSecret0000000000000000003',
              securityToken: 'CAIS+peer/fixed=token/with+chars==' };

const REGION = 'cn-hangzhou';
const PROJECT = 'peer-project';
const BYOK_ROLE_ARN = `acs:ram::${ACCOUNT}:role/peer-byok-role`;
const ASSUME_ROLE_ARN = `acs:ram::${ACCOUNT}:role/peer-assume-role`;

const VERSIONS = {};
for (const name of ['@alicloud/log', '@alicloud/sls20201230', '@alicloud/gateway-sls',
                    '@alicloud/openapi-core', '@alicloud/ram20150501', '@alicloud/kms20160120',
                    '@alicloud/rpc-client', '@alicloud/sts20150401', '@alicloud/pop-core',
                    '@alicloud/credentials', '@alicloud/resourcemanager20200331']) {
  VERSIONS[name] = require(`${name}/package.json`).version;
}

// @alicloud/log (SLS signature V1, hmac-sha1).  Its default is plain http
// to <region>.log.aliyuncs.com; https: true gives the https:// endpoint.
// `cred` may be keys or a @alicloud/credentials Credential.
function log(cred, { https = false } = {}) {
  const config = { region: REGION };
  if (https) config.endpoint = `https://${REGION}.log.aliyuncs.com`;
  if (cred instanceof Credentials.default) {
    config.credentialsProvider = {
      async getCredentials() {
        const c = await cred.getCredential();
        return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret,
                 securityToken: c.securityToken };
      },
    };
  } else {
    Object.assign(config, cred);
  }
  return new Log(config);
}

// The darabonba Config: keys, or a Credential object.
function openapiConfig(cred, extra) {
  const c = Object.assign({}, extra);
  if (cred instanceof Credentials.default) c.credential = cred;
  else Object.assign(c, cred);
  return new $OpenApiUtil.Config(c);
}

// @alicloud/sls20201230 through @alicloud/gateway-sls: signature 'v1'
// (LOG ak:sig with hmac-sha256) by default, 'v4' (SLS4-HMAC-SHA256) when
// the Config says signatureVersion: 'v4'.
function sls(cred, { signature = 'v1' } = {}) {
  const extra = { endpoint: `${REGION}.log.aliyuncs.com`, regionId: REGION };
  if (signature === 'v4') extra.signatureVersion = 'v4';
  return new Sls.default(openapiConfig(cred, extra));
}

// @alicloud/ram20150501: ACS3-HMAC-SHA256 by default; signatureAlgorithm
// 'v2' selects openapi-core's RPC signature V1 path instead.
function ram(cred, { algorithm } = {}) {
  const extra = { endpoint: 'ram.aliyuncs.com' };
  if (algorithm) extra.signatureAlgorithm = algorithm;
  return new Ram.default(openapiConfig(cred, extra));
}

// @alicloud/kms20160120 1.2.0 is built on @alicloud/rpc-client (RPC
// signature V1, POST with the parameters in the query).  It has no product
// id, so the regional endpoint must be given (as its docs show).
function kms(cred) {
  const c = { regionId: REGION, endpoint: `kms.${REGION}.aliyuncs.com` };
  if (cred instanceof Credentials.default) c.credential = cred;
  else Object.assign(c, cred);
  return new Kms.default(new RpcClient.Config(c));
}

// @alicloud/sts20150401 (ACS3) at the regional endpoint it computes from
// the region.
function sts(cred) {
  return new Sts.default(openapiConfig(cred, { regionId: REGION }));
}

// @alicloud/resourcemanager20200331: ACS3-HMAC-SHA256, POST with a form
// body, at its central endpoint resourcemanager.aliyuncs.com.
function rm(cred) {
  return new Rm.default(openapiConfig(cred, { regionId: REGION }));
}

// @alicloud/pop-core RPCClient (RPC signature V1; GET by default, POST with
// a form body when request() is given { method: 'POST' }).
function pop(cred, endpoint, apiVersion) {
  return new Pop(Object.assign({ endpoint, apiVersion }, cred));
}

// @alicloud/credentials: an access key Credential, or the RamRoleArn one
// that calls STS AssumeRole (at sts.aliyuncs.com) itself.
function accessKeyCredential(cred) {
  return new Credentials.default(new Credentials.Config({
    type: cred.securityToken ? 'sts' : 'access_key',
    accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret,
    securityToken: cred.securityToken,
  }));
}

function ramRoleArnCredential(cred, roleArn, session, extra = {}) {
  return new Credentials.default(new Credentials.Config(Object.assign({
    type: 'ram_role_arn',
    accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret,
    securityToken: cred.securityToken, roleArn, roleSessionName: session,
  }, extra)));
}

module.exports = {
  ACCOUNT, ROOT, USER, STS, REGION, PROJECT, BYOK_ROLE_ARN, ASSUME_ROLE_ARN, VERSIONS,
  Log, Sls, Ram, Kms, Sts, Pop, Credentials, Rm,
  log, sls, ram, kms, sts, pop, rm, accessKeyCredential, ramRoleArnCredential,
};
