// Shared by the e2e test and the browser benchmarks: start opdcheck-server on a free port,
// launch Debian's Chromium through playwright-core, poll for a condition.

import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Paths from the environment `cargo xtask` sets, with the defaults of a plain `cargo build`. */
export const config = {
  server: process.env.OPDCHECK_SERVER ?? path.join(root, 'target', 'release', 'opdcheck-server'),
  dist: process.env.OPDCHECK_DIST ?? path.join(root, 'dist'),
  chromium: process.env.OPDCHECK_CHROMIUM ?? '/usr/bin/chromium',
  out: process.env.OPDCHECK_OUT ?? path.join(root, 'target', 'e2e'),
};

export function outFile(name) {
  mkdirSync(config.out, { recursive: true });
  return path.join(config.out, name);
}

/**
 * `['--demo']` when the server takes that flag (its `--help` lists it), else `[]`. A server with
 * the flag creates the demo accounts (doctor/doctor, qa/qa, admin/admin) and the demo portal's
 * key only when given it; an older one creates them on every first start. The tests sign in as
 * those accounts, so they ask for them either way.
 */
export function demoFlag(server = config.server) {
  const help = spawnSync(server, ['--help'], { encoding: 'utf8', timeout: 10_000 });
  return /(^|[\s[])--demo(?![\w-])/m.test(`${help.stdout ?? ''}${help.stderr ?? ''}`) ? ['--demo'] : [];
}

/**
 * Start the server on 127.0.0.1, port 0, with the demo accounts (see `demoFlag`); resolves with
 * `{ url, stop }` once it prints its URL. `extra`: more arguments (e.g. `['--data-dir', dir]`
 * for a fresh database).
 */
export function startServer(extra = []) {
  const args = ['--addr', '127.0.0.1:0', '--dist', config.dist, ...demoFlag(), ...extra];
  const child = spawn(config.server, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`opdcheck-server printed no URL within 10 s; stderr:\n${stderr}`));
    }, 10_000);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${config.server}: ${e.message}`)); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`opdcheck-server exited (${code}) before serving; stderr:\n${stderr}`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^opdcheck: serving (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line.trim());
      if (!m) {
        child.kill();
        reject(new Error(`unexpected first line from opdcheck-server: ${JSON.stringify(line)}`));
        return;
      }
      child.removeAllListeners('exit');
      resolve({
        url: m[1],
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: config.chromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Poll `probe` (async, returns a value) until `ok(value)`; throws with `what` and the last value
 * on timeout. An explicit wait, not a sleep: it returns as soon as the condition holds.
 */
export async function until(what, probe, ok = Boolean, timeout = 10_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1], min: s[0] };
}
