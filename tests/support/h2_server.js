// An HTTP/2-only TLS server for the HTTP engine's multiplexing tests.
//   node h2_server.js --listen 127.0.0.1:0 --cert PEM --key PEM
// prints `listening https://HOST:PORT`. Paths: /sleep?ms=N answers after
// N ms with "METHOD PATH :authority"; /stats gives
// {"connections": sessions, "requests": streams}.
'use strict';
const fs = require('fs');
const http2 = require('http2');

const opt = {};
for (let i = 2; i < process.argv.length; i += 2) {
  opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const [host, port] = (opt.listen || '127.0.0.1:0').split(/:(?=\d+$)/);
const stats = { connections: 0, requests: 0 };
const server = http2.createSecureServer({
  cert: fs.readFileSync(opt.cert),
  key: fs.readFileSync(opt.key),
  // curl 7.88 sends a frame per finished stream that node counts as
  // invalid; by default node kills the session after 1000 of them
  maxSessionInvalidFrames: 1e9,
  maxSessionMemory: 1000,
});
server.on('session', () => { stats.connections++; });
server.on('stream', (stream, headers) => {
  stats.requests++;
  // like nginx (http2_max_requests 1000): a graceful GOAWAY after 1000
  // streams, so that clients move to a new connection
  const session = stream.session;
  session.streams = (session.streams || 0) + 1;
  if (session.streams === 1000) session.close();
  // a client may reset a stream it gave up on; that is not our failure
  stream.on('error', () => {});
  const url = new URL(headers[':path'], 'https://x');
  if (url.pathname.endsWith('/stats')) {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify(stats));
    return;
  }
  const ms = Number(url.searchParams.get('ms') || 0);
  setTimeout(() => {
    if (stream.destroyed) return;
    stream.respond({ ':status': 200, 'x-log-requestid': 'H2' });
    stream.end(`${headers[':method']} ${headers[':path']} ${headers[':authority']}`);
  }, ms);
});
server.listen(Number(port), host, () => {
  console.log(`listening https://${host}:${server.address().port}`);
});
// Exit with the test that started us.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
process.on('SIGTERM', () => process.exit(0));
