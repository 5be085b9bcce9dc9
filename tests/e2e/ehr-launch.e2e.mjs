// ehr-launch.e2e.mjs - the SMART EHR launch in a real browser (Debian's
// chromium driven by playwright-core): the patient signs in to the portal's
// linked-apps page, picks her record under "Open an app" and presses Open.
// fhirgate (the EHR) sends the browser to the app's launch URI with iss and
// launch; the app (openid-client, served on another loopback origin) sends
// it back to /authorize with launch=; the still signed-in patient lands
// straight on the consent page, allows, and the app's code exchange yields
// the launch patient and the EHR launch fields.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import * as oidc from 'openid-client';

import { launchBrowser, signIn, consent } from './lib/portal.mjs';
import { startFixture, cli, PASSWORD } from './lib/app.mjs';

const REQUESTED = ['launch', 'openid', 'fhirUser', 'offline_access', 'patient/Patient.rs'];

describe('EHR launch from the linked-apps page: openid-client + chromium', () => {
  let fx, browser, launcher, base, client, config;
  const pending = new Map(); // state -> {verifier, nonce}
  const seen = [];

  before(async () => {
    fx = await startFixture();
    browser = await launchBrowser();
    const smart = await (await fetch(`${fx.srv.fhirBase}/.well-known/smart-configuration`)).json();
    assert.ok(smart.capabilities.includes('launch-ehr'));
    // the app: /launch receives the EHR launch, /callback the code
    launcher = http.createServer(async (req, res) => {
      const url = new URL(req.url, base);
      if (url.pathname === '/launch') {
        const iss = url.searchParams.get('iss');
        seen.push(iss);
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        pending.set(state, { verifier, nonce });
        const to = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/callback`, scope: REQUESTED.join(' '), aud: iss, state, nonce,
          launch: url.searchParams.get('launch'),
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        res.writeHead(302, { location: to.href });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>app</title><p>back at the app</p>');
    });
    await new Promise((r) => launcher.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${launcher.address().port}`;
    client = JSON.parse(cli(['client', 'add', '--auth-db', fx.srv.authDbPath, '--name', 'E2E Chart', '--type', 'public',
      '--redirect-uri', `${base}/callback`, '--launch-uri', `${base}/launch`]));
    config = new oidc.Configuration(smart, client.client_id, undefined, oidc.None());
    oidc.allowInsecureRequests(config);
    oidc.enableNonRepudiationChecks(config);
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => (launcher ? launcher.close(r) : r()));
    await fx?.close();
  });

  it('Open on the linked-apps page: launch, consent, token with the patient and the banner', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(`${fx.srv.base}/auth/apps`);
      await signIn(page, 'amyshaw', PASSWORD);
      await page.waitForURL(/\/auth\/apps$/);
      const section = page.locator('section.launch', { hasText: 'E2E Chart' });
      await section.getByLabel('with the record of').selectOption({ value: 'amy' });
      await section.getByRole('button', { name: 'Open' }).click();
      await page.waitForSelector('input[type=checkbox][name=scope]');
      assert.match(await page.locator('main').textContent(), /Amy/);
      const offered = await consent(page, REQUESTED);
      for (const s of REQUESTED) assert.ok(offered.includes(s), `consent offers ${s}`);
      await page.waitForURL((u) => u.href.startsWith(`${base}/callback`));
      const url = new URL(page.url());
      const state = url.searchParams.get('state');
      const { verifier, nonce } = pending.get(state);
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
      });
      assert.deepEqual(seen, [fx.srv.fhirBase], 'the launch URI got iss = the FHIR base');
      assert.deepEqual(tokens.scope.split(' ').sort(), [...REQUESTED].sort());
      assert.equal(tokens.patient, 'amy');
      assert.equal(tokens.need_patient_banner, true);
      assert.equal((await fetch(tokens.smart_style_url)).status, 200);
      assert.equal(tokens.claims().fhirUser, `${fx.srv.fhirBase}/Patient/amy`);
      const r = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${fx.srv.fhirBase}/Patient/amy`), 'GET');
      assert.equal(r.status, 200);
      assert.equal((await r.json()).id, 'amy');
    } finally {
      await context.close();
    }
  });
});
