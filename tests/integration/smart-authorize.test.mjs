// smart-authorize.test.mjs - GET/POST /auth/authorize and its pages: request
// validation (error page vs redirect, aud, PKCE, scope), sign-in with the
// same message for unknown users and wrong passwords, lockout after 5,
// patient picker for a proxy, consent with a subset of the scopes (G-5),
// deny, CSRF, Spanish pages. Uses node fetch with a tiny cookie jar.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { startServer, binaryPath, cliSync } from './lib/server.mjs';
import { browser, checkboxes, hidden, pkce, radios, unescape, PASSWORD } from './lib/launch.mjs';

const REDIRECT = 'https://app.example/callback';
const LAB = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

const cli = (args, input) => cliSync(args, { input, ok: [0, 3] });


describe('/auth/authorize', () => {
  let srv;
  let clientId;
  const { verifier, challenge } = pkce();
  const params = (over = {}) => {
    const p = {
      response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state: 'st-123&x',
      aud: srv.fhirBase, scope: 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs patient/Condition.rs',
      code_challenge: challenge, code_challenge_method: 'S256', ...over,
    };
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    return `/auth/authorize?${new URLSearchParams(p)}`;
  };

  before(async () => {
    srv = await startServer();
    const out = spawnSync(binaryPath(), ['client', 'add', '--auth-db', srv.authDbPath, '--name', 'Demo <Health> App',
      '--redirect-uri', REDIRECT, '--type', 'public', '--scope', 'launch/patient openid fhirUser offline_access patient/*.rs'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    clientId = JSON.parse(out.stdout).client_id;
    for (const [user, patient] of [['amyshaw', 'amy'], ['danielshaw', 'daniel'], ['maxshaw', 'max'], ['lockme01', 'amy']])
      cli(['account', 'add', '--auth-db', srv.authDbPath, '--user', user, '--patient', patient, '--password-stdin'], `${PASSWORD}\n`);
    for (const p of ['lily', 'max'])
      cli(['account', 'proxy', '--auth-db', srv.authDbPath, '--user', 'danielshaw', '--patient', p, '--kind', 'parent']);
    // birth dates matter: a proxy's view follows the patient's age today (portal rules)
    const born = (years) => new Date(Date.now() - (years * 365.25 + 100) * 86400000).toISOString().slice(0, 10);
    for (const [id, given, age] of [['amy', 'Amy', 38], ['daniel', 'Daniel', 41], ['lily', 'Lily', 8], ['max', 'Max', 15]]) {
      const r = await fetch(`${srv.fhirBase}/Patient/${id}`, {
        method: 'PUT', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${srv.operatorToken}` },
        body: JSON.stringify({ resourceType: 'Patient', id, identifier: [{ system: 'urn:fhirgate:test', value: id }], name: [{ family: 'Shaw', given: [given] }], gender: 'unknown', birthDate: born(age) }),
      });
      assert.ok(r.status === 200 || r.status === 201, `PUT Patient/${id}: ${r.status}`);
    }
  });
  after(async () => { await srv.stop(); srv.cleanup(); });

  async function signIn(b, url, user, password = PASSWORD) {
    const start = await b.go(url);
    assert.equal(start.status, 303, start.text);
    const page = await b.go(start.location);
    assert.equal(page.status, 200);
    assert.match(page.text, /<label for="username">User name<\/label>/);
    assert.match(page.text, /<label for="password">Password<\/label>/);
    assert.match(page.text, />Sign in<\/button>/);
    return { page: await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: user, password } }), reqUrl: start.location };
  }

  it('unknown client or redirect_uri: an error page, never a redirect', async () => {
    const b = browser(srv.base);
    for (const url of [params({ client_id: 'nope' }), params({ redirect_uri: 'https://evil.example/cb' }),
      params({ redirect_uri: `${REDIRECT}/` }), params({ client_id: undefined })]) {
      const r = await b.go(url);
      assert.equal(r.status, 400, url);
      assert.equal(r.location, null);
      assert.match(r.text, /<html lang="en">/);
    }
  });

  it('bad aud, missing or plain PKCE, bad response_type, no state, bad scope: error redirect without a code', async () => {
    const b = browser(srv.base);
    for (const [over, error] of [
      [{ aud: 'https://inferno.healthit.gov/invalid_aud' }, 'invalid_request'],
      [{ aud: undefined }, 'invalid_request'],
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain', code_challenge: verifier }, 'invalid_request'],
      [{ nonce: 'n'.repeat(1025) }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'patient/Observation.rx' }, 'invalid_scope'],
    ]) {
      const r = await b.go(params(over));
      assert.equal(r.status, 302, JSON.stringify(over));
      const loc = new URL(r.location);
      assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
      assert.equal(loc.searchParams.get('error'), error, JSON.stringify(over));
      assert.equal(loc.searchParams.get('code'), null);
      assert.equal(loc.searchParams.get('state'), 'st-123&x');
    }
    const noState = await b.go(params({ state: undefined }));
    assert.equal(new URL(noState.location).searchParams.get('error'), 'invalid_request');
  });

  it('the session cookie is HttpOnly, SameSite=Lax, Path=/auth', async () => {
    const r = await browser(srv.base).go(params());
    const c = r.headers.get('set-cookie');
    assert.match(c, /^fg_sid=[A-Za-z0-9_-]{43}; Path=\/auth; HttpOnly; SameSite=Lax$/);
  });

  it('sign-in failure: the same message for an unknown user and a wrong password', async () => {
    const a = await signIn(browser(srv.base), params(), 'nosuchuser', PASSWORD);
    const b = await signIn(browser(srv.base), params(), 'amyshaw', 'Wrong-pass-2026');
    assert.equal(a.page.status, 401);
    assert.equal(b.page.status, 401);
    const msg = (t) => t.match(/<p class="err"[^>]*>([^<]*)<\/p>/)[1];
    assert.equal(msg(a.page.text), 'User name or password is incorrect.');
    assert.equal(msg(a.page.text), msg(b.page.text));
  });

  it('locks the account after 5 failures, even for the right password', async () => {
    const b = browser(srv.base);
    const { reqUrl } = await signIn(b, params(), 'lockme01', 'Wrong-pass-0');
    for (let i = 1; i < 5; i++) {
      const page = await b.go(reqUrl);
      const r = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: 'lockme01', password: 'Wrong-pass-0' } });
      if (i < 4) assert.match(r.text, /User name or password is incorrect/);
      else assert.match(r.text, /try again in 10 minutes/);
    }
    const page = await b.go(reqUrl);
    const r = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: 'lockme01', password: PASSWORD } });
    assert.match(r.text, /try again in 10 minutes/);
  });

  it('amyshaw: no picker; consent with a subset; code and state come back', async () => {
    const b = browser(srv.base);
    await b.go(params());
    const before = b.jar.get('fg_sid');
    const { page, reqUrl } = await signIn(b, params(), 'amyshaw');
    assert.equal(page.status, 303);
    assert.notEqual(b.jar.get('fg_sid'), before, 'sign-in gives a new session id');
    const consent = await b.go(page.location);
    assert.equal(consent.status, 200);
    assert.doesNotMatch(consent.text, /type="radio"/);
    assert.match(consent.text, /Demo &lt;Health&gt; App/);
    assert.match(consent.text, /Record of Amy Shaw/);
    assert.match(consent.text, /This app will keep access until you revoke it/);
    assert.match(consent.text, />Allow<\/button>/);
    assert.match(consent.text, />Deny<\/button>/);
    assert.match(consent.text, /Read your lab results/);
    const boxes = checkboxes(consent.text);
    assert.ok(boxes.includes(LAB));
    assert.ok(boxes.includes('patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern'));
    const chosen = ['launch/patient', 'patient/Patient.rs', LAB];
    const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
    for (const s of chosen) form.append('scope', s);
    const r = await b.go('/auth/authorize', { method: 'POST', form });
    assert.equal(r.status, 302, r.text);
    const loc = new URL(r.location);
    assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
    assert.match(loc.searchParams.get('code'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(loc.searchParams.get('state'), 'st-123&x');
    assert.equal(loc.searchParams.get('error'), null);
    // the code exchanges at /auth/token for exactly the chosen scopes and the patient
    const tok = await fetch(`${srv.base}/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: loc.searchParams.get('code'), redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId }),
    });
    const json = await tok.json();
    assert.equal(tok.status, 200, JSON.stringify(json));
    assert.deepEqual(json.scope.split(' ').sort(), [...chosen].sort());
    assert.equal(json.patient, 'amy');
    assert.ok(!('refresh_token' in json), 'offline_access was not granted');
    // the request is gone: its page no longer exists
    assert.equal((await b.go(reqUrl)).status, 400);
  });

  it('a forged scope value on Allow is refused', async () => {
    const b = browser(srv.base);
    const { page } = await signIn(b, params(), 'maxshaw');
    const consent = await b.go(page.location);
    const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
    form.append('scope', 'patient/*.cruds');
    const r = await b.go('/auth/authorize', { method: 'POST', form });
    assert.equal(r.location, null);
    assert.equal(r.status, 400);
  });

  it('danielshaw: the picker lists own record and proxies; only those are accepted', async () => {
    const b = browser(srv.base);
    const { page } = await signIn(b, params(), 'danielshaw');
    const picker = await b.go(page.location);
    assert.equal(picker.status, 200);
    assert.deepEqual(radios(picker.text).sort(), ['daniel', 'lily', 'max']);
    assert.match(picker.text, /<label for="p\d">Lily Shaw<\/label>/);
    assert.match(picker.text, />Continue<\/button>/);
    const bad = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(picker.text), action: 'pick', patient: 'amy' } });
    assert.equal(bad.status, 400);
    const ok = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(picker.text), action: 'pick', patient: 'lily' } });
    assert.equal(ok.status, 303);
    const consent = await b.go(ok.location);
    assert.match(consent.text, /Record of Lily Shaw/);
    const deny = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(consent.text), action: 'deny' } });
    assert.equal(deny.status, 302);
    const loc = new URL(deny.location);
    assert.equal(loc.searchParams.get('error'), 'access_denied');
    assert.equal(loc.searchParams.get('state'), 'st-123&x');
    assert.equal(loc.searchParams.get('code'), null);
  });

  it('a POST without the CSRF token, or with another, is a 403 page', async () => {
    const b = browser(srv.base);
    const start = await b.go(params());
    const page = await b.go(start.location);
    const h = hidden(page.text);
    for (const form of [{ req: h.req, action: 'signin', username: 'amyshaw', password: PASSWORD },
      { req: h.req, csrf: 'x'.repeat(43), action: 'signin', username: 'amyshaw', password: PASSWORD }]) {
      const r = await b.go('/auth/authorize', { method: 'POST', form });
      assert.equal(r.status, 403);
      assert.equal(r.location, null);
    }
    // without the cookie the right token does not help either
    const other = browser(srv.base);
    const r = await other.go('/auth/authorize', { method: 'POST', form: { ...h, action: 'signin', username: 'amyshaw', password: PASSWORD } });
    assert.equal(r.status, 403);
  });

  it('Spanish pages from Accept-Language, and a switch link kept in the session', async () => {
    const b = browser(srv.base, { lang: 'es-MX,es;q=0.9' });
    const start = await b.go(params());
    const page = await b.go(start.location);
    assert.match(page.text, /<html lang="es">/);
    assert.match(page.text, /<label for="username">Nombre de usuario<\/label>/);
    assert.match(page.text, /<label for="password">Contraseña<\/label>/);
    const sw = page.text.match(/<p class="lang"><a href="([^"]+)"/)[1];
    const en = await b.go(unescape(sw));
    assert.match(en.text, /<html lang="en">/);
    const again = await b.go(start.location);
    assert.match(again.text, /<html lang="en">/, 'the choice is kept in the session');
  });
});
