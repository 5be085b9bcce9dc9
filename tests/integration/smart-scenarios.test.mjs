// smart-scenarios.test.mjs - the g10 launch scenarios of the conformance
// checklist §2 that smart-flow.test.mjs does not walk: authorize by POST
// (A-1), the full-access launch with Inferno's exact scope list (T-7, R-3,
// R-4), the limited-access app (R-5, R-6), refresh of a launched grant (F-1..F-3)
// and its three-month life (F-5), the asymmetric client registered by JWKS
// URL (N-10), v1 scopes (N-11), the two granular-scope launches (G-1) and
// the patient choosing category sub-scopes (G-5, G-6).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, randomUUID } from 'node:crypto';
import http from 'node:http';

import { startServer, runCli } from './lib/server.mjs';
import { launch, PASSWORD } from './lib/launch.mjs';

const REDIRECT = 'https://app.example/callback';
const BASE_SCOPES = 'launch/patient openid fhirUser offline_access';
// Appendix A: STANDALONE_SMART_2_SCOPES of the g10 kit.
const TYPES = ['Medication', 'AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'Device',
  'DiagnosticReport', 'DocumentReference', 'Encounter', 'Goal', 'Immunization', 'Location', 'MedicationDispense',
  'MedicationRequest', 'Observation', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Procedure',
  'Provenance', 'QuestionnaireResponse', 'RelatedPerson', 'ServiceRequest', 'Specimen'];
const FULL = `${BASE_SCOPES} ${TYPES.map((t) => `patient/${t}.rs`).join(' ')}`;
// R-3: the patient-compartment types a full-access token must cover and search by patient (R-4).
const COMPARTMENT = ['AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'DiagnosticReport',
  'DocumentReference', 'Goal', 'Immunization', 'MedicationRequest', 'Observation', 'Procedure', 'Provenance',
  'ServiceRequest', 'Coverage', 'MedicationDispense', 'Specimen', 'Encounter', 'Device', 'RelatedPerson'];
const COND = 'http://terminology.hl7.org/CodeSystem/condition-category';
const USC_COND = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';
const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
const USC = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';
const GRANULAR_1 = [`patient/Condition.rs?category=${COND}|encounter-diagnosis`,
  `patient/Condition.rs?category=${USC_COND}|health-concern`,
  `patient/Observation.rs?category=${OBS}|laboratory`, `patient/Observation.rs?category=${OBS}|social-history`];
const GRANULAR_2 = [`patient/Condition.rs?category=${COND}|problem-list-item`,
  `patient/Observation.rs?category=${OBS}|vital-signs`, `patient/Observation.rs?category=${OBS}|survey`,
  `patient/Observation.rs?category=${USC}|sdoh`];

const form = (o) => new URLSearchParams(o).toString();
const sorted = (s) => s.split(' ').filter(Boolean).sort();

