'use strict';
// @alicloud/log (the Node.js SLS SDK) on the APIs a logstore migration
// uses: CreateProject, the index APIs, PutLogs with its own protobuf
// encoder (postLogStoreLogs), and, through client._request (which signs
// every call of the SDK), ListShards and GetCursor. The emulator must
// accept what the official client sends and answer what it reads.

const test = require('node:test');
const assert = require('node:assert/strict');
// (the project it creates has no 'peer' in its name: the ListProject tests of
// the other suites count the projects named so)
const { conformance, accepted, change1, SLS_SIG } = require('./harness');
const S = require('./sdk');

const P = S.PROJECT;
const http = S.log(S.ROOT);

const INDEX = {
  line: { token: [',', ' ', ';'], caseSensitive: false },
  keys: { status: { type: 'long' }, msg: { type: 'text', token: [' '] } },
};

conformance('log CreateProject', {
  run: () => http.createProject('sdk-migrated-logs', { description: 'a copy' }),
  check: async () => {
    const p = await http.getProject('sdk-migrated-logs');
    assert.equal(p.description, 'a copy');
    assert.equal(p.region, S.REGION);
  },
  tamper: change1.header('content-md5'),
  code: SLS_SIG,
});

conformance('log CreateIndex', {
  run: () => http.createIndex(P, 'peer-plain', INDEX),
  check: async () => {
    const ix = await http.getIndexConfig(P, 'peer-plain');
    assert.deepEqual(ix.line, INDEX.line);
    assert.deepEqual(ix.keys, INDEX.keys);
  },
  tamper: change1.header('content-md5'),
  code: SLS_SIG,
});

conformance('log UpdateIndex', {
  run: () => http.updateIndex(P, 'peer-plain', Object.assign({}, INDEX, {
    keys: Object.assign({}, INDEX.keys, { code: { type: 'text' } }) })),
  check: async () => {
    const ix = await http.getIndexConfig(P, 'peer-plain');
    assert.deepEqual(Object.keys(ix.keys).sort(), ['code', 'msg', 'status']);
  },
  tamper: change1.header('content-md5'),
  code: SLS_SIG,
});

conformance('log PutLogs (postLogStoreLogs: the SDK\'s own protobuf)', {
  run: () => http.postLogStoreLogs(P, 'peer-plain', {
    topic: 'peer', source: '10.0.0.9', tags: [{ host: 'peer-host' }],
    logs: [{ timestamp: 1700000000, content: { msg: 'hello', status: '200' } },
           { timestamp: 1700000001, timestampNsPart: 5, content: { msg: 'world' } }],
  }),
  tamper: change1.header('content-md5'),
  code: SLS_SIG,
});

conformance('log ListShards (via _request)', {
  run: () => http._request('GET', P, '/logstores/peer-plain/shards', {}, null, {}),
  check: (r) => {
    assert.deepEqual(r.map((s) => s.shardID), [0, 1]);
    assert.equal(r[0].exclusiveEndKey, r[1].inclusiveBeginKey);
  },
  tamper: change1.header('date'),
  code: SLS_SIG,
});

test('log: GetCursor (via _request) moves past what postLogStoreLogs wrote', async () => {
  let written = 0;
  for (const shard of [0, 1]) {
    const q = (from) => http._request('GET', P, `/logstores/peer-plain/shards/${shard}`,
                                      { type: 'cursor', from }, null, {});
    const begin = (await accepted(() => q('begin'))).result.cursor;
    const end = (await accepted(() => q('end'))).result.cursor;
    assert.equal(typeof begin, 'string');
    if (begin !== end) written += 1;
  }
  assert.ok(written >= 1, 'no shard holds the group the SDK wrote');
});
