// server.mjs - start a fhirgate binary for a test and talk HTTP to it.
//
// startServer() runs `fhirgate serve` on a free loopback port (--port 0: the
// server logs the port it bound) with a fresh temporary database, waits for
// GET /healthz, and captures stdout (the access log) and stderr. stop() sends
// SIGTERM and reports whether the process exited 0; kill() sends SIGKILL.
//
// Every /fhir request needs a bearer token (issue 3), so startServer
// provisions an operator client and a full-access token (system/*.cruds)
// with `fhirgate client add` / `fhirgate token issue` on the server's auth
// database; server.request attaches it unless the request says otherwise:
// `auth: false` sends no Authorization header, `auth: '<token>'` sends that
// token, and an explicit Authorization header always wins.
// server.token({scope, patient, user, client}) mints another token.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

/** The binary under test: $FHIRGATE_BIN (set by scripts/run-integration.sh). */
export function binaryPath() {
  const bin = process.env.FHIRGATE_BIN;
  if (!bin) throw new Error('FHIRGATE_BIN is not set (run scripts/run-integration.sh BIN)');
  return path.resolve(bin);
}

/** The environment without FHIRGATE_* settings, so a test sees only what it asks for. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
  return { ...env, ...extra };
}

/** Parses JSON lines, skipping anything that is not JSON. */
export function jsonLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { out.push(JSON.parse(line)); } catch { /* not a log line */ }
  }
  return out;
}

/**
 * One HTTP(S) request; resolves {status, headers, text, json, socketReused}.
 * body: a string or Buffer sent as is. agent: optional http.Agent.
 */
