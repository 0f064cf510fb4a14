'use strict';
// The script a user would write instead of `slsh run byok-rollout`: the
// official Node.js SDK @alicloud/log (tests/peer/node_modules), N promises
// in flight, for each logstore GET -> set encrypt_conf -> PUT (the full
// body) -> GET to verify. It is the yardstick of tests/bench/rollout_bench.sh.
//
//   node tests/bench/node_rollout.js EMULATOR_URL REGION KEY_ID ROLE_ARN N
//
// Every connection the SDK opens to *.aliyuncs.com goes to the emulator
// (an http.Agent whose createConnection dials EMULATOR_URL); the SDK still
// writes the real Host header and signs for it. The agent keeps
// connections alive and pools them per host, as Node's default agent
// does. Prints one JSON line: wall seconds, requests, logstores, failures,
// CPU seconds of this process.
// Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET.

const http = require('http');
const net = require('net');
const path = require('path');

const Client = require(path.join(__dirname, '../peer/node_modules/@alicloud/log'));

const [emuUrl, region, keyId, roleArn, inFlight] = process.argv.slice(2);
if (!emuUrl || !region || !keyId || !roleArn || !inFlight) {
  console.error('usage: node_rollout.js EMULATOR_URL REGION KEY_ID ROLE_ARN N');
  process.exit(2);
}
const target = new URL(emuUrl);

const agent = new http.Agent({ keepAlive: true });
agent.createConnection = (opts, cb) =>
  net.connect({ host: target.hostname, port: Number(target.port) }, cb);

const client = new Client({
  region,
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
});
const opts = { agent, timeout: 30000 };
let requests = 0;

// The SDK's own request method: it has no ListProject, and its
// updateLogStore sends only ttl and shardCount, which would reset every
// other field; a careful script PUTs the whole logstore through it.
function call(verb, project, p, query, body) {
  requests++;
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return client._request(verb, project, p, query, data, {}, opts);
}

async function listAll(project, p, field) {
  const out = [];
  for (let offset = 0; ; offset += 500) {
    const page = await call('GET', project, p, { offset, size: 500 });
    out.push(...page[field]);
    if (page[field].length < 500) return out;
  }
}

async function rollout(project, name) {
  const p = `/logstores/${name}`;
  const ls = await call('GET', project, p, {});
  ls.encrypt_conf = {
    enable: true,
    encrypt_type: 'default',
    user_cmk_info: { cmk_key_id: keyId, arn: roleArn, region_id: region },
  };
  for (const k of ['createTime', 'lastModifyTime', 'productType']) delete ls[k];
  await call('PUT', project, p, {}, ls);
  const after = await call('GET', project, p, {});
  const got = after.encrypt_conf || {};
  if (!got.enable || !got.user_cmk_info || got.user_cmk_info.cmk_key_id !== keyId) {
    throw new Error(`${project}/${name}: encrypt_conf not as written`);
  }
}

async function main() {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const projects = await listAll(undefined, '/', 'projects');
  const work = [];
  // the listings overlap like the rest: N in flight
  let next = 0;
  async function lister() {
    while (next < projects.length) {
      const name = projects[next++].projectName;
      for (const ls of await listAll(name, '/logstores', 'logstores')) {
        work.push([name, ls]);
      }
    }
  }
  await Promise.all(Array.from({ length: Number(inFlight) }, lister));
  let i = 0;
  let failed = 0;
  async function worker() {
    while (i < work.length) {
      const [project, name] = work[i++];
      try {
        await rollout(project, name);
      } catch (e) {
        failed++;
        if (failed <= 3) console.error(String(e && e.message));
      }
    }
  }
  await Promise.all(Array.from({ length: Number(inFlight) }, worker));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    wall, requests, logstores: work.length, failed,
    cpu: (cpu.user + cpu.system) / 1e6,
  }));
  agent.destroy();
}

main().catch((e) => {
  console.error(String(e && e.stack));
  process.exit(1);
});
