// demo.test.mjs - the demo app's files as fhirgate serves them at /demo
// (the app itself runs in a browser: tests/e2e/demo.e2e.mjs), and
// scripts/run.sh (`make run`): what it registers and prints, and that the
// EHR launch line it prints works for the practitioner demo account.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, runCli } from './lib/server.mjs';
import { browser, hidden, checkboxes, pkce, PASSWORD } from './lib/launch.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('/demo', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); srv.cleanup(); });

  it('serves the files from gateway/demo/ byte for byte, with their types and a same-origin CSP', async () => {
    for (const [path, file, type] of [['/demo/', 'index.html', 'text/html'], ['/demo/index.html', 'index.html', 'text/html'],
      ['/demo/demo.js', 'demo.js', 'text/javascript'], ['/demo/demo.css', 'demo.css', 'text/css']]) {
      const r = await srv.request({ path, headers: { Origin: 'https://elsewhere.example' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.text, readFileSync(new URL(`../../gateway/demo/${file}`, import.meta.url), 'utf8'), path);
      assert.match(r.headers['content-type'], new RegExp(`^${type}; charset=utf-8$`));
      assert.match(r.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
      assert.match(r.headers['content-security-policy'], /connect-src 'self'/);
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['access-control-allow-origin'], undefined, 'no CORS on the app itself');
    }
  });

  it('/demo redirects to /demo/ keeping the query; anything else is 404', async () => {
    const r = await srv.request({ path: '/demo?client_id=abc&iss=x' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, '/demo/?client_id=abc&iss=x');
    assert.equal((await srv.request({ path: '/demo' })).headers.location, '/demo/');
    for (const path of ['/demo/nope.js', '/demo/../README.md', '/demo/demo.js/x', '/demo/.git']) {
      const n = await srv.request({ path });
      assert.equal(n.status, 404, path);
    }
    const post = await srv.request({ method: 'POST', path: '/demo/', body: 'x' });
    assert.equal(post.status, 405);
  });
});

/** A free loopback port (run.sh needs one up front). */
function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs scripts/run.sh until it has printed its last line; {child, out}. */
async function runScript(env) {
  const child = spawn('bash', ['scripts/run.sh'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run.sh printed no summary:\n${out}\n${err}`)), 60000);
    const check = () => { if (out.includes('drokafor    practitioner')) { clearTimeout(timer); resolve(); } };
    child.stdout.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`run.sh exited ${code}:\n${out}\n${err}`)); });
  });
  return { child, out };
}

async function stopScript(child) {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

describe('scripts/run.sh (make run)', () => {
  let dir, port, base, env;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-run-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      FHIRGATE_PORT: String(port), FHIRGATE_DB: path.join(dir, 'run.db'),
      FHIRGATE_AUTH_DB: path.join(dir, 'run-auth.db'), FHIRGATE_BIN: process.env.FHIRGATE_BIN,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('registers the demo app with a launch URI and drokafor; the printed EHR launch line works', async () => {
    const { child, out } = await runScript(env);
    try {
      const demoId = `fhirgate-demo-${port}`;
      assert.ok(out.includes(`${base}/demo/?client_id=${demoId}`), out);
      const listed = (await runCli(['client', 'list', '--auth-db', env.FHIRGATE_AUTH_DB])).stdout
        .trim().split('\n').map((l) => JSON.parse(l));
      const demo = listed.find((c) => c.client_id === demoId);
      assert.equal(demo.initiate_login_uri, `${base}/demo/?client_id=${demoId}`);
      assert.ok(demo.scope.split(' ').includes('launch'), demo.scope);
      // the printed command, as a newcomer would paste it
      const m = out.match(/\n {2}(\S+ launch [^\n]*)\\\n\s+([^\n]*)\n/);
      assert.ok(m, out);
      const args = `${m[1]} ${m[2]}`.trim().split(/\s+/).slice(1);
      const launched = await runCli(args);
      assert.equal(launched.code, 0, launched.stderr);
      const url = new URL(launched.stdout.trim());
      assert.equal(`${url.origin}${url.pathname}`, `${base}/demo/`);
      assert.equal(url.searchParams.get('client_id'), demoId, 'the demo page learns its client_id');
      assert.equal(url.searchParams.get('iss'), `${base}/fhir`);
      // what demo.js then does: authorize with launch + the launch scope, as drokafor
      const scope = 'launch openid fhirUser patient/Patient.rs patient/Condition.rs patient/Observation.rs';
      const { verifier, challenge } = pkce();
      const state = crypto.randomUUID();
      const b = browser(base);
      const q = new URLSearchParams({
        response_type: 'code', client_id: demoId, redirect_uri: `${base}/demo/`, scope, state, aud: `${base}/fhir`,
        code_challenge: challenge, code_challenge_method: 'S256', launch: url.searchParams.get('launch'),
      });
      const start = await b.go(`/auth/authorize?${q}`);
      assert.equal(start.status, 303, start.text);
      const page = await b.go(start.location);
      const signed = await b.go('/auth/authorize', {
        method: 'POST', form: { ...hidden(page.text), action: 'signin', username: 'drokafor', password: PASSWORD },
      });
      assert.equal(signed.status, 303, signed.text);
      const consent = await b.go(signed.location);
      assert.equal(consent.status, 200, consent.text);
      const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
      for (const s of checkboxes(consent.text)) if (scope.split(' ').includes(s)) form.append('scope', s);
      const back = await b.go('/auth/authorize', { method: 'POST', form });
      assert.equal(back.status, 302, back.text);
      const code = new URL(back.location).searchParams.get('code');
      const t = await fetch(`${base}/auth/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${base}/demo/`, client_id: demoId, code_verifier: verifier }),
      });
      const body = await t.json();
      assert.equal(t.status, 200, JSON.stringify(body));
      assert.equal(body.patient, 'amy');
      assert.equal(body.encounter, 'amy-enc-6');
      const read = await fetch(`${base}/fhir/Condition?patient=amy`, { headers: { Authorization: `Bearer ${body.access_token}` } });
      assert.equal(read.status, 200);
    } finally {
      await stopScript(child);
    }
    // a second run keeps what is there (no new demo client, no error)
    const again = await runScript(env);
    await stopScript(again.child);
    const ids = (await runCli(['client', 'list', '--auth-db', env.FHIRGATE_AUTH_DB])).stdout
      .trim().split('\n').map((l) => JSON.parse(l).client_id);
    assert.equal(ids.filter((id) => id.startsWith('fhirgate-demo')).length, 1);
  });
});
