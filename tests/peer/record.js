'use strict';
// Records, for fixed inputs, exactly what each official SDK sends and how
// it signs it, as JSON fixtures under tests/peer/fixtures/ (one file per
// SDK and signature kind).  They are the known answers of the Lua specs of
// slsh.sign: same inputs, same Authorization / Signature.
//
//   node record.js           regenerate tests/peer/fixtures/*.json
//   node record.js --check   regenerate in memory, compare with the files,
//                            exit 1 on any difference (run by the suite)
//
// Date is frozen at CLOCK and nonces are md5("<file>/<entry>#n") (see
// redirect.js), and every request goes to an emulator whose clock is fixed
// at CLOCK (SLSH_PEER_FIXED_HTTP/HTTPS/CA, or one started here), so each
// fixture is also checked against the emulator's own verifier:
// `matches_spec` entries must pass its signature check, the documented
// deviations must fail it.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const CLOCK = '2024-01-02T03:04:05Z';
const DIR = path.join(__dirname, 'fixtures');
const SIGNATURE_ERRORS = ['SignatureNotMatch', 'SignatureDoesNotMatch'];
// Refusals of the emulator that come before its signature check (see
// gaps.js): the fixture's signature is then not verified by it.
const BEFORE_SIGNATURE = { MissingContentLength: 'chunked-body',
                           MissingBodyRawSize: 'bodyrawsize-required' };

// --- parent: find or start the fixed-clock emulator, run the child -------

async function parent(args) {
  let emu = null;
  let addr = {
    http: process.env.SLSH_PEER_FIXED_HTTP,
    https: process.env.SLSH_PEER_FIXED_HTTPS,
    ca: process.env.SLSH_PEER_FIXED_CA,
  };
  if (!addr.http) {
    emu = await require('./emulator').start({ state: path.join(__dirname, 'state.json'),
                                              clock: CLOCK });
    addr = emu;
  }
  const env = Object.assign({}, process.env, {
    SLSH_PEER_FREEZE: CLOCK,
    SLSH_PEER_HTTP: addr.http,
    SLSH_PEER_HTTPS: addr.https,
    SLSH_PEER_CA: addr.ca,
  });
  delete env.NODE_OPTIONS;
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(process.execPath,
                      ['--require', path.join(__dirname, 'redirect.js'), __filename, '--child', ...args],
                      { env, stdio: 'inherit' });
  if (emu) await emu.stop();
  process.exit(r.status === null ? 1 : r.status);
}

// --- child: the fixtures --------------------------------------------------

function child(args) {
  const peer = require('./redirect');
  if (peer.frozen !== CLOCK) throw new Error('record.js --child needs SLSH_PEER_FREEZE');
  const S = require('./sdk');
  return { peer, S, check: args.includes('--check') };
}

const BODY_PLAIN = {
  logstoreName: 'peer-plain', ttl: 30, shardCount: 2,
  encrypt_conf: { enable: true, encrypt_type: 'default' },
};
const TRUST = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["log.aliyuncs.com"]}}],"Version":"1"}';
const PASS_ROLE = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:PassRole","Resource":"acs:ram::1234567890123456:role/peer-*"}]}';
const SPECIAL = "a b*(!~+/é'";                  // * ( ! ~ + space / ' and UTF-8
const DESCRIPTION = "SLS BYOK role *test* (peer) ~ a+b/c! it's é 日本";
const POLICY_SPECIAL = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'log:Get*',
  Resource: `acs:log:*:*:project/peer-project/logstore/${SPECIAL}` }] });
const POLICY = '{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:Describe*","log:Get*"],"Resource":"*"}]}';

