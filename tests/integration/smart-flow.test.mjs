// smart-flow.test.mjs - the standalone patient launch end to end over HTTP
// (no browser): authorize -> sign-in -> consent -> code -> token, for a
// public and a confidential-symmetric client; then the token response
// (T-3..T-6), the id_token verified against the published JWKS (O-1, O-4),
// code reuse (revokes what it issued), the PKCE negatives N-5..N-8, a bad
// client (N-4) and a wrong redirect_uri.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { startServer, cliSync } from './lib/server.mjs';
import { browser, checkboxes, hidden } from './lib/launch.mjs';
import { forms } from './lib/browser.mjs';

const REDIRECT = 'https://app.example/callback';
const PASSWORD = 'Demo-pass-2026';
const SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs';

const cli = (args, input) => cliSync(args, { input, ok: [0, 3] });

describe('standalone patient launch', () => {
  let srv, pub, conf;

  before(async () => {
    srv = await startServer();
    const db = ['--auth-db', srv.authDbPath];
    pub = JSON.parse(cli(['client', 'add', ...db, '--name', 'Public App', '--redirect-uri', REDIRECT, '--type', 'public']));
    conf = JSON.parse(cli(['client', 'add', ...db, '--name', 'Conf App', '--redirect-uri', REDIRECT, '--type', 'confidential-symmetric']));
    cli(['account', 'add', ...db, '--user', 'amyshaw', '--patient', 'amy', '--password-stdin'], `${PASSWORD}\n`);
    const r = await fetch(`${srv.fhirBase}/Patient/amy`, {
      method: 'PUT', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${srv.operatorToken}` },
      body: JSON.stringify({ resourceType: 'Patient', id: 'amy', identifier: [{ system: 'urn:fhirgate:test', value: 'amy' }], name: [{ family: 'Shaw', given: ['Amy'] }], gender: 'female' }),
    });
    assert.ok(r.status === 200 || r.status === 201);
  });
  after(async () => { await srv.stop(); srv.cleanup(); });

  /** Runs authorize -> sign-in -> consent (allow everything offered); returns {code, verifier}. */
  async function launch(client) {
    const verifier = crypto.randomBytes(48).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const state = crypto.randomUUID();
    const q = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, state,
      aud: srv.fhirBase, scope: SCOPE, code_challenge: challenge, code_challenge_method: 'S256',
    });
    const b = browser(srv.base);
    const start = await b.go(`/auth/authorize?${q}`);
    assert.equal(start.status, 303, start.text);
    const page = await b.go(start.location);
    const signed = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: 'amyshaw', password: PASSWORD } });
    assert.equal(signed.status, 303, signed.text);
    const consent = await b.go(signed.location);
    assert.equal(consent.status, 200);
    const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
    const wanted = SCOPE.split(' ');
    const boxes = checkboxes(consent.text);
    assert.ok(boxes.includes('patient/Observation.rs'));
    for (const s of boxes) if (wanted.includes(s)) form.append('scope', s);
    const r = await b.go('/auth/authorize', { method: 'POST', form });
    assert.equal(r.status, 302, r.text);
    const loc = new URL(r.location);
    assert.equal(loc.searchParams.get('state'), state);
    return { code: loc.searchParams.get('code'), verifier };
  }

  const token = (body, headers = {}) => srv.request({
    method: 'POST', path: '/auth/token', body: new URLSearchParams(body).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
  const basic = (c) => ({ Authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}` });
  const introspect = async (t) => (await srv.request({
    method: 'POST', path: '/auth/introspect', body: new URLSearchParams({ token: t }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...basic(conf) },
  })).json;

  async function verifyIdToken(idToken, client) {
    const [h64, p64, s64] = idToken.split('.');
    const header = JSON.parse(Buffer.from(h64, 'base64url'));
    const claims = JSON.parse(Buffer.from(p64, 'base64url'));
    assert.equal(header.alg, 'RS256');
    const conf2 = (await srv.request({ path: '/fhir/.well-known/smart-configuration' })).json;
    const jwks = (await srv.request({ path: new URL(conf2.jwks_uri).pathname })).json;
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, 'the kid is published');
    const ok = crypto.verify('sha256', Buffer.from(`${h64}.${p64}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s64, 'base64url'));
    assert.ok(ok, 'id_token signature verifies');
    assert.equal(claims.iss, conf2.issuer);
    assert.equal(claims.aud, client.client_id);
    assert.ok(claims.sub && claims.sub.length < 256);
    assert.ok(claims.exp > Date.now() / 1000 && claims.iat);
    assert.equal(claims.fhirUser, `${srv.fhirBase}/Patient/amy`);
    return claims;
  }

  for (const kind of ['public', 'confidential']) {
    it(`${kind} client: code exchange answers T-3..T-6 and an id_token`, async () => {
      const client = kind === 'public' ? pub : conf;
      const { code, verifier } = await launch(client);
      const body = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
      const r = kind === 'public' ? await token({ ...body, client_id: client.client_id }) : await token(body, basic(client));
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers['cache-control'], /no-store/);
      assert.match(r.headers.pragma, /no-cache/);
      const t = r.json;
      assert.match(t.access_token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(t.token_type, 'Bearer');
      assert.equal(typeof t.expires_in, 'number');
      assert.deepEqual(t.scope.split(' ').sort(), SCOPE.split(' ').sort(), 'exactly what was approved');
      assert.equal(t.patient, 'amy');
      assert.equal(typeof t.refresh_token, 'string');
      assert.ok(t.fhirContext === undefined || (Array.isArray(t.fhirContext) && t.fhirContext.every((c) =>
        c && typeof c === 'object' && (c.reference || c.canonical || c.identifier))), 'T-5: fhirContext objects (SMART 2.2)');
      const claims = await verifyIdToken(t.id_token, client);
      // R-2, N-1, O-5: the token reads its patient, and the fhirUser it names.
      const me = await srv.request({ path: `/fhir/Patient/${t.patient}`, auth: t.access_token });
      assert.equal(me.status, 200);
      assert.equal(me.json.resourceType, 'Patient');
      const who = await srv.request({ path: new URL(claims.fhirUser).pathname, auth: t.access_token });
      assert.equal(who.status, 200, who.text);
      assert.equal(who.json.resourceType, claims.fhirUser.split('/').at(-2));
      assert.equal(who.json.id, claims.fhirUser.split('/').at(-1));
      const i = await introspect(t.access_token);
      assert.equal(i.active, true);
      assert.equal(i.scope, t.scope);
      assert.equal(i.client_id, client.client_id);
      assert.equal(i.patient, 'amy');
      assert.equal(i.sub, claims.sub);
      assert.equal(i.iss, claims.iss);
      // Reuse: invalid_grant, and what the code issued is revoked.
      const again = kind === 'public' ? await token({ ...body, client_id: client.client_id }) : await token(body, basic(client));
      assert.equal(again.status, 400);
      assert.equal(again.json.error, 'invalid_grant');
      assert.deepEqual(await introspect(t.access_token), { active: false });
      assert.deepEqual(await introspect(t.refresh_token), { active: false });
    });
  }

  it('N-5..N-8: missing, empty, wrong and plain code_verifier are each 400 invalid_grant', async () => {
    for (const bad of [undefined, '', 'x'.repeat(60), 'challenge']) {
      const { code, verifier } = await launch(pub);
      const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
      const body = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: pub.client_id };
      if (bad !== undefined) body.code_verifier = bad === 'challenge' ? challenge : bad;
      const r = await token(body);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.json.error, 'invalid_grant');
    }
  });

  it('N-4 bad client_id with a valid code; wrong redirect_uri; code bound to its client', async () => {
    let { code, verifier } = await launch(pub);
    const bad = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'not-a-client' });
    assert.ok(bad.status === 400 || bad.status === 401);
    assert.equal(bad.json.error, 'invalid_client');
    ({ code, verifier } = await launch(pub));
    const wrong = await token({ grant_type: 'authorization_code', code, redirect_uri: `${REDIRECT}/x`, code_verifier: verifier, client_id: pub.client_id });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error, 'invalid_grant');
    ({ code, verifier } = await launch(pub));
    const other = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, basic(conf));
    assert.equal(other.status, 400);
    assert.equal(other.json.error, 'invalid_grant');
  });

  it('a code whose grant the patient revoked before the exchange is invalid_grant', async () => {
    const { code, verifier } = await launch(pub);
    const br = browser(srv.base);
    const first = await br.go('/auth/apps');
    const signin = await br.go('/auth/apps', { method: 'POST', form: { ...forms(first.text)[0].fields, action: 'signin', username: 'amyshaw', password: PASSWORD } });
    assert.equal(signin.status, 303, signin.text);
    for (let n = 0; ; n++) {
      const page = await br.go('/auth/apps');
      const f = forms(page.text).find((x) => x.fields.grant);
      if (!f) { assert.ok(n > 0, 'the launch left a grant to revoke'); break; }
      const r = await br.go('/auth/apps', { method: 'POST', form: { ...f.fields, action: 'revoke' } });
      assert.equal(r.status, 303, r.text);
      assert.ok(n < 100);
    }
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: pub.client_id });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_grant');
    assert.match(r.json.error_description, /revoked/);
  });
});
