// launch.e2e.mjs - SMART standalone patient launch with a real OAuth/OpenID
// client library from npm (openid-client) and a real browser (Debian's
// chromium driven by playwright-core) clicking through fhirgate's sign-in,
// patient picker and consent pages.
//
// The app's side is entirely openid-client: configuration from the SMART
// discovery document, the authorization URL (PKCE S256, state, nonce, aud),
// the code exchange (public client: client_id only; confidential: HTTP Basic)
// with the id_token's signature checked against the published JWKS, refresh,
// and the FHIR read with the access token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as oidc from 'openid-client';

import { launchBrowser, signIn, pickerLabels, pickPatient, consent, deny } from './lib/portal.mjs';
import { startFixture, PASSWORD } from './lib/app.mjs';

const REQUESTED = ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/Patient.rs',
  'patient/Condition.rs', 'patient/Observation.rs'];

describe('standalone launch: openid-client + chromium', () => {
  let fx, browser, smart, callback;

  before(async () => {
    fx = await startFixture();
    callback = `${fx.appBase}/callback`;
    browser = await launchBrowser();
    const r = await fetch(`${fx.srv.fhirBase}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 200);
    smart = await r.json();
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  /** An openid-client Configuration built from fhirgate's SMART discovery document. */
  function configFor(client) {
    const auth = client.client_secret ? oidc.ClientSecretBasic(client.client_secret) : oidc.None();
    const config = new oidc.Configuration(smart, client.client_id, client.client_secret, auth);
    oidc.allowInsecureRequests(config); // loopback http in the test
    oidc.enableNonRepudiationChecks(config); // verify the id_token signature with jwks_uri
    return config;
  }

  /**
   * Runs the browser through authorize -> sign-in -> picker -> consent and
   * returns {config, checks, url}: url is where the browser landed at the app.
   */
  async function launch(client, { patient, approve, locale = 'en-US', lang = 'en', refuse = false }) {
    const config = configFor(client);
    const verifier = oidc.randomPKCECodeVerifier();
    const checks = { pkceCodeVerifier: verifier, expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callback, scope: REQUESTED.join(' '), aud: fx.srv.fhirBase,
      state: checks.expectedState, nonce: checks.expectedNonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const context = await browser.newContext({ locale });
    try {
      const page = await context.newPage();
      await page.goto(url.href);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.locator('main strong').first().textContent(), client.client_name, 'the sign-in page names the app');
      await signIn(page, 'danielshaw', PASSWORD, lang);
      const names = await pickerLabels(page);
      assert.equal(names.length, 3, `daniel acts for himself, lily and max: ${names}`);
      assert.match(names[0], /^Daniel\b/);
      assert.ok(names.some((n) => /^Lily\b/.test(n)) && names.some((n) => /^Max\b/.test(n)), names.join());
      await pickPatient(page, patient, lang);
      await page.waitForSelector('input[type=checkbox][name=scope]');
      assert.ok(await page.locator('.note').isVisible(), 'offline_access is asked: the consent page says so');
      let offered = [];
      if (refuse) await deny(page, lang);
      else offered = await consent(page, approve, lang);
      await page.waitForURL((u) => u.href.startsWith(callback));
      return { config, checks, url: new URL(page.url()), offered };
    } finally {
      await context.close();
    }
  }

  async function readPatient(config, token, id) {
    const r = await oidc.fetchProtectedResource(config, token, new URL(`${fx.srv.fhirBase}/Patient/${id}`), 'GET',
      undefined, new Headers({ accept: 'application/fhir+json' }));
    assert.equal(r.status, 200);
    return r.json();
  }

  it('public client (PKCE): proxy picks lily, deselects one scope; token scope is exactly the approved set', async () => {
    const client = await fx.addClient('E2E Public', 'public', [callback]);
    const approve = REQUESTED.filter((s) => s !== 'patient/Condition.rs');
    const { config, checks, url, offered } = await launch(client, { patient: 'Lily', approve });
    for (const s of REQUESTED) assert.ok(offered.includes(s), `consent offers ${s}`);
    const tokens = await oidc.authorizationCodeGrant(config, url, checks);
    assert.deepEqual(tokens.scope.split(' ').sort(), [...approve].sort());
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.patient, 'lily');
    const claims = tokens.claims();
    assert.equal(claims.iss, smart.issuer);
    assert.equal(claims.aud, client.client_id);
    assert.equal(claims.fhirUser, `${fx.srv.fhirBase}/Patient/daniel`);
    const patient = await readPatient(config, tokens.access_token, tokens.patient);
    assert.equal(patient.resourceType, 'Patient');
    assert.equal(patient.id, 'lily');
    assert.equal(patient.name[0].given[0], 'Lily');
  });

  it('confidential client (client_secret_basic): own record, then refresh narrows nothing', async () => {
    const client = await fx.addClient('E2E Confidential', 'confidential-symmetric', [callback]);
    assert.ok(client.client_secret);
    const approve = REQUESTED.filter((s) => s !== 'patient/Observation.rs');
    const { config, checks, url } = await launch(client, { patient: 'Daniel', approve });
    const tokens = await oidc.authorizationCodeGrant(config, url, checks);
    assert.deepEqual(tokens.scope.split(' ').sort(), [...approve].sort());
    assert.equal(tokens.patient, 'daniel');
    assert.equal(tokens.claims().fhirUser, `${fx.srv.fhirBase}/Patient/daniel`);
    assert.equal((await readPatient(config, tokens.access_token, 'daniel')).id, 'daniel');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.deepEqual(refreshed.scope.split(' ').sort(), [...approve].sort());
    assert.equal((await readPatient(config, refreshed.access_token, 'daniel')).id, 'daniel');
  });

  it('Deny sends access_denied back to the app (no code)', async () => {
    const client = await fx.addClient('E2E Denied', 'public', [callback]);
    const { config, checks, url } = await launch(client, { patient: 'Max', refuse: true });
    assert.equal(url.searchParams.get('code'), null);
    assert.equal(url.searchParams.get('state'), checks.expectedState);
    await assert.rejects(oidc.authorizationCodeGrant(config, url, checks), (e) => {
      assert.equal(e.error, 'access_denied');
      return true;
    });
  });

  it('Spanish pages from Accept-Language, the whole way through', async () => {
    const client = await fx.addClient('E2E Español', 'public', [callback]);
    const approve = ['launch/patient', 'patient/Patient.rs'];
    const { config, checks, url } = await launch(client, { patient: 'Max', approve, locale: 'es-ES', lang: 'es' });
    const tokens = await oidc.authorizationCodeGrant(config, url, { ...checks, expectedNonce: undefined });
    assert.equal(tokens.scope, 'launch/patient patient/Patient.rs');
    assert.equal(tokens.patient, 'max');
    assert.equal(tokens.id_token, undefined, 'no openid granted, no id_token');
  });
});
