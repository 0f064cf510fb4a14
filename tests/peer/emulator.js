'use strict';
// Starts tests/emulator/slsh-emulator as a child process (record.js uses it
// when run by hand; run.sh starts its emulators itself) and parses the lines
// it prints: "listening http://H:P", "listening https://H:P", "ca PATH".

const { spawn } = require('child_process');
const path = require('path');

const EMULATOR = process.env.SLSH_EMULATOR || path.join(__dirname, '..', 'emulator', 'slsh-emulator');

function start({ state, clock, extra = [] } = {}) {
  const args = ['--listen', '127.0.0.1:0', '--tls'];
  if (state) args.push('--state', state);
  if (clock) args.push('--clock', clock);
  args.push(...extra);
  const child = spawn('python3', [EMULATOR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const found = {};
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`emulator did not start in 20 s: ${out}${err}`));
    }, 20000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code}) before listening: ${out}${err}`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        let m;
        if ((m = /^listening http:\/\/(\S+)/.exec(line))) found.http = m[1];
        if ((m = /^listening https:\/\/(\S+)/.exec(line))) found.https = m[1];
        if ((m = /^ca (\S.*)$/.exec(line))) found.ca = m[1];
      }
      if (found.http && found.https && found.ca) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve(Object.assign(found, {
          stop() {
            return new Promise((res) => {
              if (child.exitCode !== null) return res();
              child.on('exit', () => res());
              child.kill('SIGTERM');
            });
          },
        }));
      }
    });
  });
}

module.exports = { start, EMULATOR };
