// portal-picker.test.mjs - the authorize flow's patient picker offers only the
// patients the signed-in account may act for today: Daniel's child proxy for
// Owen ends on Owen's 18th birthday (the load day), so the picker offers Owen
// the minute before midnight and not the minute after, and a forged pick of
// Owen is refused. Nora (13 that day) stays, with the limited view.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryPath, runCli, startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const PASSWORD = 'Demo-pass-2026';
const REDIRECT = 'https://app.example/cb';

function cli(args, input) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
  const r = spawnSync(binaryPath(), args, { input: input ?? '', env, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function browser(base) {
  const jar = new Map();
  return async (url, { method = 'GET', form } = {}) => {
    const headers = { accept: 'text/html' };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const body = form ? new URLSearchParams(form).toString() : undefined;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(new URL(url, base), { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
}
const field = (html, name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
const radios = (html) => [...html.matchAll(/<input type="radio" name="patient" id="p\d+" value="([^"]*)"/g)].map((m) => m[1]);

describe('patient picker by age', { concurrency: false }, () => {
  let dir, app;
  const srv = {};

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-picker-'));
    const db = path.join(dir, 'fhirgate.db');
    const authDb = path.join(dir, 'auth.db');
    const seeded = await runCli(['seed', '--db', db, '--fixtures', fixturesDir, '--now', '2026-11-23'], { timeoutMs: 120000 });
    assert.equal(seeded.code, 0, seeded.stderr);
    cli(['account', 'add', '--auth-db', authDb, '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin'], `${PASSWORD}\n`);
    for (const p of ['nora', 'owen'])
      cli(['account', 'proxy', 'add', '--auth-db', authDb, '--now', '2026-01-01', '--user', 'danielshaw', '--patient', p, '--kind', 'parent']);
    app = JSON.parse(cli(['client', 'add', '--auth-db', authDb, '--name', 'Picker app', '--redirect-uri', REDIRECT,
      '--type', 'public', '--scope', 'launch/patient patient/*.rs']));
    srv.before = await startServer({ db, authDb, now: '2026-11-22T23:59:00Z' });
    srv.after = await startServer({ db, authDb, now: '2026-11-23T00:01:00Z' });
  });
  after(async () => {
    for (const s of Object.values(srv)) {
      await s.stop();
      s.cleanup();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Signs in as Daniel; returns the browser and the picker page. */
  async function picker(s) {
    const go = browser(s.base);
    const challenge = crypto.createHash('sha256').update(crypto.randomBytes(32).toString('base64url')).digest('base64url');
    const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT,
      scope: 'launch/patient patient/*.rs', state: 'st', aud: s.fhirBase, code_challenge: challenge, code_challenge_method: 'S256' });
    const start = await go(`/auth/authorize?${q}`);
    assert.equal(start.status, 303, start.text.slice(0, 300));
    const page = await go(start.location);
    const signin = await go('/auth/authorize', { method: 'POST', form: {
      req: field(page.text, 'req'), csrf: field(page.text, 'csrf'), action: 'signin', username: 'danielshaw', password: PASSWORD } });
    assert.equal(signin.status, 303, signin.text.slice(0, 300));
    return { go, page: await go(signin.location) };
  }

  it('offers Owen the minute before his 18th birthday', async () => {
    const { page } = await picker(srv.before);
    assert.equal(page.status, 200);
    assert.deepEqual(radios(page.text), ['daniel', 'nora', 'owen']);
  });

  it('no longer offers Owen the minute after, and refuses a forged pick', async () => {
    const { go, page } = await picker(srv.after);
    assert.deepEqual(radios(page.text), ['daniel', 'nora']);
    const forged = await go('/auth/authorize', { method: 'POST', form: {
      req: field(page.text, 'req'), csrf: field(page.text, 'csrf'), action: 'pick', patient: 'owen' } });
    assert.equal(forged.status, 400);
    assert.deepEqual(radios(forged.text), ['daniel', 'nora']);
  });
});
