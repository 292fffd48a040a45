// Shared by the e2e test and the browser benchmarks: start opdcheck-server on a free port,
// launch Debian's Chromium through playwright-core, poll for a condition.

import { spawn } from 'node:child_process';
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
 * Start the server on 127.0.0.1, port 0, in demo mode; resolves with `{ url, stop }` once it prints its URL.
 * `extra`: more arguments (e.g. `['--data-dir', dir]` for a fresh database). `options.dist:
 * false` serves the app built into the binary (no `--dist`); `options.cwd` its working directory.
 */
export function startServer(extra = [], options = {}) {
  const dist = options.dist === false ? [] : ['--dist', config.dist];
  // --demo: the tests sign in with the demo accounts and use the demo portal and its key.
  const child = spawn(config.server, ['--addr', '127.0.0.1:0', ...dist, '--demo', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
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

/**
 * Debian's Chromium, headless; never a downloaded browser. Every page's console is watched for
 * Content-Security-Policy violations (the server sends a strict CSP): `browser.close()` throws,
 * failing the test, when there was any.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
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
  const violations = [];
  const watched = new WeakSet();
  const watch = (page) => {
    if (watched.has(page)) return;
    watched.add(page);
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy/i.test(text)) violations.push(`${page.url()}: ${text}`);
    });
  };
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('page', watch);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    watch(page);
    return page;
  };
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    if (violations.length) {
      throw new Error(`Content-Security-Policy violations in the browser console:\n${violations.join('\n')}`);
    }
  };
  return browser;
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

/**
 * An old hospital PC: slow the page's CPU by `rate` (CDP `Emulation.setCPUThrottlingRate`;
 * 4 = four times slower). A rate of 1 or less leaves the page as it is.
 */
export async function throttle(page, rate) {
  if (!(rate > 1)) return;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

/** `--throttle N` of a bench's command line (default 1: no throttling). */
export function throttleArg(argv) {
  const i = argv.indexOf('--throttle');
  return i >= 0 ? Number(argv[i + 1]) || 1 : 1;
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1], min: s[0] };
}
