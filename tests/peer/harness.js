'use strict';
// Shared test shape: every API call is run twice through its SDK, once as
// the SDK sends it (the emulator must accept it) and once with one byte of
// a signed value changed after signing (the emulator must refuse it with
// the signature error code of the service).

const test = require('node:test');
const assert = require('node:assert/strict');
const peer = require('./redirect');
const gaps = require('./gaps');

const SLS_SIG = 'SignatureNotMatch';
const RPC_SIG = 'SignatureDoesNotMatch';

// The error code of an answer: SLS {errorCode}, RPC/ACS3 {Code}.
function codeOf(response) {
  const j = response && response.json;
  return (j && (j.errorCode || j.Code)) || null;
}

// One line per exchange, for assertion messages.
function trace(cap) {
  return cap.exchanges.map((x) => `${x.request.method} ${x.request.connected_to}` +
    `${x.request.target} -> ${x.response ? `${x.response.status} ${x.response.body.slice(0, 300)}` : 'no answer'}` +
    (x.tampered ? ` [tampered ${x.tampered}]` : '')).join('\n') +
    (cap.error ? `\nSDK error: ${cap.error.code || ''} ${String(cap.error.message).slice(0, 300)}` : '');
}

// Runs fn (an SDK call) and asserts that it succeeded and every request it
// sent was answered 2xx; returns the capture.
async function accepted(fn) {
  const cap = await peer.capture(fn);
  assert.ok(cap.exchanges.length > 0, 'the SDK sent no request');
  for (const x of cap.exchanges) {
    assert.ok(x.response && x.response.status >= 200 && x.response.status < 300,
              `refused:\n${trace(cap)}`);
  }
  assert.equal(cap.error, null, `the SDK failed:\n${trace(cap)}`);
  return cap;
}

// Runs fn with `tamper` armed for its first request and asserts that the
// emulator refused that request with `code` and the SDK reported an error.
async function refused(fn, tamper, code) {
  peer.tamper(tamper);
  const cap = await peer.capture(fn);
  const x = cap.exchanges[0];
  assert.ok(x, 'the SDK sent no request');
  assert.ok(x.tampered, 'the tamper was not applied');
  assert.ok(x.response, `no answer:\n${trace(cap)}`);
  assert.equal(codeOf(x.response), code, `expected ${code}:\n${trace(cap)}`);
  assert.ok(x.response.status === 400 || x.response.status === 401, trace(cap));
  assert.ok(cap.error, `the SDK did not report the refusal:\n${trace(cap)}`);
  return cap;
}

function todoFor(gap, part) {
  if (!gap) return undefined;
  const g = gaps[gap];
  if (!g) throw new Error(`unknown gap ${gap}`);
  if (part === 'refused' && !g.refusedToo) return undefined;
  return `known emulator gap ${gap}: ${g.reason}`;
}

// Registers the pair of tests for one SDK call.
//   run()     the call (a fresh one each time)
//   check(r)  optional assertions on the SDK's result
//   tamper    a redirect.change1 recipe: which signed value to change
//   code      the expected refusal code (SLS_SIG or RPC_SIG)
//   gap       optional key of gaps.js
function conformance(title, { run, check, tamper, code, gap }) {
  test(`${title}: accepted`, { todo: todoFor(gap, 'accepted') }, async () => {
    const cap = await accepted(run);
    if (check) await check(cap.result, cap);
  });
  test(`${title}: refused with ${code} after one signed byte changes`,
       { todo: todoFor(gap, 'refused') }, async () => {
    await refused(run, tamper, code);
  });
}

module.exports = { conformance, accepted, refused, codeOf, trace, todoFor, SLS_SIG, RPC_SIG, peer,
                   change1: peer.change1 };
