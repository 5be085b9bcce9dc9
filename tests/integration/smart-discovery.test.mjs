// smart-discovery.test.mjs - SMART App Launch 2.2 discovery (checklist
// D-1..D-8), OpenID configuration (O-2), the JWKS (O-3), the
// CapabilityStatement's rest.security and CORS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';

import { startServer } from './lib/server.mjs';

const CAPS = ['launch-standalone', 'client-public', 'client-confidential-symmetric',
  'client-confidential-asymmetric', 'sso-openid-connect', 'context-standalone-patient',
  'permission-offline', 'permission-online', 'permission-patient', 'permission-v1',
  'permission-v2', 'authorize-post'];
const USCORE = ['AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'Device',
  'DiagnosticReport', 'DocumentReference', 'Encounter', 'Goal', 'Immunization', 'Location',
  'MedicationDispense', 'MedicationRequest', 'Observation', 'Patient', 'Procedure',
  'ServiceRequest', 'Specimen'];
const GRANULAR = [
  'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
  'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
  'patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|survey',
  'patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh',
];

describe('SMART discovery', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); srv.cleanup(); });

  for (const where of ['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration']) {
    it(`${where}: every D-1..D-8 field, absolute URLs, JSON whatever Accept says`, async () => {
      const r = await srv.request({ path: where, headers: { Accept: 'text/html' } });
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^application\/json/);
      const c = r.json;
      for (const k of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri',
        'introspection_endpoint', 'revocation_endpoint', 'registration_endpoint', 'management_endpoint']) {
        assert.equal(typeof c[k], 'string', k);
        assert.ok(new URL(c[k]).protocol.startsWith('http'), `${k} absolute`);
      }
      assert.equal(c.authorization_endpoint, `${srv.base}/auth/authorize`);
      assert.equal(c.token_endpoint, `${srv.base}/auth/token`);
      assert.equal(c.management_endpoint, `${srv.base}/auth/apps`);
      assert.equal(c.issuer, srv.fhirBase);
      assert.deepEqual(c.code_challenge_methods_supported, ['S256']);
      for (const g of ['authorization_code', 'refresh_token', 'client_credentials'])
        assert.ok(c.grant_types_supported.includes(g), g);
      for (const m of ['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
        assert.ok(c.token_endpoint_auth_methods_supported.includes(m), m);
      assert.ok(c.capabilities.every((x) => typeof x === 'string'));
      for (const cap of CAPS) assert.ok(c.capabilities.includes(cap), cap);
      assert.ok(c.response_types_supported.includes('code'));
      for (const t of USCORE) assert.ok(c.scopes_supported.includes(`patient/${t}.rs`), t);
      for (const s of GRANULAR) assert.ok(c.scopes_supported.includes(s), s);
      for (const s of ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'online_access'])
        assert.ok(c.scopes_supported.includes(s), s);
      assert.equal(r.headers['access-control-allow-origin'], undefined, 'no Origin, no CORS header');
    });
  }

  it('discovery is readable from any origin; a preflight is answered', async () => {
    const r = await srv.request({ path: '/.well-known/smart-configuration', headers: { Origin: 'https://app.example' } });
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const p = await srv.request({
      method: 'OPTIONS', path: '/fhir/.well-known/smart-configuration',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(p.status, 204);
    assert.equal(p.headers['access-control-allow-origin'], '*');
    assert.match(p.headers['access-control-allow-methods'], /GET/);
  });

  it('O-2: openid-configuration under the issuer', async () => {
    for (const where of ['/fhir/.well-known/openid-configuration', '/.well-known/openid-configuration']) {
      const r = await srv.request({ path: where });
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^application\/json/);
      const c = r.json;
      assert.equal(c.issuer, srv.fhirBase);
      for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) assert.ok(new URL(c[k]), k);
      assert.ok(c.response_types_supported.includes('code'));
      assert.ok(c.subject_types_supported.length > 0);
      assert.ok(c.id_token_signing_alg_values_supported.includes('RS256'));
    }
  });

  it('O-3: the JWKS holds an importable bare RSA key, stable across restarts', async () => {
    const conf = (await srv.request({ path: '/.well-known/smart-configuration' })).json;
    const r = await srv.request({ path: new URL(conf.jwks_uri).pathname });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.match(r.headers['cache-control'], /max-age=\d+/);
    assert.ok(r.json.keys.length >= 1);
    const k = r.json.keys[0];
    assert.equal(k.kty, 'RSA');
    assert.ok(k.kid && k.n && k.e);
    assert.equal(k.d, undefined, 'no private material');
    const pub = createPublicKey({ key: k, format: 'jwk' });
    assert.equal(pub.asymmetricKeyType, 'rsa');
    assert.ok(pub.asymmetricKeyDetails.modulusLength >= 2048);
    // The same auth database keeps the same key.
    const again = await startServer({ authDb: srv.authDbPath });
    try {
      const r2 = await again.request({ path: '/auth/jwks' });
      assert.equal(r2.json.keys[0].kid, k.kid);
    } finally { await again.stop(); again.cleanup(); }
  });

  it('the CapabilityStatement names SMART-on-FHIR and the oauth-uris', async () => {
    const r = await srv.request({ path: '/fhir/metadata', headers: { Origin: 'http://localhost:3000' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const sec = r.json.rest[0].security;
    assert.equal(sec.service[0].coding[0].code, 'SMART-on-FHIR');
    const ext = sec.extension.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    const uris = Object.fromEntries(ext.extension.map((e) => [e.url, e.valueUri]));
    assert.equal(uris.authorize, `${srv.base}/auth/authorize`);
    assert.equal(uris.token, `${srv.base}/auth/token`);
    for (const k of ['register', 'manage', 'introspect', 'revoke']) assert.ok(new URL(uris[k]), k);
  });
  // CORS on the token endpoint and the FHIR API (registered origins): cors.test.mjs
});
