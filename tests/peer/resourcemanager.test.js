'use strict';
// Resource Manager through @alicloud/resourcemanager20200331 (ACS3, POST
// form body): the management account lists the directory's members page by
// page, then enters a member through its ResourceDirectoryAccountAccessRole
// with @alicloud/sts20150401 and works there with the temporary keys.

const assert = require('node:assert/strict');
const { conformance, change1, RPC_SIG } = require('./harness');
const S = require('./sdk');

const { Rm, Sts } = S;
const MEMBER = '2000000000000001';

conformance('resourcemanager20200331 ListAccounts, paged', {
  run: () => S.rm(S.ROOT).listAccounts(new Rm.ListAccountsRequest({ pageNumber: 2,
                                                                    pageSize: 2 })),
  check: (r) => {
    assert.equal(r.body.totalCount, 3);
    assert.equal(r.body.pageNumber, 2);
    const members = r.body.accounts.account;
    assert.deepEqual(members.map((a) => a.accountId), ['2000000000000003']);
    assert.equal(members[0].status, 'CreateSuccess');
    assert.equal(members[0].resourceDirectoryId, 'rd-peer001');
  },
  tamper: change1.header('x-acs-date'),
  code: RPC_SIG,
});

conformance('resourcemanager20200331 GetAccount of a member', {
  run: () => S.rm(S.USER).getAccount(new Rm.GetAccountRequest({
    accountId: '2000000000000002' })),
  check: (r) => {
    assert.equal(r.body.account.status, 'InviteSuccess');
    assert.equal(r.body.account.type, 'CloudAccount');
  },
  tamper: change1.header('x-acs-signature-nonce'),
  code: RPC_SIG,
});

conformance('sts20150401 AssumeRole into a member of the directory', {
  run: async () => {
    const r = await S.sts(S.USER).assumeRole(new Sts.AssumeRoleRequest({
      roleArn: `acs:ram::${MEMBER}:role/resourcedirectoryaccountaccessrole`,
      roleSessionName: 'peer-rd', durationSeconds: 900 }));
    const c = r.body.credentials;
    return S.sts({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret,
                   securityToken: c.securityToken }).getCallerIdentity();
  },
  check: (r) => {
    const m = r.body.toMap();
    assert.equal(m.AccountId, MEMBER);
    assert.equal(m.IdentityType, 'AssumedRoleUser');
  },
  tamper: change1.header('x-acs-date'),
  code: RPC_SIG,
});