describe('g10 launch scenarios', () => {
  let srv, pub, conf;
  const cli = async (...args) => {
    const extra = args[0] === 'client' ? ['--base-url', srv.fhirBase] : [];
    const r = await runCli([...args, '--auth-db', srv.authDbPath, ...extra], { input: `${PASSWORD}\n` });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const post = (p, body, headers = {}) => srv.request({
    method: 'POST', path: p, body: form(body), auth: false,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
  const basic = (c) => ({ Authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}` });
  const fhir = (p, token) => srv.request({ path: `/fhir/${p}`, auth: token });
  /** The code exchange of a public client. */
  const exchange = async (client, got) => post('/auth/token', {
    grant_type: 'authorization_code', code: got.code, redirect_uri: REDIRECT, code_verifier: got.verifier,
    client_id: client.client_id,
  });

  before(async () => {
    srv = await startServer();
    pub = JSON.parse(await cli('client', 'add', '--name', 'Public App', '--redirect-uri', REDIRECT, '--type', 'public'));
    conf = JSON.parse(await cli('client', 'add', '--name', 'Conf App', '--redirect-uri', REDIRECT, '--type', 'confidential-symmetric'));
    await cli('account', 'add', '--user', 'amyshaw', '--patient', 'amy', '--password-stdin');
    const r = await srv.request({
      method: 'PUT', path: '/fhir/Patient/amy', headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'amy', identifier: [{ system: 'urn:fhirgate:test', value: 'amy' }], name: [{ family: 'Shaw', given: ['Amy'] }], gender: 'female' }),
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  });
  after(async () => { await srv.stop(); srv.cleanup(); });

  it('A-1: the authorization request sent as a POST form launches like a GET', async () => {
    const got = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, scope: 'launch/patient patient/Patient.rs', method: 'POST' });
    const t = await exchange(pub, got);
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(sorted(t.json.scope), ['launch/patient', 'patient/Patient.rs']);
    assert.equal((await fhir(`Patient/${t.json.patient}`, t.json.access_token)).status, 200);
  });

  it('T-7, R-3, R-4: full access with the Inferno scope list: every scope granted, every type searchable by patient', async () => {
    const got = await launch(srv, { clientId: conf.client_id, redirect: REDIRECT, scope: FULL });
    for (const s of sorted(FULL)) assert.ok(got.boxes.includes(s), `consent offers ${s}`);
    const t = await post('/auth/token', { grant_type: 'authorization_code', code: got.code, redirect_uri: REDIRECT, code_verifier: got.verifier }, basic(conf));
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(sorted(t.json.scope), sorted(FULL));
    const tok = t.json.access_token;
    const p = await fhir(`Patient/${t.json.patient}`, tok);
    assert.equal(p.status, 200);
    assert.equal(p.json.resourceType, 'Patient');
    for (const type of COMPARTMENT) {
      const s = await fhir(`${type}?patient=${t.json.patient}`, tok);
      assert.equal(s.status, 200, `${type}?patient: ${s.text.slice(0, 200)}`);
      assert.equal(s.json.resourceType, 'Bundle', type);
    }
    for (const type of ['Medication', 'Organization', 'Practitioner', 'PractitionerRole', 'Location']) {
      const s = await fhir(`${type}?_count=1`, tok);
      assert.equal(s.status, 200, `${type}: ${s.text.slice(0, 200)}`);
    }
  });

  it('R-5, R-6: limited access: only Patient, Condition and Observation approved; denied types are 403', async () => {
    const keep = ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/Patient.rs', 'patient/Condition.rs', 'patient/Observation.rs'];
    const got = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, scope: FULL, choose: () => keep });
    const t = await exchange(pub, got);
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(sorted(t.json.scope), [...keep].sort(), 'the grant says exactly what was approved');
    const tok = t.json.access_token;
    for (const type of ['Patient', 'Condition', 'Observation']) {
      const s = await fhir(`${type}?patient=amy`, tok);
      assert.equal(s.status, 200, type);
    }
    for (const type of COMPARTMENT.filter((x) => !['Condition', 'Observation'].includes(x))) {
      const s = await fhir(`${type}?patient=amy`, tok);
      assert.ok(s.status === 401 || s.status === 403, `${type}: ${s.status} (an empty 200 fails R-6)`);
      assert.equal(s.json?.resourceType, 'OperationOutcome', type);
    }
  });

  it('F-1, F-2, F-3: refresh of a launched grant with and without scope; the refreshed token reads the patient', async () => {
    const scope = `${BASE_SCOPES} patient/Patient.rs patient/Observation.rs`;
    const got = await launch(srv, { clientId: conf.client_id, redirect: REDIRECT, scope });
    const t = await post('/auth/token', { grant_type: 'authorization_code', code: got.code, redirect_uri: REDIRECT, code_verifier: got.verifier }, basic(conf));
    assert.equal(t.status, 200, t.text);
    let rt = t.json.refresh_token;
    for (const ask of [undefined, t.json.scope, 'patient/Patient.rs']) {
      const body = { grant_type: 'refresh_token', refresh_token: rt, ...(ask ? { scope: ask } : {}) };
      const r = await post('/auth/token', body, basic(conf));
      assert.equal(r.status, 200, `scope=${ask}: ${r.text}`);
      assert.equal(typeof r.json.access_token, 'string');
      assert.match(r.json.token_type, /^bearer$/i);
      assert.equal(typeof r.json.expires_in, 'number');
      assert.equal(typeof r.json.scope, 'string');
      for (const s of sorted(r.json.scope)) assert.ok(sorted(t.json.scope).includes(s), `${s} was granted`);
      if (ask) assert.deepEqual(sorted(r.json.scope), sorted(ask));
      assert.match(r.headers['cache-control'], /no-store/);
      const p = await fhir('Patient/amy', r.json.access_token);
      assert.equal(p.status, 200);
      assert.equal(p.json.resourceType, 'Patient');
      rt = r.json.refresh_token ?? rt;
    }
  });

  it('F-5: an offline_access refresh token still works after 89 days, and refreshing starts a new period', async () => {
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    const at = (days) => new Date(t0 + days * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
    const first = await srv.tokenResponse({ scope: 'launch/patient offline_access patient/Patient.rs', patient: 'amy', client: pub.client_id, now: at(0) });
    assert.ok(first.refresh_token);
    let rt = first.refresh_token;
    for (const day of [89, 178]) {
      const later = await startServer({ db: srv.dbPath, authDb: srv.authDbPath, now: at(day) });
      try {
        const r = await later.request({
          method: 'POST', path: '/auth/token', auth: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: form({ grant_type: 'refresh_token', refresh_token: rt, client_id: pub.client_id }),
        });
        assert.equal(r.status, 200, `day ${day}: ${r.text}`);
        assert.ok(r.json.refresh_token, 'a new refresh token (rotation)');
        rt = r.json.refresh_token;
      } finally { await later.stop(); }
    }
    // Past the period a refresh token is dead: the test can fail the other way too.
    const dead = await startServer({ db: srv.dbPath, authDb: srv.authDbPath, now: at(178 + 400) });
    try {
      const r = await dead.request({
        method: 'POST', path: '/auth/token', auth: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form({ grant_type: 'refresh_token', refresh_token: rt, client_id: pub.client_id }),
      });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error, 'invalid_grant');
    } finally { await dead.stop(); }
  });

  it('N-10: asymmetric client with a JWKS URL: launch, id_token, refresh with client_assertion, bad refresh refused', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'n10', alg: 'ES384', use: 'sig' };
    const jwksSrv = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise((r) => jwksSrv.listen(0, '127.0.0.1', r));
    try {
      const c = JSON.parse(await cli('client', 'add', '--name', 'Asym App', '--redirect-uri', REDIRECT,
        '--type', 'confidential-asymmetric', '--jwks-uri', `http://127.0.0.1:${jwksSrv.address().port}/jwks.json`));
      const assertion = () => {
        const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        const input = `${b64({ alg: 'ES384', kid: 'n10', typ: 'JWT' })}.${b64({
          iss: c.client_id, sub: c.client_id, aud: `${srv.base}/auth/token`, exp: now + 240, jti: randomUUID() })}`;
        const sig = sign('sha384', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
        return { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: `${input}.${sig.toString('base64url')}` };
      };
      const got = await launch(srv, { clientId: c.client_id, redirect: REDIRECT, scope: `${BASE_SCOPES} patient/Patient.rs` });
      const t = await post('/auth/token', { grant_type: 'authorization_code', code: got.code, redirect_uri: REDIRECT, code_verifier: got.verifier, ...assertion() });
      assert.equal(t.status, 200, t.text);
      assert.equal(typeof t.json.id_token, 'string');
      assert.equal(t.json.patient, 'amy');
      const r = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, ...assertion() });
      assert.equal(r.status, 200, r.text);
      assert.equal((await fhir('Patient/amy', r.json.access_token)).status, 200);
      const bad = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token', ...assertion() });
      assert.ok(bad.status === 400 || bad.status === 401, bad.text);
      const noAuth = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: r.json.refresh_token, client_id: c.client_id });
      assert.equal(noAuth.status, 401, 'an asymmetric client must authenticate');
    } finally { jwksSrv.close(); }
  });

  it('N-11: v1 scopes launch; the grant is v1 or its v2 equivalent and the types are readable', async () => {
    const v1 = ['Patient', 'Observation', 'Condition'].map((t) => `patient/${t}.read`);
    const got = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, scope: `${BASE_SCOPES} ${v1.join(' ')}`,
      choose: (boxes) => boxes });
    const t = await exchange(pub, got);
    assert.equal(t.status, 200, t.text);
    const granted = sorted(t.json.scope);
    for (const s of v1) assert.ok(granted.includes(s) || granted.includes(s.replace(/\.read$/, '.rs')), `${s} in ${granted}`);
    for (const s of ['launch/patient', 'openid', 'fhirUser', 'offline_access']) assert.ok(granted.includes(s), s);
    assert.ok(t.json.id_token);
    assert.equal((await fhir('Patient/amy', t.json.access_token)).status, 200);
    for (const type of ['Observation', 'Condition']) assert.equal((await fhir(`${type}?patient=amy`, t.json.access_token)).status, 200, type);
    assert.equal((await fhir('Procedure?patient=amy', t.json.access_token)).status, 403);
  });

  it('O-5: a proxy launch: the fhirUser (the Patient of the proxy) reads 200, the rest of that record stays hidden', async () => {
    await cli('account', 'add', '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin');
    await cli('account', 'proxy', '--user', 'danielshaw', '--patient', 'lily', '--kind', 'parent');
    const put = async (p, body) => {
      const r = await srv.request({ method: 'PUT', path: `/fhir/${p}`, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    };
    // birth dates matter: a parent's proxy follows the child's age today (portal rules)
    const born = (years) => new Date(Date.now() - (years * 365.25 + 100) * 86400000).toISOString().slice(0, 10);
    for (const [id, age] of [['daniel', 41], ['lily', 8]])
      await put(`Patient/${id}`, { resourceType: 'Patient', id, identifier: [{ system: 'urn:fhirgate:test', value: id }], name: [{ family: 'Shaw', given: [id] }], gender: 'unknown', birthDate: born(age) });
    await put('Observation/daniel-weight', { resourceType: 'Observation', id: 'daniel-weight', status: 'final',
      code: { text: 'weight' }, subject: { reference: 'Patient/daniel' } });
    const got = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, user: 'danielshaw', patient: 'lily',
      scope: 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs' });
    const t = await exchange(pub, got);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.patient, 'lily');
    const fhirUser = JSON.parse(Buffer.from(t.json.id_token.split('.')[1], 'base64url')).fhirUser;
    assert.equal(fhirUser, `${srv.fhirBase}/Patient/daniel`);
    const tok = t.json.access_token;
    const who = await fhir('Patient/daniel', tok);
    assert.equal(who.status, 200, who.text);
    assert.equal(who.json.id, 'daniel');
    assert.equal((await fhir('Patient/lily', tok)).status, 200);
    assert.equal((await fhir('Observation/daniel-weight', tok)).status, 404, 'the proxy\'s own record is not the launch');
    const s = await fhir('Patient?_id=daniel', tok);
    assert.equal(s.status, 200);
    assert.equal((s.json.entry ?? []).length, 0, 'searches stay in the launch compartment');
    // Without the fhirUser scope the proxy's own Patient is out of reach.
    const got2 = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, user: 'danielshaw', patient: 'lily',
      scope: 'launch/patient openid patient/Patient.rs' });
    const t2 = await exchange(pub, got2);
    assert.equal(t2.status, 200, t2.text);
    assert.equal((await fhir('Patient/daniel', t2.json.access_token)).status, 404);
  });

  for (const [n, group] of [[1, GRANULAR_1], [2, GRANULAR_2]]) {
    it(`G-1: granular group ${n}: each category scope granted, no resource-level Condition/Observation`, async () => {
      const got = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, scope: `${BASE_SCOPES} ${group.join(' ')}`,
        choose: (boxes) => boxes });
      const t = await exchange(pub, got);
      assert.equal(t.status, 200, t.text);
      const granted = sorted(t.json.scope);
      for (const s of group) assert.ok(granted.includes(s), `${s} granted`);
      for (const s of granted) {
        assert.ok(!/^patient\/(Condition|Observation|\*)\.[cruds]+$/.test(s), `resource-level ${s} granted alongside`);
      }
      const i = await post('/auth/introspect', { token: t.json.access_token }, basic(conf));
      assert.deepEqual(sorted(i.json.scope), granted, 'I-2: introspection echoes the granted set');
    });
  }

  it('G-5, G-6: resource-level Condition/Observation asked; the patient grants category sub-scopes instead', async () => {
    const scope = `${BASE_SCOPES} patient/Patient.rs patient/Condition.rs patient/Observation.rs`;
    const subs = { Condition: [`${COND}|encounter-diagnosis`, `${COND}|problem-list-item`, `${USC_COND}|health-concern`],
      Observation: [`${USC}|clinical-test`, `${OBS}|laboratory`, `${OBS}|social-history`, `${USC}|sdoh`, `${OBS}|survey`, `${OBS}|vital-signs`] };
    const want = ['launch/patient', 'openid', 'fhirUser', 'patient/Patient.rs',
      `patient/Condition.rs?category=${COND}|problem-list-item`, `patient/Observation.rs?category=${OBS}|vital-signs`];
    const got = await launch(srv, { clientId: pub.client_id, redirect: REDIRECT, scope, choose: () => want });
    for (const [type, cats] of Object.entries(subs)) {
      for (const c of cats) assert.ok(got.boxes.includes(`patient/${type}.rs?category=${c}`), `offers ${type} ${c}`);
    }
    assert.match(got.consent, /[Cc]linical test/, 'G-6: the clinical-test sub-scope is named in plain language');
    const t = await exchange(pub, got);
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(sorted(t.json.scope), [...want].sort());
    const obs = await fhir('Observation?patient=amy', t.json.access_token);
    assert.equal(obs.status, 200);
    assert.equal((await fhir('Procedure?patient=amy', t.json.access_token)).status, 403);
  });
});
