'use strict';
// RAM through three signers:
//   acs3     @alicloud/ram20150501 as configured by default: ACS3-HMAC-SHA256,
//            POST / with the parameters in the query
//   rpc-v2   the same SDK with signatureAlgorithm 'v2': openapi-core's RPC
//            signature V1 path
//   pop-get  @alicloud/pop-core RPCClient, RPC signature V1, GET
//   pop-post the same with { method: 'POST' }: form body
// Every flavour creates its own role and policy and runs the RAM calls the
// BYOK setup needs.

const test = require('node:test');
const assert = require('node:assert/strict');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const { conformance, refused, change1, RPC_SIG } = require('./harness');
const S = require('./sdk');

const TRUST = JSON.stringify({
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow',
                Principal: { Service: ['log.aliyuncs.com'] } }],
  Version: '1',
});
const PASS_ROLE = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'ram:PassRole',
                Resource: `acs:ram::${S.ACCOUNT}:role/peer-*` }],
});
// Values with the characters encoders disagree on, and non-ASCII.
const DESCRIPTION = "SLS BYOK role *test* (peer) ~ a+b/c! it's é 日本";
const NEW_DESCRIPTION = 'updated: 100% * ( ! ~ + space / ü';

function lowerFirst(s) { return s[0].toLowerCase() + s.slice(1); }

// A uniform caller: action + PascalCase parameters -> the wire's JSON
// answer (PascalCase keys) whatever the SDK.
function caller(flavour, cred) {
  if (flavour.startsWith('pop-')) {
    const c = S.pop(cred, 'https://ram.aliyuncs.com', '2015-05-01');
    const opts = flavour === 'pop-post' ? { method: 'POST' } : {};
    return (action, params) => c.request(action, params, opts);
  }
  const c = S.ram(cred, flavour === 'rpc-v2' ? { algorithm: 'v2' } : {});
  return async (action, params) => {
    const model = {};
    for (const [k, v] of Object.entries(params)) model[lowerFirst(k)] = v;
    const r = await c[lowerFirst(action)](new S.Ram[`${action}Request`](model));
    return r.body.toMap();
  };
}

for (const flavour of ['acs3', 'rpc-v2', 'pop-get', 'pop-post']) {
  const call = caller(flavour, S.ROOT);
  const sts = caller(flavour, S.STS);
  const role = `peer-${flavour}-role`;
  const policy = `peer-${flavour}-policy`;
  // ACS3 signs the query and the x-acs-* headers; RPC V1 signs every
  // parameter, in the query (GET, and POST of the darabonba SDKs) or in
  // the form body (pop-core POST).
  const param = change1.param;
  const code = RPC_SIG;
  const t = (s) => `ram ${flavour} ${s}`;

  conformance(t('CreateRole with special characters in Description'), {
    run: () => call('CreateRole', { RoleName: role, AssumeRolePolicyDocument: TRUST,
                                    Description: DESCRIPTION, MaxSessionDuration: 3600 }),
    check: (r) => {
      assert.equal(r.Role.RoleName, role);
      assert.equal(r.Role.Description, DESCRIPTION);
      assert.equal(r.Role.Arn, `acs:ram::${S.ACCOUNT}:role/${role}`);
    },
    tamper: param('RoleName'),
    code,
  });

  conformance(t('GetRole'), {
    run: () => call('GetRole', { RoleName: role }),
    check: (r) => {
      assert.equal(r.Role.Description, DESCRIPTION);
      assert.deepEqual(JSON.parse(r.Role.AssumeRolePolicyDocument), JSON.parse(TRUST));
    },
    tamper: flavour === 'acs3' ? change1.header('x-acs-date') : param('Timestamp'),
    code,
  });

  conformance(t('UpdateRole'), {
    run: () => call('UpdateRole', { RoleName: role, NewDescription: NEW_DESCRIPTION,
                                    NewMaxSessionDuration: 7200 }),
    check: (r) => {
      assert.equal(r.Role.Description, NEW_DESCRIPTION);
      assert.equal(Number(r.Role.MaxSessionDuration), 7200);
    },
    tamper: param('NewMaxSessionDuration'),
    code,
  });

  conformance(t('ListRoles'), {
    run: () => call('ListRoles', { MaxItems: 1000 }),
    check: (r) => assert.ok(r.Roles.Role.some((x) => x.RoleName === role)),
    tamper: param('MaxItems'),
    code,
  });

  conformance(t('CreatePolicy (a PassRole document)'), {
    run: () => call('CreatePolicy', { PolicyName: policy, PolicyDocument: PASS_ROLE,
                                      Description: DESCRIPTION }),
    check: (r) => assert.equal(r.Policy.PolicyName, policy),
    tamper: param('PolicyName'),
    code,
  });

  conformance(t('GetPolicy'), {
    run: () => call('GetPolicy', { PolicyName: policy, PolicyType: 'Custom' }),
    check: (r) => {
      assert.equal(r.Policy.Description, DESCRIPTION);
      assert.deepEqual(JSON.parse(r.DefaultPolicyVersion.PolicyDocument), JSON.parse(PASS_ROLE));
    },
    tamper: flavour === 'acs3' ? change1.header('x-acs-signature-nonce') : param('SignatureNonce'),
    code,
  });

  conformance(t('AttachPolicyToRole'), {
    run: () => call('AttachPolicyToRole', { PolicyType: 'System',
                                            PolicyName: 'AliyunKMSReadOnlyAccess', RoleName: role }),
    tamper: param('RoleName'),
    code,
  });

  conformance(t('ListPoliciesForRole (STS credentials)'), {
    run: () => sts('ListPoliciesForRole', { RoleName: role }),
    check: (r) => assert.deepEqual(r.Policies.Policy.map((p) => p.PolicyName),
                                   ['AliyunKMSReadOnlyAccess']),
    tamper: param('RoleName'),
    code,
  });

  conformance(t('DetachPolicyFromRole'), {
    run: () => call('DetachPolicyFromRole', { PolicyType: 'System',
                                              PolicyName: 'AliyunKMSReadOnlyAccess', RoleName: role }),
    check: async () => {
      const r = await call('ListPoliciesForRole', { RoleName: role });
      assert.deepEqual(r.Policies.Policy, []);
    },
    tamper: param('PolicyName'),
    code,
  });

  conformance(t('AttachPolicyToUser'), {
    run: () => call('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: policy,
                                            UserName: 'peer-operator' }),
    tamper: param('UserName'),
    code,
  });
}

// ACS3 with the parameters in a form body: the generic callApi of the
// darabonba clients with reqBodyType 'formData' (what a user does for an
// API the generated client lacks).  The body is covered by
// x-acs-content-sha256, which is signed.
const formGetRole = () => S.ram(S.ROOT).callApi(
  new $OpenApiUtil.Params({ action: 'GetRole', version: '2015-05-01', protocol: 'HTTPS',
                            pathname: '/', method: 'POST', authType: 'AK', style: 'RPC',
                            reqBodyType: 'formData', bodyType: 'json' }),
  new $OpenApiUtil.OpenApiRequest({ body: { RoleName: 'peer-byok-role' } }), {});

conformance('ram acs3 GetRole with the parameters in a form body (callApi)', {
  run: formGetRole,
  check: (r) => assert.equal(r.body.Role.RoleName, 'peer-byok-role'),
  tamper: change1.header('x-acs-content-sha256'),
  code: RPC_SIG,
});

test('ram acs3: a changed form-body byte is refused (InvalidContentSha256)', async () => {
  await refused(formGetRole, change1.body(), 'InvalidContentSha256');
});
