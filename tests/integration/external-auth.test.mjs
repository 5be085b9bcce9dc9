// external-auth.test.mjs - auth_mode = jwks and introspection: the gateway
// accepts tokens of an external authorization server (here a node server on
// loopback: a JWKS for RS256 JWTs, and an RFC 7662 introspection endpoint)
// and checks exp, aud and iss itself; the policy then applies as for local
// tokens. Local tokens are not accepted in these modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';

import { startServer } from './lib/server.mjs';

const b64url = (b) => Buffer.from(b).toString('base64url');

function jwt(key, kid, claims) {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${b64url(sig)}`;
}

/** A loopback authorization server: GET /jwks, POST /introspect (Basic rs:rs-secret). */
async function startAs() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  const active = new Map(); // opaque token -> claims
  let introspections = 0;
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      if (req.method === 'POST' && req.url === '/introspect') {
        introspections++;
        const basic = `Basic ${Buffer.from('rs:rs-secret').toString('base64')}`;
        if (req.headers.authorization !== basic) { res.writeHead(401); res.end('{}'); return; }
        const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('token');
        const claims = active.get(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(claims ? { active: true, ...claims } : { active: false }));
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`, privateKey, active,
    introspections: () => introspections,
    close: () => new Promise((r) => srv.close(r)),
  };
}

const now = () => Math.floor(Date.now() / 1000);

describe('auth_mode = jwks', () => {
  let as, srv, other;
  const sign = (claims) => jwt(as.privateKey, 'k1', claims);
  const claims = (extra = {}) => ({
    iss: 'https://as.example', aud: srv.fhirBase, exp: now() + 300, client_id: 'ext-app', ...extra,
  });

  before(async () => {
    as = await startAs();
    other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    srv = await startServer({
      args: ['--auth-mode', 'jwks', '--auth-jwks-uri', `${as.url}/jwks`, '--auth-issuer', 'https://as.example'],
    });
    const admin = sign(claims({ scope: 'system/*.cruds' }));
    for (const id of ['amy', 'daniel']) {
      const r = await srv.request({
        method: 'PUT', path: `/fhir/Patient/${id}`, auth: admin,
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', id, identifier: [{ system: 'urn:fhirgate:test', value: id }], name: [{ family: 'Sample', given: [id] }], gender: 'unknown' }),
      });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    }
  });
  after(async () => {
    const stop = await srv.stop();
    srv.cleanup();
    await as.close();
    assert.ok(stop.exitedZero, srv.stderr().slice(-2000));
  });

  it('a JWT from the JWKS with our aud: the policy applies (own patient 200, other 404)', async () => {
    const t = sign(claims({ scope: 'launch/patient patient/*.rs', patient: 'amy' }));
    const own = await srv.request({ path: '/fhir/Patient/amy', auth: t });
    assert.equal(own.status, 200, own.text);
    const otherPatient = await srv.request({ path: '/fhir/Patient/daniel', auth: t });
    assert.equal(otherPatient.status, 404);
    const scp = sign(claims({ scp: ['patient/Patient.rs'], patient: 'amy' }));
    assert.equal((await srv.request({ path: '/fhir/Patient/amy', auth: scp })).status, 200);
    assert.equal((await srv.request({ path: '/fhir/Observation?_count=1', auth: scp })).status, 403);
  });

  it('fhirUser Practitioner: user/ scopes reach every patient, as a local practitioner account', async () => {
    const dr = sign(claims({ scope: 'openid fhirUser user/Patient.rs', sub: 'dr-who', fhirUser: `${srv.fhirBase}/Practitioner/dr-1` }));
    for (const id of ['amy', 'daniel']) {
      const r = await srv.request({ path: `/fhir/Patient/${id}`, auth: dr });
      assert.equal(r.status, 200, `${id}: ${r.text}`);
    }
    const all = await srv.request({ path: '/fhir/Patient?_count=50', auth: dr });
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json.entry.map((e) => e.resource.id).sort(), ['amy', 'daniel']);
    // types outside the grant stay refused
    assert.equal((await srv.request({ path: '/fhir/Observation?_count=1', auth: dr })).status, 403);
    // a Patient fhirUser reaches its own record only; another kind of user reaches no one
    const pat = sign(claims({ scope: 'openid fhirUser user/Patient.rs', sub: 'amy-user', fhirUser: 'Patient/amy' }));
    assert.equal((await srv.request({ path: '/fhir/Patient/amy', auth: pat })).status, 200);
    assert.equal((await srv.request({ path: '/fhir/Patient/daniel', auth: pat })).status, 404);
    const rp = sign(claims({ scope: 'openid fhirUser user/Patient.rs', sub: 'rp', fhirUser: 'RelatedPerson/rp' }));
    const none = await srv.request({ path: '/fhir/Patient/amy', auth: rp });
    assert.ok(none.status === 403 || none.status === 404, `${none.status} ${none.text}`);
  });

  it('wrong audience, expired, wrong issuer, bad signature, garbage and local tokens are 401', async () => {
    const bad = {
      'wrong aud': sign(claims({ aud: 'https://other.example/fhir', scope: 'patient/*.rs', patient: 'amy' })),
      'no aud': sign({ ...claims({ scope: 'system/*.rs' }), aud: undefined }),
      expired: sign(claims({ exp: now() - 10, scope: 'patient/*.rs', patient: 'amy' })),
      'no exp': sign({ ...claims({ scope: 'system/*.rs' }), exp: undefined }),
      'wrong iss': sign(claims({ iss: 'https://evil.example', scope: 'system/*.rs' })),
      'other key': jwt(other, 'k1', claims({ scope: 'system/*.rs' })),
      'unknown kid': jwt(other, 'k9', claims({ scope: 'system/*.rs' })),
      garbage: 'not.a.jwt',
      'local operator token': srv.operatorToken,
    };
    for (const [what, t] of Object.entries(bad)) {
      const r = await srv.request({ path: '/fhir/Patient/amy', auth: t });
      assert.equal(r.status, 401, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.match(r.headers['www-authenticate'], /error="invalid_token"/, what);
      assert.equal(r.json.resourceType, 'OperationOutcome', what);
    }
    const none = await srv.request({ path: '/fhir/Patient/amy', auth: false });
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.headers['www-authenticate'], /error=/);
  });
});

