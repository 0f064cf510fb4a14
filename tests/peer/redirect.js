'use strict';
// Preload (node --require ./redirect.js) for the peer tests.
//
// 1. Redirect: every TCP or TLS connection to *.aliyuncs.com (any port) goes
//    to the emulator instead: plain connections to SLSH_PEER_HTTP, TLS ones
//    to SLSH_PEER_HTTPS (both "host:port").  Only the socket's address
//    changes: the SDK still writes the real Host header, and TLS keeps the
//    real server name (SNI and certificate check), trusting the emulator's
//    CA (NODE_EXTRA_CA_CERTS, or SLSH_PEER_CA added to the `ca` option).
//    Connections to any other non-loopback host are refused, so a test can
//    never reach the network by mistake.
// 2. Capture: the bytes each SDK writes are parsed back into requests
//    (method, target, headers as sent, body) and paired with the answers,
//    so tests and record.js see exactly what went over the wire.
// 3. Tamper: a test may change bytes of the next request after the SDK has
//    signed it (see tamper()); the modified request is what is sent.
// 4. Freeze (SLSH_PEER_FREEZE=ISO date): Date is fixed at that instant and
//    the SDKs' nonce generators return md5(seed#n), so record.js gets the
//    same requests on every run.  HMAC and hash inputs are logged so that
//    fixtures can carry each SDK's string to sign.
//
// The module's exports are the test API (require('./redirect')).

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const tls = require('tls');
const Module = require('module');

const realCreateHash = crypto.createHash;

if (global.__slshPeer) {
  module.exports = global.__slshPeer;
  return;
}

const TARGET = /(^|\.)aliyuncs\.com\.?$/i;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

const api = {
  exchanges: [],      // every request/response seen, in order
  hashes: [],         // HMAC and hash inputs while capturing (freeze mode)
  _tamper: null,      // one-shot function(request) -> description
  _capturing: 0,
};

// "host:port" from an environment variable, read at connect time so that a
// process can learn the emulator's address after it has started.
function address(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`peer redirect: ${name} is not set (run tests/peer/run.sh)`);
  }
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(v.slice(i + 1)) };
}

// Decides where a connection to `host` goes: the emulator, or (loopback,
// unix sockets) where it was going anyway; anything else is refused.
function destination(host, secure) {
  if (host === undefined || host === null || host === '') host = 'localhost';
  if (TARGET.test(host)) return address(secure ? 'SLSH_PEER_HTTPS' : 'SLSH_PEER_HTTP');
  if (LOOPBACK.test(host)) return null;
  throw new Error(`peer redirect: refusing a connection to ${host}: ` +
                  'only *.aliyuncs.com (redirected) and loopback are allowed');
}

function normalize(args) {
  // net.connect(options[, cb]) | (port[, host][, cb]) | (path[, cb])
  if (args[0] !== null && typeof args[0] === 'object') {
    return { options: Object.assign({}, args[0]), cb: args[1] };
  }
  const options = {};
  let i = 0;
  if (typeof args[0] === 'string' && isNaN(Number(args[0]))) {
    options.path = args[0];
    i = 1;
  } else {
    options.port = args[0];
    i = 1;
    if (typeof args[1] === 'string') {
      options.host = args[1];
      i = 2;
    }
  }
  return { options, cb: typeof args[i] === 'function' ? args[i] : undefined };
}

const realNetConnect = net.connect;
const realNetCreateConnection = net.createConnection;
const realAgentCreateConnection = http.Agent.prototype.createConnection;
const realTlsConnect = tls.connect;

function plainConnect(real) {
  return function connect(...args) {
    const { options, cb } = normalize(args);
    if (options.path) return real.apply(this, args);
    const to = destination(options.host, false);
    if (!to) return real.apply(this, args);
    const origin = options.host;
    options.host = to.host;
    options.port = to.port;
    delete options.lookup;
    const socket = real.call(this, options, cb);
    watch(socket, origin, 'http');
    return socket;
  };
}

net.connect = plainConnect(realNetConnect);
net.createConnection = plainConnect(realNetCreateConnection);
if (realAgentCreateConnection === realNetCreateConnection) {
  http.Agent.prototype.createConnection = net.createConnection;
}

