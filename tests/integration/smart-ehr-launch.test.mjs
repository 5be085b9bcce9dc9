// smart-ehr-launch.test.mjs - the SMART App Launch 2.2 EHR launch over HTTP
// (no browser): fhirgate as the EHR launches an app from the patient
// portal's linked-apps page ("Open") and from `fhirgate launch`; the app
// comes back to /authorize with launch=, the launch's user signs in and
// consents, and the token response carries the launch context (patient,
// encounter, need_patient_banner, smart_style_url). Checklist D-6, N-9, the
// practitioner scenario (user/ scopes), and the refusals: reused, expired,
// unknown and other-client launch ids, a launch without the launch scope, a
// launch for another user or for a record the user may not open.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { startServer, runCli } from './lib/server.mjs';
import { browser, hidden, checkboxes, pkce, PASSWORD } from './lib/launch.mjs';

const REDIRECT = 'https://app.example/callback';
const LAUNCH_URI = 'https://app.example/launch';
const N9_SCOPE = 'launch openid fhirUser offline_access patient/Patient.rs';
const PRACT_SCOPE = 'launch openid fhirUser offline_access user/Patient.rs user/Encounter.rs '
  + 'user/Observation.rs user/Practitioner.rs';

// Appendix A: the g10 EHR practitioner scenario asks for these types as user/<Type>.rs.
const G10_TYPES = ['Medication', 'AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'Device',
  'DiagnosticReport', 'DocumentReference', 'Encounter', 'Goal', 'Immunization', 'Location', 'MedicationDispense',
  'MedicationRequest', 'Observation', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Procedure',
  'Provenance', 'QuestionnaireResponse', 'RelatedPerson', 'ServiceRequest', 'Specimen'];
const G10_EHR = `launch openid fhirUser offline_access ${G10_TYPES.map((t) => `user/${t}.rs`).join(' ')}`;

function decodeJwt(t) {
  return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8'));
}

