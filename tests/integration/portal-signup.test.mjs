// portal-signup.test.mjs - /account/signup with activation codes from
// `fhirgate account activation-code`: the form (en/es, no JavaScript, CSRF),
// the user-name and password rules, single use, 14-day expiry, 13 and over
// only (Nora turns 13 on the load day), and a taken user name that does not
// burn the code. The new account then signs in at /auth/authorize.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryPath, runCli, startServer } from './lib/server.mjs';
import { browser, hidden, pkce } from './lib/launch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const LOAD = '2026-11-23';
const PASSWORD = 'Fresh-pass-2026';

function cli(args) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
  return spawnSync(binaryPath(), args, { env, encoding: 'utf8', timeout: 30000 });
}

const csrfOf = (html) => hidden(html).csrf;

describe('/account/signup', { concurrency: false }, () => {
  let dir, before13, after13;

  /** A code for patient, issued at now (default: the load day). */
  const code = (srv, patient, now = LOAD) => {
    const r = cli(['account', 'activation-code', '--auth-db', srv.authDbPath, '--now', now, '--patient', patient]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.code, /^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    return out.code;
  };
  /** Opens the form and posts it; returns the answer page. */
  const signup = async (srv, fields, b = browser(srv.base)) => {
    const page = await b.go('/account/signup');
    assert.equal(page.status, 200, page.text.slice(0, 300));
    return b.go('/account/signup', { method: 'POST', form: { csrf: csrfOf(page.text), password2: fields.password, ...fields } });
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-signup-'));
    const db = path.join(dir, 'fhirgate.db');
    const seeded = await runCli(['seed', '--db', db, '--fixtures', fixturesDir, '--now', LOAD], { timeoutMs: 120000 });
    assert.equal(seeded.code, 0, seeded.stderr);
    const authDb = path.join(dir, 'auth.db'); // shared: a code issued on one day is used on the next
    before13 = await startServer({ db, authDb, now: '2026-11-22T12:00:00Z' });
    after13 = await startServer({ db, authDb, now: '2026-11-23T12:00:00Z' });
  });
  after(async () => {
    for (const s of [before13, after13]) {
      await s.stop();
      s.cleanup();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('the form: no JavaScript, a CSRF field, the same shell as sign-in, English and Spanish', async () => {
    const en = await browser(after13.base).go('/account/signup');
    assert.equal(en.status, 200);
    assert.match(en.headers.get('content-type'), /text\/html/);
    assert.match(en.headers.get('content-security-policy'), /default-src 'none'/);
    assert.equal(en.headers.get('cache-control'), 'no-store');
    assert.ok(!/<script/i.test(en.text));
    assert.ok(csrfOf(en.text));
    for (const name of ['code', 'username', 'password', 'password2']) assert.match(en.text, new RegExp(`name="${name}"`));
    assert.match(en.text, /Create your account/);
    const es = await browser(after13.base, { lang: 'es-MX,es;q=0.9' }).go('/account/signup');
    assert.match(es.text, /Cree su cuenta/);
    assert.match(es.text, /Código de activación/);
    assert.match(es.text, /<html lang="es"/);
  });

  it('refuses a post without the session\'s CSRF token', async () => {
    const c = code(after13, 'amy');
    const b = browser(after13.base);
    await b.go('/account/signup');
    const r = await b.go('/account/signup', { method: 'POST', form: { csrf: 'forged', code: c, username: 'amysignup', password: PASSWORD, password2: PASSWORD } });
    assert.equal(r.status, 403);
    // the code was not used: it still works
    const ok = await signup(after13, { code: c, username: 'amysignup', password: PASSWORD });
    assert.equal(ok.status, 200, ok.text.slice(0, 400));
    assert.match(ok.text, /Your account is ready/);
  });

  for (const [why, fields, msg] of [
    ['a short user name', { username: 'amy', password: PASSWORD }, /5 to 24 characters/],
    ['a user name with a dot', { username: 'amy.s', password: PASSWORD }, /only letters and digits/],
    ['a short password', { username: 'danielsignup', password: 'Short-1' }, /at least 10 characters/],
    ['a password without upper case', { username: 'danielsignup', password: 'lowercase-only-1' }, /upper-case/],
    ['a password containing the user name', { username: 'danielsignup', password: 'Xdanielsignup-1' }, /must not contain the user name/],
    ['two different passwords', { username: 'danielsignup', password: PASSWORD, password2: 'Other-pass-2026' }, /not the same/],
  ]) {
    it(`refuses ${why} and keeps the code`, async () => {
      const c = code(after13, 'daniel');
      const r = await signup(after13, { code: c, ...fields });
      assert.equal(r.status, 400, r.text.slice(0, 300));
      assert.match(r.text, msg);
      // still valid: the next refusal comes from the (taken) user name, after the code was checked
      const next = await signup(after13, { code: c, username: 'amysignup', password: PASSWORD });
      assert.equal(next.status, 409, next.text.slice(0, 400));
      assert.match(next.text, /taken/);
    });
  }

  it('a code works once, in any letter case and spacing', async () => {
    const c = code(after13, 'max');
    const typed = c.toLowerCase().replace(/-/g, ' ');
    const ok = await signup(after13, { code: typed, username: 'maxsignup', password: PASSWORD });
    assert.equal(ok.status, 200, ok.text.slice(0, 400));
    const again = await signup(after13, { code: c, username: 'maxsignup2', password: PASSWORD });
    assert.equal(again.status, 400);
    assert.match(again.text, /not valid/);
    const wrong = await signup(after13, { code: 'ABCDE-FGHJK-MNPQR', username: 'maxsignup3', password: PASSWORD });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.text.replace(/value="[^"]*"/g, ''), again.text.replace(/value="[^"]*"/g, ''));
  });

  it('one own account per patient: a second code for Max is refused (409), not used up', async () => {
    const c = code(after13, 'max');
    const r = await signup(after13, { code: c, username: 'maxsecond', password: PASSWORD });
    assert.equal(r.status, 409, r.text.slice(0, 300));
    assert.match(r.text, /already has an account/);
  });

  it('a code expires after 14 days', async () => {
    const old = code(after13, 'daniel', '2026-11-09T11:59:00Z');
    const late = await signup(after13, { code: old, username: 'lateuser', password: PASSWORD });
    assert.equal(late.status, 400);
    assert.match(late.text, /not valid/);
    const edge = code(after13, 'daniel', '2026-11-09T12:01:00Z');
    const ok = await signup(after13, { code: edge, username: 'edgeuser', password: PASSWORD });
    assert.equal(ok.status, 200, ok.text.slice(0, 400));
  });

  it('a taken user name is refused (409) and the code stays usable', async () => {
    const c = code(after13, 'owen');
    const taken = await signup(after13, { code: c, username: 'AMYSIGNUP', password: PASSWORD });
    assert.equal(taken.status, 409, taken.text.slice(0, 300));
    assert.match(taken.text, /taken/);
    const ok = await signup(after13, { code: c, username: 'owensignup', password: PASSWORD });
    assert.equal(ok.status, 200, ok.text.slice(0, 400));
  });

  it('only patients 13 and over: Nora on the day before and on her 13th birthday; Lily (8)', async () => {
    const lily = await signup(after13, { code: code(after13, 'lily'), username: 'lilysignup', password: PASSWORD });
    assert.equal(lily.status, 400);
    assert.match(lily.text, /12 and under/);
    const c = code(before13, 'nora', '2026-11-22');
    const young = await signup(before13, { code: c, username: 'norasignup', password: PASSWORD });
    assert.equal(young.status, 400);
    assert.match(young.text, /12 and under/);
    // the refusal did not burn the code: on her birthday it works
    const ok = await signup(after13, { code: c, username: 'norasignup', password: PASSWORD });
    assert.equal(ok.status, 200, ok.text.slice(0, 400));
  });

  it('the new account signs in at /auth/authorize and is offered its own record', async () => {
    const app = JSON.parse(cli(['client', 'add', '--auth-db', after13.authDbPath, '--name', 'Signup app',
      '--redirect-uri', 'https://app.example/cb', '--type', 'public', '--scope', 'launch/patient patient/*.rs']).stdout);
    const { challenge } = pkce();
    const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: 'https://app.example/cb',
      scope: 'launch/patient patient/*.rs', state: 's1', aud: after13.fhirBase, code_challenge: challenge, code_challenge_method: 'S256' });
    const b = browser(after13.base);
    const start = await b.go(`/auth/authorize?${q}`);
    assert.equal(start.status, 303, start.text.slice(0, 300));
    const page = await b.go(start.location);
    const signin = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: 'norasignup', password: PASSWORD } });
    assert.equal(signin.status, 303, signin.text.slice(0, 300));
    const consent = await b.go(signin.location);
    assert.equal(consent.status, 200);
    assert.match(consent.text, /Nora Sample/);
  });
});