tls.connect = function connect(...args) {
  const { options, cb } = normalize(args);
  if (options.socket || options.path) return realTlsConnect.apply(this, args);
  const to = destination(options.host, true);
  if (!to) return realTlsConnect.apply(this, args);
  const origin = options.host;
  if (!options.servername) options.servername = origin.replace(/\.$/, '');
  options.host = to.host;
  options.port = to.port;
  delete options.lookup;
  if (process.env.SLSH_PEER_CA && !options.ca) {
    options.ca = tls.rootCertificates.concat(
      fs.readFileSync(process.env.SLSH_PEER_CA, 'utf8'));
  }
  const socket = realTlsConnect.call(this, options, cb);
  watch(socket, origin, 'https');
  return socket;
};

// --- HTTP/1.1 request parsing on the write side -----------------------------

// Parses one complete request at the start of buf, or returns null when more
// bytes are needed.  Keeps the raw bytes and where each part lies in them so
// that a tamper can change bytes in place (the framing never changes).
function parseRequest(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.slice(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const [method, target] = lines[0].split(' ');
  const headers = [];
  let pos = lines[0].length + 2;
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    const name = line.slice(0, c);
    let vstart = c + 1;
    while (line[vstart] === ' ') vstart++;
    headers.push({ name, value: Buffer.from(line.slice(vstart), 'latin1').toString('utf8'),
                   offset: pos + vstart, length: line.length - vstart });
    pos += line.length + 2;
  }
  const get = (n) => {
    const h = headers.find((x) => x.name.toLowerCase() === n);
    return h && h.value;
  };
  const bodyStart = end + 4;
  const segments = [];          // [rawOffset, length] of body bytes
  let total;
  const te = get('transfer-encoding');
  if (te && /chunked/i.test(te)) {
    let p = bodyStart;
    for (;;) {
      const le = buf.indexOf('\r\n', p);
      if (le < 0) return null;
      const size = parseInt(buf.slice(p, le).toString('latin1'), 16);
      if (size === 0) {
        const fin = buf.indexOf('\r\n', le + 2);
        if (fin < 0) return null;
        total = fin + 2;
        break;
      }
      if (buf.length < le + 2 + size + 2) return null;
      segments.push([le + 2, size]);
      p = le + 2 + size + 2;
    }
  } else {
    const len = Number(get('content-length') || 0);
    if (buf.length < bodyStart + len) return null;
    if (len) segments.push([bodyStart, len]);
    total = bodyStart + len;
  }
  const raw = Buffer.from(buf.slice(0, total));
  return { method, target, headers, segments, raw, total };
}

function bodyOf(req) {
  return Buffer.concat(req.segments.map(([o, n]) => req.raw.slice(o, o + n)));
}

// The public view of a parsed request.
function describe(req, origin, scheme) {
  const q = req.target.indexOf('?');
  return {
    scheme,
    connected_to: origin,
    method: req.method,
    target: req.target,
    path: q < 0 ? req.target : req.target.slice(0, q),
    query_string: q < 0 ? null : req.target.slice(q + 1),
    headers: req.headers.map((h) => [h.name, h.value]),
    body: bodyOf(req),
  };
}

// A response on the read side: status, headers, body (Content-Length or
// chunked), parsed as it arrives.
function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.slice(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  const start = end + 4;
  let body;
  let total;
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let p = start;
    for (;;) {
      const le = buf.indexOf('\r\n', p);
      if (le < 0) return null;
      const size = parseInt(buf.slice(p, le).toString('latin1'), 16);
      if (size === 0) {
        const fin = buf.indexOf('\r\n', le + 2);
        if (fin < 0) return null;
        total = fin + 2;
        break;
      }
      if (buf.length < le + 2 + size + 2) return null;
      parts.push(buf.slice(le + 2, le + 2 + size));
      p = le + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (buf.length < start + len) return null;
    body = buf.slice(start, start + len);
    total = start + len;
  } else if (status === 204 || status === 304) {
    body = Buffer.alloc(0);
    total = start;
  } else {
    return null;  // body until close: finished by the 'end' handler
  }
  let json = null;
  try { json = JSON.parse(body.toString('utf8')); } catch (e) { /* not JSON */ }
  return { response: { status, headers, body: body.toString('utf8'), json }, total };
}

