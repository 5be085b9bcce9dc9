// upstream-launch.test.mjs - the SMART standalone patient launch with the
// gateway in upstream mode: authorize -> sign-in -> consent (which names
// the patient, read through the upstream) -> code -> token, then the token
// reads the record through the gateway while the upstream sees only the
// gateway's own requests, never the app's token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { startServer, runCli, cliSync } from './lib/server.mjs';
import { startUpstream, fixtureSubset } from '../upstream/lib.mjs';
import { browser, hidden, pkce, PASSWORD } from './lib/launch.mjs';

const NOW = '2026-11-23';
const REDIRECT = 'https://app.example/callback';
const SCOPE = 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs';

const cli = (args, input) => cliSync(args, { input, ok: [0, 3] });

describe('upstream mode: SMART standalone launch', () => {
  let up;
  let gw;
  let app;

  before(async () => {
    up = await startUpstream();
    const r = await runCli(['seed', '--upstream', up.fhirBase, '--fixtures', fixtureSubset(['amy', 'max']), '--now', NOW], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase] });
    const db = ['--auth-db', gw.authDbPath];
    app = JSON.parse(cli(['client', 'add', ...db, '--name', 'Upstream App', '--redirect-uri', REDIRECT, '--type', 'public']));
    cli(['account', 'add', ...db, '--user', 'amysample', '--patient', 'amy', '--password-stdin'], `${PASSWORD}\n`);
  });
  after(async () => {
    const stopped = await gw?.stop();
    gw?.cleanup();
    await up?.stop();
    assert.ok(stopped?.exitedZero, gw?.stderr().slice(-2000));
  });

  it('launches, and the token reads the upstream record through the gateway', async () => {
    const { verifier, challenge } = pkce();
    const state = crypto.randomUUID();
    const q = new URLSearchParams({
      response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT, state,
      aud: gw.fhirBase, scope: SCOPE, code_challenge: challenge, code_challenge_method: 'S256',
    });
    const { go } = browser(gw.base);
    const start = await go(`/auth/authorize?${q}`);
    assert.equal(start.status, 303, start.text);
    const page = await go(start.location);
    const signed = await go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: 'amysample', password: PASSWORD } });
    assert.equal(signed.status, 303, signed.text);
    const consent = await go(signed.location);
    assert.equal(consent.status, 200);
    const upSaw = (await up.requests()).map((x) => x.url);
    assert.ok(upSaw.includes('/fhir/Patient/amy'), `the consent step read the patient upstream: ${upSaw.slice(-3)}`);
    const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
    for (const s of SCOPE.split(' ')) form.append('scope', s);
    const cb = await go('/auth/authorize', { method: 'POST', form });
    assert.equal(cb.status, 302, cb.text);
    const loc = new URL(cb.location);
    assert.equal(loc.searchParams.get('state'), state);
    const tr = await gw.request({
      method: 'POST', path: '/auth/token', auth: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: loc.searchParams.get('code'),
        redirect_uri: REDIRECT, client_id: app.client_id, code_verifier: verifier }).toString(),
    });
    assert.equal(tr.status, 200, tr.text);
    assert.equal(tr.json.patient, 'amy');
    const token = tr.json.access_token;
    const bearer = { Authorization: `Bearer ${token}` };

    await up.reset();
    const me = await gw.request({ path: '/fhir/Patient/amy', headers: bearer });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.id, 'amy');
    const obs = await gw.request({ path: '/fhir/Observation?_count=1000', headers: bearer });
    assert.equal(obs.status, 200, obs.text);
    assert.ok(obs.json.entry.length > 0);
    // Once /fhir enforces tokens (issue 3), the launch context confines them.
    const enforced = (await gw.request({ path: '/fhir/Patient/amy', auth: false })).status === 401;
    if (enforced) {
      assert.ok(obs.json.entry.every((e) => e.resource.subject.reference === 'Patient/amy'), 'only the launched patient');
      assert.equal((await gw.request({ path: '/fhir/Patient/max', headers: bearer })).status, 404);
    }
    for (const x of await up.requests()) assert.ok(!JSON.stringify(x.headers).includes(token), 'the app token stays at the gateway');

    // Revoking the app takes effect at once: its next request is refused at
    // the gateway and never reaches the upstream.
    cli(['client', 'remove', '--auth-db', gw.authDbPath, app.client_id]);
    await up.reset();
    const revoked = await gw.request({ path: '/fhir/Observation?_count=5', headers: bearer });
    assert.equal(revoked.status, 401, revoked.text);
    assert.match(revoked.headers['www-authenticate'] ?? '', /invalid_token/);
    assert.deepEqual((await up.requests()).map((x) => x.url), [], 'nothing was asked of the upstream');
  });
});
