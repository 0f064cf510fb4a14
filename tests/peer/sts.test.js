'use strict';
// STS through @alicloud/sts20150401 (ACS3), @alicloud/pop-core (RPC V1 GET)
// and @alicloud/credentials (its RamRoleArn provider calls AssumeRole with
// RPC V1, POST, query plus form body), then the temporary credentials in
// use with the other SDKs.

const assert = require('node:assert/strict');
const { conformance, change1, RPC_SIG, SLS_SIG } = require('./harness');
const S = require('./sdk');

const { Sts, Kms, Ram } = S;
const POLICY = JSON.stringify({ Version: '1', Statement: [
  { Effect: 'Allow', Action: ['kms:Describe*', 'log:Get*', 'ram:GetRole'], Resource: '*' }] });

function identity(r) { return r.body.toMap(); }

conformance('sts20150401 GetCallerIdentity as the account', {
  run: () => S.sts(S.ROOT).getCallerIdentity(),
  check: (r) => {
    const m = identity(r);
    assert.equal(m.IdentityType, 'Account');
    assert.equal(m.Arn, `acs:ram::${S.ACCOUNT}:root`);
  },
  tamper: change1.header('x-acs-date'),
  code: RPC_SIG,
});

conformance('sts20150401 GetCallerIdentity as a RAM user', {
  run: () => S.sts(S.USER).getCallerIdentity(),
  check: (r) => {
    const m = identity(r);
    assert.equal(m.IdentityType, 'RAMUser');
    assert.equal(m.Arn, `acs:ram::${S.ACCOUNT}:user/peer-operator`);
  },
  tamper: change1.header('x-acs-signature-nonce'),
  code: RPC_SIG,
});

conformance('sts20150401 GetCallerIdentity with STS credentials', {
  run: () => S.sts(S.STS).getCallerIdentity(),
  check: (r) => assert.equal(identity(r).IdentityType, 'AssumedRoleUser'),
  tamper: change1.header('x-acs-date'),
  code: RPC_SIG,
});

// --- AssumeRole with the darabonba SDK, then its credentials ------------

let temp = null;
conformance('sts20150401 AssumeRole with a session policy', {
  run: () => S.sts(S.ROOT).assumeRole(new Sts.AssumeRoleRequest({
    roleArn: S.ASSUME_ROLE_ARN, roleSessionName: 'peer.sdk@x-1_', durationSeconds: 900,
    policy: POLICY })),
  check: (r) => {
    const c = r.body.credentials;
    assert.match(c.accessKeyId, /^STS\./);
    assert.equal(r.body.assumedRoleUser.arn,
                 `acs:ram::${S.ACCOUNT}:assumed-role/peer-assume-role/peer.sdk@x-1_`);
    temp = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret,
             securityToken: c.securityToken };
  },
  tamper: change1.query('RoleSessionName'),
  code: RPC_SIG,
});

conformance('sts20150401 GetCallerIdentity with the AssumeRole credentials', {
  run: () => S.sts(temp).getCallerIdentity(),
  check: (r) => {
    const m = identity(r);
    assert.equal(m.IdentityType, 'AssumedRoleUser');
    assert.equal(m.Arn, `acs:ram::${S.ACCOUNT}:assumed-role/peer-assume-role/peer.sdk@x-1_`);
  },
  tamper: change1.header('x-acs-date'),
  code: RPC_SIG,
});

conformance('log GetProject with the AssumeRole credentials', {
  run: () => S.log(temp).getProject(S.PROJECT),
  check: (r) => assert.equal(r.projectName, S.PROJECT),
  tamper: change1.header('date'),
  code: SLS_SIG,
});

conformance('pop-core RAM GetRole (POST) with the AssumeRole credentials', {
  run: () => S.pop(temp, 'https://ram.aliyuncs.com', '2015-05-01')
    .request('GetRole', { RoleName: 'peer-byok-role' }, { method: 'POST' }),
  check: (r) => assert.equal(r.Role.RoleName, 'peer-byok-role'),
  tamper: change1.form('RoleName'),
  code: RPC_SIG,
});