describe('auth_mode = introspection', () => {
  let as, srv;
  before(async () => {
    as = await startAs();
    srv = await startServer({
      args: ['--auth-mode', 'introspection', '--auth-introspection-url', `${as.url}/introspect`,
        '--auth-introspection-client-id', 'rs', '--auth-introspection-client-secret', 'rs-secret'],
    });
    as.active.set('admin-token-0123456789', { scope: 'system/*.cruds', aud: srv.fhirBase, exp: now() + 300 });
    const r = await srv.request({
      method: 'PUT', path: '/fhir/Patient/amy', auth: 'admin-token-0123456789',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'amy', identifier: [{ system: 'urn:fhirgate:test', value: 'amy' }], name: [{ family: 'Sample' }], gender: 'female' }),
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  });
  after(async () => {
    const stop = await srv.stop();
    srv.cleanup();
    await as.close();
    assert.ok(stop.exitedZero, srv.stderr().slice(-2000));
  });

  it('active tokens with our aud pass; inactive, foreign-audience and expired ones are 401', async () => {
    as.active.set('amy-token-0123456789', { scope: 'patient/*.rs', patient: 'amy', aud: srv.fhirBase, exp: now() + 300 });
    as.active.set('foreign-token-0123456789', { scope: 'system/*.rs', aud: 'https://other/fhir', exp: now() + 300 });
    as.active.set('old-token-0123456789', { scope: 'system/*.rs', aud: srv.fhirBase, exp: now() - 5 });
    assert.equal((await srv.request({ path: '/fhir/Patient/amy', auth: 'amy-token-0123456789' })).status, 200);
    assert.ok(as.introspections() >= 1);
    for (const t of ['unknown-token-0123456789', 'foreign-token-0123456789', 'old-token-0123456789']) {
      const r = await srv.request({ path: '/fhir/Patient/amy', auth: t });
      assert.equal(r.status, 401, t);
      assert.match(r.headers['www-authenticate'], /invalid_token/);
    }
  });
});