// Wraps a socket: outgoing bytes are held until a whole request is there,
// then (possibly tampered) written; incoming bytes are parsed as responses
// and attached to the exchange they answer.
function watch(socket, origin, scheme) {
  let out = Buffer.alloc(0);
  let inb = Buffer.alloc(0);
  const pending = [];           // exchanges waiting for their response
  const realWrite = socket.write;
  socket.write = function write(chunk, encoding, cb) {
    if (typeof encoding === 'function') { cb = encoding; encoding = undefined; }
    const b = Buffer.isBuffer(chunk) ? chunk
      : (chunk instanceof Uint8Array ? Buffer.from(chunk) : Buffer.from(chunk, encoding || 'utf8'));
    out = Buffer.concat([out, b]);
    let req;
    while ((req = parseRequest(out)) !== null) {
      out = out.slice(req.total);
      const exchange = { request: null, response: null, tampered: null };
      if (api._tamper) {
        const fn = api._tamper;
        api._tamper = null;
        exchange.tampered = fn(req);
      }
      exchange.request = describe(req, origin, scheme);
      api.exchanges.push(exchange);
      pending.push(exchange);
      realWrite.call(socket, req.raw);
    }
    if (cb) process.nextTick(cb);
    return true;
  };
  socket.on('data', (d) => {
    inb = Buffer.concat([inb, d]);
    let r;
    while (pending.length && (r = parseResponse(inb)) !== null) {
      inb = inb.slice(r.total);
      pending.shift().response = r.response;
    }
  });
}

// --- tampering helpers ---------------------------------------------------

// The byte to put at `pos` instead of the one there: digits and letters stay
// digits and letters, so the changed value still parses (a date stays a
// date) and only the signature can tell.
function flipByte(c) {
  if (c >= 0x30 && c <= 0x39) return c === 0x39 ? 0x38 : c + 1;
  if ((c >= 0x41 && c <= 0x59) || (c >= 0x61 && c <= 0x79)) return c + 1;
  if (c === 0x5a || c === 0x7a) return c - 1;
  return null;
}

// Chooses the byte of raw[start, start+len) to change: the last digit, else
// the last letter, never inside a %XX escape.
function pickIn(raw, start, len) {
  let digit = -1;
  let letter = -1;
  for (let i = start; i < start + len; i++) {
    const c = raw[i];
    if (c === 0x25) { i += 2; continue; }
    if (c >= 0x30 && c <= 0x39) digit = i;
    else if (flipByte(c) !== null) letter = i;
  }
  return digit >= 0 ? digit : letter;
}

function change(req, pos, what) {
  if (pos < 0) throw new Error(`peer tamper: nothing to change in ${what}`);
  const before = String.fromCharCode(req.raw[pos]);
  req.raw[pos] = flipByte(req.raw[pos]);
  return `${what}: byte ${JSON.stringify(before)} -> ${JSON.stringify(String.fromCharCode(req.raw[pos]))}`;
}

// Tamper recipes: each returns a function for tamper().
const change1 = {
  header(name) {
    return (req) => {
      const h = req.headers.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!h) throw new Error(`peer tamper: no header ${name} in ${req.method} ${req.target}`);
      return change(req, pickIn(req.raw, h.offset, h.length), `header ${name}`);
    };
  },
  query(name) {
    return (req) => {
      const q = req.target.indexOf('?');
      const start = req.method.length + 1;
      if (q >= 0) {
        let p = q + 1;
        for (const part of req.target.slice(q + 1).split('&')) {
          const eq = part.indexOf('=');
          const key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
          if (key === name && eq >= 0) {
            return change(req, pickIn(req.raw, start + p + eq + 1, part.length - eq - 1), `query ${name}`);
          }
          p += part.length + 1;
        }
      }
      throw new Error(`peer tamper: no query parameter ${name} in ${req.target}`);
    };
  },
  // A form parameter of an urlencoded body.
  form(name) {
    return (req) => {
      const body = bodyOf(req).toString('latin1');
      let p = 0;
      for (const part of body.split('&')) {
        const eq = part.indexOf('=');
        const key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
        if (key === name && eq >= 0) {
          const [off] = req.segments[0];
          if (req.segments.length !== 1) throw new Error('peer tamper: chunked form body');
          return change(req, pickIn(req.raw, off + p + eq + 1, part.length - eq - 1), `form ${name}`);
        }
        p += part.length + 1;
      }
      throw new Error(`peer tamper: no form parameter ${name} in the body`);
    };
  },
  // Any byte of the body (the last digit or letter): covered only through
  // a digest header (Content-MD5, x-log-content-sha256,
  // x-acs-content-sha256), which the server checks against the body.
  body() {
    return (req) => {
      let pos = -1;
      for (const [off, len] of req.segments) {
        const p = pickIn(req.raw, off, len);
        if (p >= 0) pos = p;
      }
      return change(req, pos, 'body');
    };
  },
  // A parameter wherever the SDK put it: the query, else a form body.
  param(name) {
    return (req) => {
      try {
        return change1.query(name)(req);
      } catch (e) {
        return change1.form(name)(req);
      }
    };
  },
};