// --- AssumeRole with pop-core ---------------------------------------------

conformance('pop-core STS AssumeRole (GET)', {
  run: () => S.pop(S.USER, 'https://sts.aliyuncs.com', '2015-04-01')
    .request('AssumeRole', { RoleArn: S.ASSUME_ROLE_ARN, RoleSessionName: 'peer-pop' }),
  check: (r) => assert.match(r.Credentials.AccessKeyId, /^STS\./),
  tamper: change1.query('RoleArn'),
  code: RPC_SIG,
});

// --- @alicloud/credentials ------------------------------------------------

conformance('credentials access_key Credential with sts20150401', {
  run: () => S.sts(S.accessKeyCredential(S.USER)).getCallerIdentity(),
  check: (r) => assert.equal(identity(r).IdentityType, 'RAMUser'),
  tamper: change1.header('x-acs-credentials-provider'),
  code: RPC_SIG,
});

conformance('credentials sts Credential with kms20160120', {
  run: () => S.kms(S.accessKeyCredential(S.STS)).describeKey(
    new Kms.DescribeKeyRequest({ keyId: 'key-hzz6peer00000001' })),
  check: (r) => assert.equal(r.keyMetadata.keyId, 'key-hzz6peer00000001'),
  tamper: change1.query('KeyId'),
  code: RPC_SIG,
});

// A fresh RamRoleArn Credential per run, so that its first request is the
// AssumeRole it sends itself (the tamper then hits that one).
let role = null;
conformance('credentials RamRoleArn provider AssumeRole (POST query + form)', {
  run: async () => {
    const c = S.ramRoleArnCredential(S.ROOT, S.ASSUME_ROLE_ARN, 'peer-credentials');
    const m = await c.getCredential();
    role = role || c;
    return m;
  },
  check: (m) => {
    assert.match(m.accessKeyId, /^STS\./);
    assert.ok(m.securityToken);
  },
  tamper: change1.form('RoleSessionName'),
  code: RPC_SIG,
});

conformance('credentials RamRoleArn Credential with sts20150401', {
  run: () => S.sts(role).getCallerIdentity(),
  check: (r) => assert.equal(identity(r).Arn,
                             `acs:ram::${S.ACCOUNT}:assumed-role/peer-assume-role/peer-credentials`),
  tamper: change1.header('x-acs-signature-nonce'),
  code: RPC_SIG,
});

conformance('credentials RamRoleArn Credential with ram20150501', {
  run: () => S.ram(role).getRole(new Ram.GetRoleRequest({ roleName: 'peer-byok-role' })),
  check: (r) => assert.equal(r.body.role.roleName, 'peer-byok-role'),
  tamper: change1.query('RoleName'),
  code: RPC_SIG,
});

conformance('credentials RamRoleArn Credential with sls20201230 v4', {
  run: () => S.sls(role, { signature: 'v4' }).getLogStore(S.PROJECT, 'peer-byok'),
  check: (r) => assert.equal(r.body.logstoreName, 'peer-byok'),
  tamper: change1.header('x-log-date'),
  code: SLS_SIG,
});

conformance('credentials RamRoleArn Credential with log', {
  run: () => S.log(role).getLogStore(S.PROJECT, 'peer-byok'),
  check: (r) => assert.equal(r.logstoreName, 'peer-byok'),
  tamper: change1.header('date'),
  code: SLS_SIG,
});

conformance('credentials RamRoleArn Credential with kms20160120', {
  run: () => S.kms(role).describeKey(new Kms.DescribeKeyRequest({ keyId: 'alias/peer/byok' })),
  check: (r) => assert.equal(r.keyMetadata.keyId, 'key-hzz6peer00000001'),
  tamper: change1.query('Timestamp'),
  code: RPC_SIG,
});