// Each fixture file: its SDKs, its signature kind, and its entries
// [name, call as text, credentials, function returning the SDK promise,
//  deviation text when the SDK departs from the spec].
function fixtures(S) {
  const { Sls, Ram, Sts, Kms } = S;
  const json = (o) => Buffer.from(JSON.stringify(o));
  const log = (cred, o) => S.log(cred, o);
  const P = S.PROJECT;
  const byok = { enable: true, encryptType: 'default',
                 userCmkInfo: new Sls.UpdateLogStoreEncryptionRequestUserCmkInfo({ keyId: 'key-hzz6peer00000002',
                                                           roleArn: S.BYOK_ROLE_ARN,
                                                           regionId: S.REGION }) };
  const slsEntries = (c, st, v4, ls) => [
    ['ListProject, a projectName with a space, / and non-ASCII', "listProject({offset: 0, size: 100, projectName: 'my proj/ä'})", 'ROOT',
     () => c.listProject(new Sls.ListProjectRequest({ offset: 0, size: 100, projectName: 'my proj/ä' }))],
    ['ListProject, an empty projectName', "listProject({projectName: ''})", 'ROOT',
     () => c.listProject(new Sls.ListProjectRequest({ projectName: '' }))],
    ['GetProject', `getProject('${P}')`, 'ROOT', () => c.getProject(P)],
    v4 ? ['ListLogStores, the filter a b~+/*é', "listLogStores(P, {logstoreName: 'a b~+/*é', offset: 0, size: 10})", 'ROOT',
          () => c.listLogStores(P, new Sls.ListLogStoresRequest({ logstoreName: 'a b~+/*é', offset: 0, size: 10 }))]
       : ['ListLogStores, a filter with * ( ! ~ + space / \' é', `listLogStores(P, {logstoreName: ${JSON.stringify(SPECIAL)}, offset: 0, size: 10})`, 'ROOT',
          () => c.listLogStores(P, new Sls.ListLogStoresRequest({ logstoreName: SPECIAL, offset: 0, size: 10 }))],
    ['CreateLogStore', `createLogStore(P, {logstoreName: '${ls}', ttl: 30, shardCount: 2, autoSplit: true, maxSplitShard: 64})`, 'ROOT',
     () => c.createLogStore(P, new Sls.CreateLogStoreRequest({
       logstoreName: ls, ttl: 30, shardCount: 2, autoSplit: true, maxSplitShard: 64 }))],
    ['GetLogStore with STS credentials', "getLogStore(P, 'peer-byok')", 'STS', () => st.getLogStore(P, 'peer-byok')],
    ['UpdateLogStore with encrypt_conf, STS credentials', 'updateLogStore(P, \'peer-plain\', {logstoreName, ttl: 30, shardCount: 2, encryptConf: {enable: true, encryptType: \'default\'}})', 'STS',
     () => st.updateLogStore(P, 'peer-plain', new Sls.UpdateLogStoreRequest({
       logstoreName: 'peer-plain', ttl: 30, shardCount: 2,
       encryptConf: new Sls.EncryptConf({ enable: true, encryptType: 'default' }) }))],
    ['UpdateLogStoreEncryption, BYOK', `updateLogStoreEncryption(P, '${ls}', {enable: true, encryptType: 'default', userCmkInfo: {keyId, roleArn, regionId}})`, 'ROOT',
     () => c.updateLogStoreEncryption(P, ls, new Sls.UpdateLogStoreEncryptionRequest(byok))],
    ['DeleteLogStore', `deleteLogStore(P, '${ls}')`, 'ROOT', () => c.deleteLogStore(P, ls)],
  ];
  const ramCall = (c) => (action, params) => {
    const model = {};
    for (const [k, v] of Object.entries(params)) model[k[0].toLowerCase() + k.slice(1)] = v;
    return c[action[0].toLowerCase() + action.slice(1)](new Ram[`${action}Request`](model));
  };
  const ramEntries = (c, st, role) => {
    const call = ramCall(c);
    const stc = ramCall(st);
    return [
      ['CreateRole, Description with * ( ) ! ~ + / \' space and non-ASCII', `CreateRole(RoleName: '${role}', AssumeRolePolicyDocument, Description: ${JSON.stringify(DESCRIPTION)})`, 'ROOT',
       () => call('CreateRole', { RoleName: role, AssumeRolePolicyDocument: TRUST, Description: DESCRIPTION })],
      ['GetRole with STS credentials', `GetRole(RoleName: '${role}')`, 'STS', () => stc('GetRole', { RoleName: role })],
      ['UpdateRole, an empty NewDescription', `UpdateRole(RoleName: '${role}', NewDescription: '', NewMaxSessionDuration: 7200)`, 'ROOT',
       () => call('UpdateRole', { RoleName: role, NewDescription: '', NewMaxSessionDuration: 7200 })],
      ['ListRoles', 'ListRoles(MaxItems: 100)', 'ROOT', () => call('ListRoles', { MaxItems: 100 })],
      ['CreatePolicy with a JSON document', `CreatePolicy(PolicyName: '${role}-policy', PolicyDocument, Description)`, 'ROOT',
       () => call('CreatePolicy', { PolicyName: `${role}-policy`, PolicyDocument: PASS_ROLE, Description: 'PassRole for peer-* roles' })],
      ['GetPolicy', `GetPolicy(PolicyName: '${role}-policy', PolicyType: 'Custom')`, 'ROOT',
       () => call('GetPolicy', { PolicyName: `${role}-policy`, PolicyType: 'Custom' })],
      ['AttachPolicyToRole', `AttachPolicyToRole(System AliyunKMSCryptoUserAccess, '${role}')`, 'ROOT',
       () => call('AttachPolicyToRole', { PolicyType: 'System', PolicyName: 'AliyunKMSCryptoUserAccess', RoleName: role })],
      ['ListPoliciesForRole', `ListPoliciesForRole('${role}')`, 'ROOT', () => call('ListPoliciesForRole', { RoleName: role })],
      ['DetachPolicyFromRole', `DetachPolicyFromRole(System AliyunKMSCryptoUserAccess, '${role}')`, 'ROOT',
       () => call('DetachPolicyFromRole', { PolicyType: 'System', PolicyName: 'AliyunKMSCryptoUserAccess', RoleName: role })],
      ['AttachPolicyToUser', `AttachPolicyToUser(Custom ${role}-policy, 'peer-operator')`, 'ROOT',
       () => call('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: `${role}-policy`, UserName: 'peer-operator' })],
    ];
  };
  const pop = (cred, host, version) => S.pop(S[cred], `https://${host}`, version);
  const kms = S.kms(S.ROOT);
  const kmsSts = S.kms(S.STS);

  return {
    'sls-v1-hmac-sha1': {
      sdk: ['@alicloud/log'],
      signature: 'SLS V1, hmac-sha1 (Authorization: LOG <ak>:<base64>)',
      entries: [
        ['ListProject, a projectName with a space, / and non-ASCII', "_request('GET', undefined, '/', {offset: 0, size: 100, projectName: 'my proj/ä'})", 'ROOT',
         () => log(S.ROOT)._request('GET', undefined, '/', { offset: 0, size: 100, projectName: 'my proj/ä' }, null, {})],
        ['ListProject, a projectName with * ( ! ~ + space / \' é', `_request('GET', undefined, '/', {projectName: ${JSON.stringify(SPECIAL)}, offset: 0})`, 'ROOT',
         () => log(S.ROOT)._request('GET', undefined, '/', { projectName: SPECIAL, offset: 0 }, null, {})],
        ['GetProject', `getProject('${P}')`, 'ROOT', () => log(S.ROOT).getProject(P)],
        ['ListLogStores with the SDK defaults (empty values)', `listLogStore('${P}')`, 'ROOT', () => log(S.ROOT).listLogStore(P)],
        ['ListLogStores with a filter', `listLogStore('${P}', {logstoreName: 'peer', offset: 0, size: 10})`, 'ROOT',
         () => log(S.ROOT).listLogStore(P, { logstoreName: 'peer', offset: 0, size: 10 })],
        ['GetLogStore over https', `getLogStore('${P}', 'peer-byok') with endpoint https://cn-hangzhou.log.aliyuncs.com`, 'ROOT',
         () => log(S.ROOT, { https: true }).getLogStore(P, 'peer-byok')],
        ['CreateLogStore', `_request('POST', '${P}', '/logstores', {}, body, {'x-log-bodyrawsize': n})`, 'ROOT',
         () => { const b = json({ logstoreName: 'peer-fixture', ttl: 30, shardCount: 2 });
                 return log(S.ROOT)._request('POST', P, '/logstores', {}, b, { 'x-log-bodyrawsize': b.length }); }],
        ['UpdateLogStore with encrypt_conf, STS credentials', `_request('PUT', '${P}', '/logstores/peer-plain', {}, body, {'x-log-bodyrawsize': n})`, 'STS',
         () => { const b = json(BODY_PLAIN);
                 return log(S.STS)._request('PUT', P, '/logstores/peer-plain', {}, b, { 'x-log-bodyrawsize': b.length }); }],
        ['GetLogStore with STS credentials', `getLogStore('${P}', 'peer-plain')`, 'STS', () => log(S.STS).getLogStore(P, 'peer-plain')],
        ['DeleteLogStore', `deleteLogStore('${P}', 'peer-fixture')`, 'ROOT', () => log(S.ROOT).deleteLogStore(P, 'peer-fixture')],
        ['ListProject with keys offset and offset-x', "_request('GET', undefined, '/', {offset: 0, 'offset-x': 1, size: 10})", 'ROOT',
         () => log(S.ROOT)._request('GET', undefined, '/', { offset: 0, 'offset-x': 1, size: 10 }, null, {}),
         'The SDK sorts the whole "k=v" strings: "offset-x=1" < "offset=0" because "-" < "=". ' +
         'The spec sorts by key: offset, offset-x, size.'],
        ['ListLogStores with a null logstoreName', `listLogStore('${P}', {logstoreName: null, offset: 0, size: 10})`, 'ROOT',
         () => log(S.ROOT).listLogStore(P, { logstoreName: null, offset: 0, size: 10 }),
         'A null value is sent as "logstoreName=" (querystring.stringify) but signed as ' +
         '"logstoreName=null" (String(null)): the SDK signs a different request from the one it sends.'],
      ],
    },
    'sls-v1-hmac-sha256': {
      sdk: ['@alicloud/sls20201230', '@alicloud/gateway-sls', '@alicloud/openapi-core'],
      signature: 'SLS V1 with x-log-signaturemethod hmac-sha256 (Authorization: LOG <ak>:<base64>), the gateway default',
      entries: slsEntries(S.sls(S.ROOT), S.sls(S.STS), false, 'peer-fixture-sha256'),
    },
    'sls-v4': {
      sdk: ['@alicloud/sls20201230', '@alicloud/gateway-sls', '@alicloud/openapi-core'],
      signature: 'SLS4-HMAC-SHA256 (Config.signatureVersion = \'v4\')',
      entries: slsEntries(S.sls(S.ROOT, { signature: 'v4' }), S.sls(S.STS, { signature: 'v4' }), true, 'peer-fixture-v4').concat([
        ['ListLogStores, a filter with * ( ! ~ + space / \' é', `listLogStores(P, {logstoreName: ${JSON.stringify(SPECIAL)}})`, 'ROOT',
         () => S.sls(S.ROOT, { signature: 'v4' }).listLogStores(P, new Sls.ListLogStoresRequest({ logstoreName: SPECIAL })),
         'The gateway encodes V4 query values with encodeURIComponent plus String.replace of the first "*" only: ' +
         '"!", "(", ")", "\'" and any later "*" stay literal in the canonical query. RFC 3986 (spec) encodes them ' +
         '(%21 %28 %29 %27 %2A).'],
      ]),
    },
    acs3: {
      sdk: ['@alicloud/ram20150501', '@alicloud/sts20150401', '@alicloud/openapi-core'],
      signature: 'ACS3-HMAC-SHA256 (the darabonba default)',
      entries: ramEntries(S.ram(S.ROOT), S.ram(S.STS), 'peer-fixture-acs3').concat([
        ['STS GetCallerIdentity with STS credentials', 'sts.getCallerIdentity()', 'STS', () => S.sts(S.STS).getCallerIdentity()],
        ['STS AssumeRole with a session policy', `assumeRole({roleArn, roleSessionName: 'peer.fix@x-1_', durationSeconds: 900, policy})`, 'ROOT',
         () => S.sts(S.ROOT).assumeRole(new Sts.AssumeRoleRequest({
           roleArn: S.ASSUME_ROLE_ARN, roleSessionName: 'peer.fix@x-1_', durationSeconds: 900, policy: POLICY }))],
      ]),
    },
    'rpc-v1-openapi-core': {
      sdk: ['@alicloud/ram20150501', '@alicloud/openapi-core'],
      signature: 'RPC signature V1, HMAC-SHA1 (Config.signatureAlgorithm = \'v2\'), POST with the parameters in the query',
      entries: ramEntries(S.ram(S.ROOT, { algorithm: 'v2' }), S.ram(S.STS, { algorithm: 'v2' }), 'peer-fixture-v2').slice(0, 4),
    },
    'rpc-v1-pop-core': {
      sdk: ['@alicloud/pop-core'],
      signature: 'RPC signature V1, HMAC-SHA1, GET (query) and POST (form body)',
      entries: [
        ['RAM CreateRole (GET), Description with * ( ) ! ~ + / \' space and non-ASCII', "request('CreateRole', {RoleName, AssumeRolePolicyDocument, Description})", 'ROOT',
         () => pop('ROOT', 'ram.aliyuncs.com', '2015-05-01').request('CreateRole', {
           RoleName: 'peer-fixture-pop', AssumeRolePolicyDocument: TRUST, Description: DESCRIPTION })],
        ['RAM UpdateRole (POST) with STS credentials, an empty NewDescription', "request('UpdateRole', {RoleName, NewDescription: ''}, {method: 'POST'})", 'STS',
         () => pop('STS', 'ram.aliyuncs.com', '2015-05-01').request('UpdateRole', {
           RoleName: 'peer-fixture-pop', NewDescription: '' }, { method: 'POST' })],
        ['RAM AttachPolicyToUser (POST)', "request('AttachPolicyToUser', {...}, {method: 'POST'})", 'ROOT',
         () => pop('ROOT', 'ram.aliyuncs.com', '2015-05-01').request('AttachPolicyToUser', {
           PolicyType: 'System', PolicyName: 'AliyunKMSReadOnlyAccess', UserName: 'peer-operator' }, { method: 'POST' })],
        ['KMS DescribeKey by alias (GET)', "request('DescribeKey', {KeyId: 'alias/peer/byok'})", 'ROOT',
         () => pop('ROOT', 'kms.cn-hangzhou.aliyuncs.com', '2016-01-20').request('DescribeKey', { KeyId: 'alias/peer/byok' })],
        ['KMS ListKeys with a Filters JSON (GET)', "request('ListKeys', {PageSize: 100, Filters: '[...]'})", 'ROOT',
         () => pop('ROOT', 'kms.cn-hangzhou.aliyuncs.com', '2016-01-20').request('ListKeys', {
           PageSize: 100, Filters: '[{"Key":"KeyState","Values":["Enabled","Disabled"]}]' })],
        ['STS AssumeRole (GET) with a session policy', "request('AssumeRole', {RoleArn, RoleSessionName, Policy})", 'ROOT',
         () => pop('ROOT', 'sts.aliyuncs.com', '2015-04-01').request('AssumeRole', {
           RoleArn: S.ASSUME_ROLE_ARN, RoleSessionName: 'peer-pop', Policy: POLICY })],
      ],
    },
    'rpc-v1-kms': {
      sdk: ['@alicloud/kms20160120', '@alicloud/rpc-client'],
      signature: 'RPC signature V1, HMAC-SHA1, POST with the parameters in the query',
      entries: [
        ['DescribeKey by alias', "describeKey({keyId: 'alias/peer/byok'})", 'ROOT',
         () => kms.describeKey(new Kms.DescribeKeyRequest({ keyId: 'alias/peer/byok' }))],
        ['DescribeKey with STS credentials', "describeKey({keyId: 'key-hzz6peer00000001'})", 'STS',
         () => kmsSts.describeKey(new Kms.DescribeKeyRequest({ keyId: 'key-hzz6peer00000001' }))],
        ['ListKeys', 'listKeys({pageNumber: 1, pageSize: 100})', 'ROOT',
         () => kms.listKeys(new Kms.ListKeysRequest({ pageNumber: 1, pageSize: 100 }))],
        ['ListAliases', 'listAliases({})', 'ROOT', () => kms.listAliases(new Kms.ListAliasesRequest({}))],
        ['DescribeKey of an alias with * ( ! ~ + space / and non-ASCII (not found)', `describeKey({keyId: 'alias/${SPECIAL}'})`, 'ROOT',
         () => kms.describeKey(new Kms.DescribeKeyRequest({ keyId: `alias/${SPECIAL}` }))],
        ['DisableKey', "disableKey({keyId: 'key-hzz6peer00000004'})", 'ROOT',
         () => kms.disableKey(new Kms.DisableKeyRequest({ keyId: 'key-hzz6peer00000004' }))],
        ['EnableKey', "enableKey({keyId: 'key-hzz6peer00000004'})", 'ROOT',
         () => kms.enableKey(new Kms.EnableKeyRequest({ keyId: 'key-hzz6peer00000004' }))],
      ],
    },
    'rpc-v1-credentials': {
      sdk: ['@alicloud/credentials'],
      signature: 'RPC signature V1, HMAC-SHA1, POST: common parameters in the query, API parameters in a form body, both signed',
      entries: [
        ['RamRoleArn provider: AssumeRole', "new Credential({type: 'ram_role_arn', roleArn, roleSessionName: 'peer-fixture'}).getCredential()", 'ROOT',
         () => S.ramRoleArnCredential(S.ROOT, S.ASSUME_ROLE_ARN, 'peer-fixture').getCredential()],
        ['RamRoleArn provider: AssumeRole from STS credentials, with a policy', "new Credential({type: 'ram_role_arn', securityToken, roleArn, roleSessionName: 'peer.fixture@2', policy}).getCredential()", 'STS',
         () => S.ramRoleArnCredential(S.STS, S.ASSUME_ROLE_ARN, 'peer.fixture@2', { policy: POLICY_SPECIAL }).getCredential()],
      ],
    },
  };
}

// "k=v&..." decoded into pairs the way servers decode it ("+" is a space).
function decodePairs(s) {
  if (s === null || s === '') return [];
  return s.split('&').filter((p) => p !== '').map((p) => {
    const i = p.indexOf('=');
    const dec = (x) => decodeURIComponent(x.replace(/\+/g, ' '));
    return i < 0 ? [dec(p), ''] : [dec(p.slice(0, i)), dec(p.slice(i + 1))];
  });
}

// Header values that depend on the machine (unsigned by every SDK: the
// user agents and pop-core's x-sdk-client) are masked so that fixtures do
// not change with the Node.js version.
function mask(value) {
  return value.split(process.version).join('<node-version>')
    .split(`(${os.platform()}; ${os.arch()})`).join('(<platform>; <arch>)');
}

// The signature of a captured request, and the SDK's own string to sign
// (and canonical request) found among the HMAC and hash inputs it computed.
function signatureOf(req, hashes, form) {
  const header = (n) => {
    const h = req.headers.find(([k]) => k.toLowerCase() === n);
    return h ? h[1] : null;
  };
  const text = (b) => b.toString('utf8');
  const auth = header('authorization');
  const out = {};
  if (auth) {
    out.authorization = auth;
    let m;
    if ((m = /^LOG [^:]*:(.+)$/.exec(auth))) {
      const h = hashes.find((x) => x.kind === 'hmac' && x.base64 === m[1]);
      if (h) out.string_to_sign = text(h.data);
    } else if ((m = /Signature=([0-9a-f]+)$/.exec(auth))) {
      const h = hashes.find((x) => x.kind === 'hmac' && x.hex === m[1]);
      if (h) {
        out.string_to_sign = text(h.data);
        const digest = out.string_to_sign.split('\n').pop();
        const c = hashes.find((x) => x.kind === 'hash' && x.hex === digest);
        if (c) out.canonical_request = text(c.data);
      }
    }
  } else {
    const sig = (decodePairs(req.query_string).concat(form || []).find(([k]) => k === 'Signature') || [])[1];
    out.signature = sig;
    const h = hashes.find((x) => x.kind === 'hmac' && x.base64 === sig);
    if (h) out.string_to_sign = text(h.data);
  }
  if (!out.string_to_sign) throw new Error(`no HMAC input matches the signature of ${req.method} ${req.target}`);
  return out;
}

// JSON with two-space indentation, but arrays of strings ([name, value]
// pairs) on one line, so that headers and query pairs read as a table.
function pretty(v, indent) {
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => typeof x !== 'object' || x === null)) return JSON.stringify(v).replace(/","/g, '", "');
    return `[\n${v.map((x) => inner + pretty(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pretty(v[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

async function main(args) {
  const { peer, S, check } = child(args);
  const all = fixtures(S);
  const creds = { ROOT: S.ROOT, STS: S.STS };
  let failed = false;
  for (const [file, fx] of Object.entries(all)) {
    const entries = [];
    for (const [name, call, credName, run, deviation] of fx.entries) {
      peer.nonceSeed(`${file}/${name}`);
      const cap = await peer.capture(run);
      if (cap.exchanges.length !== 1) {
        throw new Error(`${file}/${name}: expected one request, saw ${cap.exchanges.length}`);
      }
      const x = cap.exchanges[0];
      const req = x.request;
      const ctype = ((req.headers.find(([k]) => k.toLowerCase() === 'content-type') || [])[1] || '');
      const form = ctype.startsWith('application/x-www-form-urlencoded')
        ? decodePairs(req.body.toString('utf8')) : undefined;
      const code = x.response && x.response.json && (x.response.json.errorCode || x.response.json.Code);
      const status = x.response ? x.response.status : 0;
      const sigError = SIGNATURE_ERRORS.includes(code);
      if (sigError !== Boolean(deviation)) {
        failed = true;
        console.error(`${file}/${name}: the emulator answered ${status} ${code || ''}, ` +
                      (deviation ? 'but this entry is documented as a deviation from the spec'
                                 : 'a signature error for an entry expected to follow the spec'));
      } else if (!deviation && BEFORE_SIGNATURE[code]) {
        console.error(`note: ${file}/${name}: refused with ${status} ${code} before the signature ` +
                      `check (emulator gap ${BEFORE_SIGNATURE[code]}): the emulator did not verify it`);
      } else if (!deviation && !(status >= 200 && status < 300)) {
        console.error(`note: ${file}/${name}: signature accepted, request refused with ${status} ${code}`);
      }
      const c = creds[credName];
      const entry = {
        name,
        call,
        credentials: { access_key_id: c.accessKeyId, access_key_secret: c.accessKeySecret,
                       security_token: c.securityToken || null },
        region: S.REGION,
        request: {
          scheme: req.scheme,
          host: req.connected_to,
          method: req.method,
          target: req.target,
          path: req.path,
          query_string: req.query_string,
          query: decodePairs(req.query_string),
          headers: req.headers.map(([k, v]) => [k, mask(v)]),
          body: req.body.toString('utf8'),
        },
        expected: signatureOf(req, cap.hashes, form),
        matches_spec: !deviation,
      };
      if (form) entry.request.form = form;
      if (deviation) entry.deviation = deviation;
      entries.push(entry);
    }
    const doc = {
      about: 'Recorded by tests/peer/record.js from the official SDK named here: the exact request ' +
             'it sent and its signature, for fixed inputs (clock, nonces). Regenerate with ' +
             '"node tests/peer/record.js"; the peer suite fails when they go stale.',
      sdk: Object.fromEntries(fx.sdk.map((n) => [n, S.VERSIONS[n]])),
      signature: fx.signature,
      clock: CLOCK,
      nonces: 'md5("<file>/<entry name>#<n>") in hex, replacing the SDK\'s random nonce',
      entries,
    };
    const text = `${pretty(doc, '')}\n`;
    const target = path.join(DIR, `${file}.json`);
    if (check) {
      const old = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
      if (old !== text) {
        failed = true;
        const a = old.split('\n');
        const b = text.split('\n');
        let i = 0;
        while (i < a.length && a[i] === b[i]) i++;
        console.error(`${target} is stale; first difference at line ${i + 1}:\n` +
                      `  file: ${a[i]}\n  now:  ${b[i]}\nregenerate with: node tests/peer/record.js`);
      }
    } else {
      fs.mkdirSync(DIR, { recursive: true });
      fs.writeFileSync(target, text);
      console.log(`wrote ${path.relative(process.cwd(), target)} (${entries.length} requests)`);
    }
  }
  if (failed) process.exitCode = 1;
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  main(argv.slice(1)).catch((e) => { console.error(e); process.exit(1); });
} else {
  parent(argv).catch((e) => { console.error(e); process.exit(1); });
}