// Arms a one-shot tamper for the next request written (by any SDK).
api.tamper = function tamper(fn) { api._tamper = fn; };
api.change1 = change1;

// Runs fn and returns [its result or error, the exchanges it caused].
api.capture = async function capture(fn) {
  const from = api.exchanges.length;
  api.hashes.length = 0;
  api._capturing++;
  try {
    let result;
    let error = null;
    try { result = await fn(); } catch (e) { error = e; }
    return { result, error, exchanges: api.exchanges.slice(from), hashes: api.hashes.slice() };
  } finally {
    api._capturing--;
    api._tamper = null;
  }
};

// --- freezing -------------------------------------------------------------

const nonce = { seed: 'peer', n: 0 };
api.nonceSeed = function nonceSeed(seed) { nonce.seed = seed; nonce.n = 0; };
function nextNonce() {
  return realCreateHash('md5').update(`${nonce.seed}#${nonce.n++}`).digest('hex');
}

if (process.env.SLSH_PEER_FREEZE) {
  const RealDate = Date;
  const frozen = RealDate.parse(process.env.SLSH_PEER_FREEZE);
  if (isNaN(frozen)) throw new Error('SLSH_PEER_FREEZE is not a date');
  class FrozenDate extends RealDate {
    constructor(...a) {
      if (a.length === 0) super(frozen); else super(...a);
    }
    static now() { return frozen; }
  }
  global.Date = FrozenDate;
  api.frozen = new RealDate(frozen).toISOString().replace('.000Z', 'Z');

  // Nonce generators of the SDKs: kitx.makeNonce (log, pop-core, tea-util,
  // rpc-util, credentials) and openapi-core's own utils.getNonce.
  const realLoad = Module._load;
  Module._load = function load(request, parent, isMain) {
    const exp = realLoad.apply(this, arguments);
    const from = (parent && parent.filename) || '';
    if (request === 'kitx' && exp.makeNonce !== nextNonce) {
      exp.makeNonce = nextNonce;
    } else if (request === './utils' && /[\\/]@alicloud[\\/]openapi-core[\\/]/.test(from) &&
               exp.default && exp.default.getNonce !== nextNonce) {
      exp.default.getNonce = nextNonce;
    }
    return exp;
  };

  // Inputs of every HMAC and hash while a capture runs.
  function logged(real, kind) {
    return function create(alg, key, ...rest) {
      const h = real.call(this, alg, key, ...rest);
      if (!api._capturing) return h;
      const parts = [];
      const update = h.update;
      const digest = h.digest;
      h.update = function (d, e) {
        parts.push(Buffer.isBuffer(d) ? Buffer.from(d)
          : (d instanceof Uint8Array ? Buffer.from(d) : Buffer.from(String(d), e || 'utf8')));
        return update.call(this, d, e);
      };
      h.digest = function (e) {
        const r = digest.call(this, e);
        const bytes = Buffer.isBuffer(r) ? r : Buffer.from(r, e);
        api.hashes.push({ kind, alg: String(alg).toLowerCase(), data: Buffer.concat(parts),
                          hex: bytes.toString('hex'), base64: bytes.toString('base64') });
        return r;
      };
      return h;
    };
  }
  crypto.createHmac = logged(crypto.createHmac, 'hmac');
  crypto.createHash = logged(crypto.createHash, 'hash');
}

global.__slshPeer = api;
module.exports = api;