export function request(base, { method = 'GET', path: p = '/', headers = {}, body, agent, timeoutMs = 15000 } = {}) {
  const url = new URL(p, base);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json, socketReused: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${p}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `fhirgate serve`. Options: bin, now ("YYYY-MM-DD" or instant),
 * args (extra flags), env (extra variables), db (path; default fresh temp),
 * authDb (path; default fresh temp),
 * tls {cert, key}, timeoutMs.
 */
export async function startServer(opts = {}) {
  const bin = opts.bin ?? binaryPath();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-it-'));
  const dbPath = opts.db ?? path.join(dir, 'fhirgate.db');
  const authDbPath = opts.authDb ?? path.join(dir, 'fhirgate-auth.db');
  const argv = ['serve', '--bind', '127.0.0.1', '--port', '0', '--db', dbPath, '--auth-db', authDbPath];
  if (opts.now) argv.push('--now', opts.now);
  if (opts.tls) argv.push('--tls-cert', opts.tls.cert, '--tls-key', opts.tls.key);
  argv.push(...(opts.args ?? []));
  const child = spawn(bin, argv, { env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let exitInfo = null;
  exited.then((e) => { exitInfo = e; });

  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  let port = 0;
  while (!port) {
    if (exitInfo) throw new Error(`fhirgate exited early (${JSON.stringify(exitInfo)}):\n${stderr}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`fhirgate did not start:\n${stderr}`); }
    const listening = jsonLines(stderr).find((l) => l.event === 'listening');
    if (listening) port = listening.port; else await sleep(20);
  }
  const scheme = opts.tls ? 'https' : 'http';
  const base = `${scheme}://127.0.0.1:${port}`;
  for (;;) {
    try {
      const r = await request(base, { path: '/healthz', timeoutMs: 2000 });
      if (r.status === 200) break;
    } catch { /* not ready yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`no /healthz:\n${stderr}`); }
    await sleep(20);
  }

  const fhirBase = `${base}/fhir`;
  const authArgs = ['--auth-db', authDbPath, '--base-url', fhirBase];
  const nowArgs = (now) => (now ? ['--now', now] : []);
  const added = await runCli(['client', 'add', ...authArgs, ...nowArgs(opts.now), '--name', 'test operator',
    '--redirect-uri', 'http://localhost/operator', '--type', 'public',
    '--scope', OPERATOR_CLIENT_SCOPES], { bin });
  if (added.code !== 0) { child.kill('SIGKILL'); throw new Error(`client add failed:\n${added.stderr}`); }
  const operatorClient = JSON.parse(added.stdout).client_id;
  /** The token response of `fhirgate token issue` (access_token, scope, patient...). */
  // `now` (default: the server's) is when the token is issued.
  async function tokenResponse({ scope = 'system/*.cruds', patient, user, client = operatorClient, now = opts.now } = {}) {
    const args = ['token', 'issue', ...authArgs, ...nowArgs(now), '--client', client, '--scope', scope];
    if (patient) args.push('--patient', patient);
    if (user) args.push('--user', user);
    const r = await runCli(args, { bin });
    if (r.code !== 0) throw new Error(`token issue failed (${scope}):\n${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  let operatorToken;
  try {
    operatorToken = (await tokenResponse()).access_token;
  } catch (e) { child.kill('SIGKILL'); throw e; }

  const server = {
    child, port, base, fhirBase, dir, dbPath, authDbPath, operatorClient, operatorToken,
    stdout: () => stdout,
    stderr: () => stderr,
    accessLog: () => jsonLines(stdout).filter((l) => l.event === 'access'),
    exited,
    /** Like request(), with the operator token unless r.auth / an Authorization header says otherwise. */
    request: (r = {}) => request(base, withAuth(r, operatorToken)),
    /** A new access token: {scope, patient, user, client} (default: the operator client). */
    token: async (o = {}) => (await tokenResponse(o)).access_token,
    tokenResponse,
    /** SIGTERM (or sig); resolves {code, signal, exitedZero} once it exits (SIGKILL after timeoutMs). */
    async stop(sig = 'SIGTERM', timeoutMs = 20000) {
      if (!exitInfo) child.kill(sig);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const e = await exited;
      clearTimeout(timer);
      return { ...e, exitedZero: e.code === 0 };
    },
    /** SIGKILL: no chance to clean up (crash tests). */
    async kill() {
      if (!exitInfo) child.kill('SIGKILL');
      return exited;
    },
    /** Removes the temporary directory (the database with it). */
    cleanup() { rmSync(dir, { recursive: true, force: true }); },
  };
  return server;
}

/** The scopes the operator client may be granted: everything. */
export const OPERATOR_CLIENT_SCOPES = 'system/*.cruds user/*.cruds patient/*.cruds launch launch/patient '
  + 'openid fhirUser profile offline_access online_access';

/**
 * r with the Authorization header server.request should send: the default
 * token goes only to the FHIR API (/fhir...), where every request needs
 * one; OAuth endpoints (/auth/...) treat a bearer token as a credential of
 * its own, so they get one only when r.auth names it.
 */
export function withAuth(r, defaultToken) {
  const { auth, ...rest } = r;
  const headers = { ...(rest.headers ?? {}) };
  const explicit = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  const fhir = new URL(String(rest.path ?? '/'), 'http://host').pathname.startsWith('/fhir');
  if (!explicit && auth !== false && (typeof auth === 'string' || fhir)) {
    const token = typeof auth === 'string' ? auth : defaultToken;
    if (token) headers.Authorization = `Bearer ${token}`;
  }
  return { ...rest, headers };
}

/** runCli for set-up steps, synchronously: input goes to stdin; asserts the exit code is one of ok; returns stdout. */
export function cliSync(args, { input = '', ok = [0], timeoutMs = 30000 } = {}) {
  const r = spawnSync(binaryPath(), args, { input, env: cleanEnv({}), encoding: 'utf8', timeout: timeoutMs });
  assert.ok(ok.includes(r.status), `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Runs the binary with arguments (no server); input (optional) goes to stdin; resolves {code, stdout, stderr}. */
export function runCli(args, { env = {}, bin = binaryPath(), timeoutMs = 20000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: cleanEnv(env), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}