describe('EHR launch', () => {
  let srv, app, other, plain, conf;

  const cli = async (args, input) => {
    const r = await runCli([...args, '--auth-db', srv.authDbPath], { input });
    assert.ok(r.code === 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const put = async (res) => {
    const r = await srv.request({
      method: 'PUT', path: `/fhir/${res.resourceType}/${res.id}`, body: JSON.stringify(res),
      headers: { 'Content-Type': 'application/fhir+json' },
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  };
  const token = async (body) => srv.request({
    method: 'POST', path: '/auth/token', body: new URLSearchParams(body).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, auth: false,
  });
  const api = (tok, path) => srv.request({ path, headers: { Authorization: `Bearer ${tok}` } });
  /** `fhirgate launch` → the launch URL, checked, and its launch id. */
  const launchUrl = async (args) => {
    const out = (await cli(['launch', '--client', app.client_id, '--base-url', srv.fhirBase, '--db', srv.dbPath, ...args])).trim();
    const u = new URL(out);
    assert.equal(`${u.origin}${u.pathname}`, LAUNCH_URI);
    assert.equal(u.searchParams.get('iss'), srv.fhirBase);
    assert.ok(u.searchParams.get('launch'));
    return u.searchParams.get('launch');
  };
  /** GET /authorize with the launch; the first answer (303 on, or the error redirect). */
  const authorize = async (b, { launch, clientId = app.client_id, scope = N9_SCOPE }) => {
    const { verifier, challenge } = pkce();
    const state = crypto.randomUUID();
    const q = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state, aud: srv.fhirBase,
      scope, code_challenge: challenge, code_challenge_method: 'S256',
    });
    if (launch !== undefined) q.set('launch', launch);
    const r = await b.go(`/auth/authorize?${q}`);
    return { r, verifier, state };
  };
  const signin = (b, page, user) => b.go('/auth/authorize', {
    method: 'POST', form: { ...hidden(page.text), action: 'signin', username: user, password: PASSWORD },
  });
  /** Consent: allow every offered box that was requested; returns the code. */
  const allow = async (b, consent, scope, state) => {
    const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
    for (const s of checkboxes(consent.text)) if (scope.split(' ').includes(s)) form.append('scope', s);
    const r = await b.go('/auth/authorize', { method: 'POST', form });
    assert.equal(r.status, 302, r.text);
    const loc = new URL(r.location);
    assert.equal(loc.searchParams.get('state'), state);
    assert.equal(loc.searchParams.get('error'), null);
    return loc.searchParams.get('code');
  };
  /** The whole EHR launch for user: authorize → sign-in → consent → token. */
  const ehrLaunch = async (launch, user, scope = N9_SCOPE) => {
    const b = browser(srv.base);
    const { r, verifier, state } = await authorize(b, { launch, scope });
    assert.equal(r.status, 303, r.text);
    const page = await b.go(r.location);
    assert.match(page.text, /name="username"/, 'the launch still needs its user to sign in');
    const signed = await signin(b, page, user);
    assert.equal(signed.status, 303, signed.text);
    const consent = await b.go(signed.location);
    assert.equal(consent.status, 200, consent.text);
    assert.doesNotMatch(consent.text, /type="radio" name="patient"/, 'no picker in an EHR launch');
    const code = await allow(b, consent, scope, state);
    const t = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, code_verifier: verifier });
    assert.equal(t.status, 200, t.text);
    return { body: t.json, consent: consent.text };
  };
  const errorOf = (r) => {
    assert.equal(r.status, 302, r.text);
    const loc = new URL(r.location);
    assert.equal(loc.searchParams.get('code'), null);
    return loc.searchParams.get('error');
  };

  before(async () => {
    srv = await startServer();
    app = JSON.parse(await cli(['client', 'add', '--name', 'Chart App', '--redirect-uri', REDIRECT, '--type', 'public', '--launch-uri', LAUNCH_URI]));
    other = JSON.parse(await cli(['client', 'add', '--name', 'Other App', '--redirect-uri', REDIRECT, '--type', 'public', '--launch-uri', 'https://other.example/launch']));
    plain = JSON.parse(await cli(['client', 'add', '--name', 'Standalone App', '--redirect-uri', REDIRECT, '--type', 'public']));
    conf = JSON.parse(await cli(['client', 'add', '--name', 'Introspector', '--redirect-uri', REDIRECT, '--type', 'confidential-symmetric']));
    assert.equal(app.initiate_login_uri, LAUNCH_URI);
    assert.equal(plain.initiate_login_uri, undefined);
    await cli(['account', 'add', '--user', 'amyshaw', '--patient', 'amy', '--password-stdin'], `${PASSWORD}\n`);
    await cli(['account', 'add', '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin'], `${PASSWORD}\n`);
    await cli(['account', 'add', '--user', 'drruiz', '--practitioner', 'dr-ruiz', '--password-stdin'], `${PASSWORD}\n`);
    await put({ resourceType: 'Patient', id: 'amy', identifier: [{ system: 'urn:fhirgate:test', value: 'amy' }], name: [{ family: 'Shaw', given: ['Amy'] }], gender: 'female' });
    await put({ resourceType: 'Patient', id: 'daniel', identifier: [{ system: 'urn:fhirgate:test', value: 'daniel' }], name: [{ family: 'Shaw', given: ['Daniel'] }], gender: 'male' });
    await put({ resourceType: 'Practitioner', id: 'dr-ruiz', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }], name: [{ family: 'Ruiz', given: ['Ana'] }] });
    await put({ resourceType: 'Encounter', id: 'enc-1', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, type: [{ text: 'Office visit' }], subject: { reference: 'Patient/amy' } });
    for (const [id, p] of [['obs-amy', 'amy'], ['obs-dan', 'daniel']])
      await put({ resourceType: 'Observation', id, status: 'final', code: { text: 'note' }, subject: { reference: `Patient/${p}` } });
    await put({ resourceType: 'Condition', id: 'cond-amy', subject: { reference: 'Patient/amy' }, code: { text: 'x' } });
  });
  after(async () => { await srv.stop(); srv.cleanup(); });

  it('D-6: smart-configuration lists launch-ehr, context-banner/style/ehr-patient/ehr-encounter, permission-user; the style URL answers JSON', async () => {
    const d = (await srv.request({ path: '/fhir/.well-known/smart-configuration', auth: false })).json;
    for (const cap of ['launch-ehr', 'context-banner', 'context-style', 'context-ehr-patient', 'context-ehr-encounter', 'permission-user'])
      assert.ok(d.capabilities.includes(cap), cap);
    for (const s of ['launch', 'launch/encounter']) assert.ok(d.scopes_supported.includes(s), s);
    const style = await srv.request({ path: '/auth/smart-style.json', auth: false, headers: { Origin: 'https://app.example' } });
    assert.equal(style.status, 200);
    assert.match(style.headers['content-type'], /^application\/json/);
    assert.equal(style.headers['access-control-allow-origin'], '*');
    assert.equal(typeof style.json.color_background, 'string');
  });

  it('N-9: CLI launch URL; launch openid fhirUser offline_access patient/Patient.rs grants patient/Patient.rs and the patient', async () => {
    const launch = await launchUrl(['--user', 'amyshaw', '--patient', 'amy']);
    const { body, consent } = await ehrLaunch(launch, 'amyshaw');
    assert.match(consent, /Amy Shaw/);
    const granted = body.scope.split(' ');
    for (const s of N9_SCOPE.split(' ')) assert.ok(granted.includes(s), `${s} granted: ${body.scope}`);
    assert.equal(body.patient, 'amy');
    assert.equal(body.encounter, undefined);
    assert.equal(body.need_patient_banner, true);
    assert.ok(body.refresh_token && body.id_token);
    assert.match(decodeJwt(body.id_token).fhirUser, /\/Patient\/amy$/);
    const style = await fetch(body.smart_style_url);
    assert.equal(style.status, 200);
    assert.equal(typeof (await style.json()).color_text, 'string');
    assert.equal((await api(body.access_token, '/fhir/Patient/amy')).status, 200);
    assert.equal((await api(body.access_token, '/fhir/Patient/daniel')).status, 404);
    assert.equal((await api(body.access_token, '/fhir/Observation?patient=amy')).status, 403, 'only Patient was granted');
  });

  it('encounter and fhirContext: a practitioner launch with --encounter and --context returns them in the token, introspection and refresh', async () => {
    const CONTEXT = [{ reference: 'ServiceRequest/sr-1' }, { reference: 'Task/t-1' }];
    const launch = await launchUrl(['--user', 'drruiz', '--patient', 'amy', '--encounter', 'enc-1',
      '--context', 'ServiceRequest/sr-1', '--context', 'Task/t-1']);
    const { body } = await ehrLaunch(launch, 'drruiz', PRACT_SCOPE);
    assert.equal(body.patient, 'amy');
    assert.equal(body.encounter, 'enc-1');
    assert.deepEqual(body.fhirContext, CONTEXT, 'SMART 2.2 fhirContext: objects with a relative reference');
    assert.equal(body.need_patient_banner, true);
    assert.equal((await api(body.access_token, '/fhir/Encounter/enc-1')).status, 200);
    const intro = await srv.request({
      method: 'POST', path: '/auth/introspect', body: new URLSearchParams({ token: body.access_token }).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${conf.client_id}:${conf.client_secret}`).toString('base64')}`,
      },
    });
    assert.equal(intro.status, 200, intro.text);
    assert.equal(intro.json.active, true);
    assert.equal(intro.json.patient, 'amy');
    assert.equal(intro.json.encounter, 'enc-1');
    assert.deepEqual(intro.json.fhirContext, CONTEXT);
    assert.match(intro.json.fhirUser, /\/Practitioner\/dr-ruiz$/);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: app.client_id });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.json.patient, 'amy');
    assert.equal(refreshed.json.encounter, 'enc-1');
    assert.deepEqual(refreshed.json.fhirContext, CONTEXT);
    assert.match(decodeJwt(refreshed.json.id_token).fhirUser, /\/Practitioner\/dr-ruiz$/, 'the refresh id_token names the same user');
    // a launch without --context has no fhirContext; Patient/Encounter never go in it
    const plainLaunch = await launchUrl(['--user', 'drruiz', '--patient', 'amy', '--encounter', 'enc-1']);
    const { body: noCtx } = await ehrLaunch(plainLaunch, 'drruiz', PRACT_SCOPE);
    assert.equal(noCtx.encounter, 'enc-1');
    assert.equal(noCtx.fhirContext, undefined);
    for (const bad of [['--context', 'Patient/amy'], ['--context', 'Encounter/enc-1'], ['--context', 'sr-1'],
      ['--context', 'Task/t1', '--context', 'Task/t1']]) {
      const r = await runCli(['launch', '--client', app.client_id, '--auth-db', srv.authDbPath, '--user', 'drruiz',
        '--patient', 'amy', ...bad]);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /--context/);
    }
  });

  it('practitioner: user/ scopes reach every patient but only the granted types; fhirUser is the Practitioner', async () => {
    const launch = await launchUrl(['--user', 'drruiz']);
    const { body, consent } = await ehrLaunch(launch, 'drruiz', PRACT_SCOPE);
    assert.match(consent, /no patient record/);
    assert.equal(body.patient, undefined);
    const granted = body.scope.split(' ');
    for (const s of PRACT_SCOPE.split(' ')) assert.ok(granted.includes(s), `${s} granted: ${body.scope}`);
    const claims = decodeJwt(body.id_token);
    assert.match(claims.fhirUser, /\/Practitioner\/dr-ruiz$/);
    const t = body.access_token;
    assert.equal((await api(t, '/fhir/Practitioner/dr-ruiz')).status, 200, 'the fhirUser reads 200');
    for (const p of ['amy', 'daniel']) assert.equal((await api(t, `/fhir/Patient/${p}`)).status, 200, p);
    const obs = await api(t, '/fhir/Observation?patient=daniel');
    assert.equal(obs.status, 200);
    assert.deepEqual(obs.json.entry.map((e) => e.resource.id), ['obs-dan']);
    assert.equal((await api(t, '/fhir/Observation/obs-amy')).status, 200);
    assert.equal((await api(t, '/fhir/Condition?patient=amy')).status, 403, 'Condition not granted');
    assert.equal((await api(t, '/fhir/Condition/cond-amy')).status, 403);
    const write = await srv.request({
      method: 'PUT', path: '/fhir/Observation/obs-dan', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Observation', id: 'obs-dan', status: 'final', code: { text: 'changed' }, subject: { reference: 'Patient/daniel' } }),
    });
    assert.equal(write.status, 403, 'read scopes do not write');
  });

  it('g10 EHR practitioner scenario: every user/<Type>.rs of the Inferno list granted, each type searchable', async () => {
    const launch = await launchUrl(['--user', 'drruiz', '--patient', 'amy', '--encounter', 'enc-1']);
    const { body } = await ehrLaunch(launch, 'drruiz', G10_EHR);
    assert.deepEqual(body.scope.split(' ').sort(), G10_EHR.split(' ').sort());
    assert.equal(body.patient, 'amy');
    assert.equal(body.encounter, 'enc-1');
    for (const type of G10_TYPES) {
      const path = ['Medication', 'Organization', 'Practitioner', 'PractitionerRole', 'Location'].includes(type)
        ? `/fhir/${type}?_count=1` : `/fhir/${type}?patient=amy`;
      const r = await api(body.access_token, path);
      assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.resourceType, 'Bundle');
    }
  });

  it('launch ids: reuse, expiry, unknown and another client\'s are invalid_request; no launch scope is invalid_scope', async () => {
    const launch = await launchUrl(['--user', 'amyshaw', '--patient', 'amy']);
    // another client's launch: refused, and not used up for its own client
    assert.equal(errorOf((await authorize(browser(srv.base), { launch, clientId: other.client_id })).r), 'invalid_request');
    const first = await authorize(browser(srv.base), { launch });
    assert.equal(first.r.status, 303, first.r.text);
    assert.equal(errorOf((await authorize(browser(srv.base), { launch })).r), 'invalid_request', 'reuse');
    assert.equal(errorOf((await authorize(browser(srv.base), { launch: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).r), 'invalid_request');
    assert.equal(errorOf((await authorize(browser(srv.base), { launch: 'not a launch' })).r), 'invalid_request');
    const old = new Date(Date.now() - 10 * 60 * 1000).toISOString();
    const expired = await launchUrl(['--user', 'amyshaw', '--patient', 'amy', '--now', old]);
    assert.equal(errorOf((await authorize(browser(srv.base), { launch: expired })).r), 'invalid_request', 'expired');
    const fresh = await launchUrl(['--user', 'amyshaw', '--patient', 'amy']);
    assert.equal(errorOf((await authorize(browser(srv.base), { launch: fresh, scope: 'openid fhirUser patient/Patient.rs' })).r), 'invalid_scope');
    // a client without a launch URI cannot be launched
    const r = await runCli(['launch', '--client', plain.client_id, '--user', 'amyshaw', '--auth-db', srv.authDbPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no launch URI/);
  });

  it('only the launch\'s user may approve it, and only for a record they may open', async () => {
    const launch = await launchUrl(['--user', 'amyshaw', '--patient', 'amy']);
    const b = browser(srv.base);
    const { r, state } = await authorize(b, { launch });
    const page = await b.go(r.location);
    const asDaniel = await signin(b, page, 'danielshaw');
    assert.equal(asDaniel.status, 303);
    const again = await b.go(asDaniel.location);
    assert.equal(again.status, 401, 'daniel is sent back to the sign-in form');
    assert.match(again.text, /opened for another user/);
    assert.doesNotMatch(again.text, /value="allow"/);
    const refused = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(again.text), action: 'allow', scope: 'patient/Patient.rs' } });
    assert.notEqual(refused.status, 302, 'no code for the wrong user');
    const asAmy = await signin(b, again, 'amyshaw');
    const consent = await b.go(asAmy.location);
    assert.equal(consent.status, 200);
    assert.ok(await allow(b, consent, N9_SCOPE, state));
    // a launch for a record the user could open when it was made, but no
    // longer can when the app comes back (the proxy ended): /authorize refuses
    const px = await cli(['account', 'proxy', 'add', '--user', 'amyshaw', '--patient', 'daniel', '--kind', 'adult']);
    const pxId = px.match(/proxy (\d+) added/)[1];
    const wasHers = await launchUrl(['--user', 'amyshaw', '--patient', 'daniel']);
    await cli(['account', 'proxy', 'revoke', pxId]);
    const b2 = browser(srv.base);
    const start = await authorize(b2, { launch: wasHers });
    const p2 = await b2.go(start.r.location);
    const s2 = await signin(b2, p2, 'amyshaw');
    const denied = await b2.go(s2.location);
    assert.equal(denied.status, 403);
    assert.match(denied.text, /may not open this record/);
  });

  it('fhirgate launch refuses a portal user for a record they may not open (exit 4), by the same rule', async () => {
    const run = (args) => runCli(['launch', '--client', app.client_id, '--base-url', srv.fhirBase,
      '--auth-db', srv.authDbPath, '--db', srv.dbPath, ...args]);
    const refused = await run(['--user', 'amyshaw', '--patient', 'daniel']);
    assert.equal(refused.code, 4, refused.stderr);
    assert.equal(refused.stdout, '', 'no launch URL');
    assert.match(refused.stderr, /user "amyshaw" may not open patient "daniel"/);
    assert.equal((await run(['--user', 'amyshaw', '--patient', 'nobody'])).code, 4, 'an unknown record neither');
    assert.equal((await run(['--user', 'amyshaw', '--patient', 'amy'])).code, 0, 'her own record');
    assert.equal((await run(['--user', 'drruiz', '--patient', 'daniel'])).code, 0, 'a practitioner: any patient');
    // a proxy in force opens the record; the same proxy not yet started does not
    const later = await cli(['account', 'proxy', 'add', '--user', 'danielshaw', '--patient', 'amy', '--kind', 'adult', '--start', '2099-01-01']);
    assert.match(later, /proxy \d+ added/);
    assert.equal((await run(['--user', 'danielshaw', '--patient', 'amy'])).code, 4, 'a pending proxy');
    await cli(['account', 'proxy', 'add', '--user', 'danielshaw', '--patient', 'amy', '--kind', 'adult']);
    assert.equal((await run(['--user', 'danielshaw', '--patient', 'amy'])).code, 0, 'a proxy in force');
  });

  it('portal: "Open" on the linked-apps page launches the app for the signed-in user (English and Spanish)', async () => {
    const b = browser(srv.base);
    const first = await b.go('/auth/apps');
    const signed = await b.go('/auth/apps', { method: 'POST', form: { ...hidden(first.text), action: 'signin', username: 'amyshaw', password: PASSWORD } });
    assert.equal(signed.status, 303, signed.text);
    const apps = await b.go('/auth/apps');
    assert.match(apps.text, /Open an app/);
    assert.match(apps.text, /Chart App/);
    assert.doesNotMatch(apps.text, /Standalone App<\/h3><form/, 'no launch URI, no Open button');
    const es = await b.go('/auth/apps?lang=es');
    assert.match(es.text, /Abrir una aplicación/);
    const csrf = hidden(apps.text).csrf;
    const wrong = await b.go('/auth/apps', { method: 'POST', form: { csrf, action: 'open', client: app.client_id, patient: 'daniel' } });
    assert.equal(wrong.status, 403, 'not a record amy may open');
    const opened = await b.go('/auth/apps', { method: 'POST', form: { csrf, action: 'open', client: app.client_id, patient: 'amy' } });
    assert.equal(opened.status, 303, opened.text);
    const u = new URL(opened.location);
    assert.equal(`${u.origin}${u.pathname}`, LAUNCH_URI);
    assert.equal(u.searchParams.get('iss'), srv.fhirBase);
    // the launch is in the audit log (an AuditEvent of amy's record)
    const events = (await srv.request({ path: '/fhir/AuditEvent?patient=amy&_count=1000' })).json.entry.map((e) => e.resource);
    const launched = events.filter((e) => e.subtype.some((c) => c.code === 'launch'));
    assert.equal(launched.length, 1, `one launch audited: ${events.map((e) => e.subtype.map((c) => c.code)).join()}`);
    assert.equal(launched[0].outcome, '0');
    // the app comes back with the launch; the browser is still signed in: straight to consent
    const { r, verifier, state } = await authorize(b, { launch: u.searchParams.get('launch') });
    assert.equal(r.status, 303, r.text);
    const consent = await b.go(r.location);
    assert.equal(consent.status, 200);
    assert.match(consent.text, /value="allow"/);
    const code = await allow(b, consent, N9_SCOPE, state);
    const t = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, code_verifier: verifier });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.patient, 'amy');
    assert.equal(t.json.need_patient_banner, true);
  });

  it('client add --client-id: the operator chooses the id (unreserved characters); a taken one is exit 3', async () => {
    const add = (id) => runCli(['client', 'add', '--auth-db', srv.authDbPath, '--client-id', id, '--name', 'Chosen',
      '--type', 'public', '--redirect-uri', REDIRECT, '--launch-uri', `${LAUNCH_URI}?client_id=${id}`]);
    const ok = await add('chart-app.v2');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).client_id, 'chart-app.v2');
    assert.equal((await add('chart-app.v2')).code, 3);
    for (const bad of ['', 'a b', 'a/b', 'a?b', 'x'.repeat(200)]) assert.equal((await add(bad)).code, 2, `"${bad}"`);
    const url = (await cli(['launch', '--client', 'chart-app.v2', '--user', 'drruiz', '--base-url', srv.fhirBase])).trim();
    assert.ok(url.startsWith(`${LAUNCH_URI}?client_id=chart-app.v2&iss=`), url);
  });

  it('dynamic registration takes initiate_login_uri as the launch URI (https, or http on localhost)', async () => {
    const reg = (body) => srv.request({
      method: 'POST', path: '/auth/register', auth: false, body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    const ok = await reg({ client_name: 'Registered', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none',
      initiate_login_uri: 'https://reg.example/launch' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.initiate_login_uri, 'https://reg.example/launch');
    const bad = await reg({ client_name: 'Bad', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none',
      initiate_login_uri: 'http://reg.example/launch' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error, 'invalid_client_metadata');
    const launched = await runCli(['launch', '--client', ok.json.client_id, '--user', 'amyshaw', '--patient', 'amy',
      '--auth-db', srv.authDbPath, '--db', srv.dbPath, '--base-url', srv.fhirBase]);
    assert.equal(launched.code, 0, launched.stderr);
    assert.match(launched.stdout, /^https:\/\/reg\.example\/launch\?iss=/);
  });

  it('a standalone launch is never offered the launch scope nor gets the EHR fields', async () => {
    const b = browser(srv.base);
    const scope = 'launch launch/patient openid fhirUser patient/Patient.rs';
    const { r, verifier, state } = await authorize(b, { scope, clientId: app.client_id });
    assert.equal(r.status, 303, r.text);
    const page = await b.go(r.location);
    const signed = await signin(b, page, 'amyshaw');
    const consent = await b.go(signed.location);
    assert.ok(!checkboxes(consent.text).includes('launch'));
    const code = await allow(b, consent, scope, state);
    const t = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, code_verifier: verifier });
    assert.equal(t.status, 200, t.text);
    assert.ok(!t.json.scope.split(' ').includes('launch'));
    assert.equal(t.json.need_patient_banner, undefined);
    assert.equal(t.json.patient, 'amy');
  });

  it('portal: "Open" offers an app registered after 32 other clients (the list is of launchable apps, not the first 32 clients)', async () => {
    // ids that sort before (fillers) and after (the app) any other, whatever the clock
    for (let i = 0; i < 33; i++)
      await cli(['client', 'add', '--client-id', `-filler-${String(i).padStart(2, '0')}`, '--name', `Filler ${i}`,
        '--type', 'public', '--redirect-uri', REDIRECT]);
    await cli(['client', 'add', '--client-id', '~late-launch-app', '--name', 'Late Launch App', '--type', 'public',
      '--redirect-uri', REDIRECT, '--launch-uri', 'https://late.example/launch']);
    const b = browser(srv.base);
    const first = await b.go('/auth/apps');
    const signed = await b.go('/auth/apps', { method: 'POST', form: { ...hidden(first.text), action: 'signin', username: 'amyshaw', password: PASSWORD } });
    assert.equal(signed.status, 303, signed.text);
    const apps = await b.go('/auth/apps');
    assert.match(apps.text, /Late Launch App<\/h3><form/);
    assert.match(apps.text, /Chart App<\/h3><form/);
    assert.doesNotMatch(apps.text, /Filler \d+<\/h3><form/, 'no launch URI, no Open button');
  });
});
