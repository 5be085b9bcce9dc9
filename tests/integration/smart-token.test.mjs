// smart-token.test.mjs - the OAuth server side: `fhirgate client` and
// `fhirgate token issue`, dynamic registration (RFC 7591), the token
// endpoint's error matrix (RFC 6749 §5.2, checklist N-2, N-4, F-4),
// client_credentials with private_key_jwt (RS384 and ES384; jti replay and
// wrong aud refused; JWKS inline and by URL), refresh rotation and
// narrowing (F-1, F-2), introspection (I-1..I-4) and revocation (RFC 7009).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { startServer, runCli } from './lib/server.mjs';

const b64u = (b) => Buffer.from(b).toString('base64url');

function makeKey(kind, kid) {
  const { publicKey, privateKey } = kind === 'RS384'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: kind, use: 'sig' };
  return { kind, kid, privateKey, jwk };
}

function assertion(key, claims) {
  const header = { alg: key.kind, kid: key.kid, typ: 'JWT' };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const sig = key.kind === 'RS384'
    ? sign('sha384', Buffer.from(input), key.privateKey)
    : sign('sha384', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}

const form = (o) => new URLSearchParams(o).toString();

describe('SMART authorization server endpoints', () => {
  let srv, cli, tokenUrl;
  const post = (p, body, headers = {}) => srv.request({
    method: 'POST', path: p, body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
  const basic = (id, secret) => ({ Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });

  before(async () => {
    srv = await startServer();
    tokenUrl = `${srv.base}/auth/token`;
    cli = async (...args) => {
      const r = await runCli([...args, '--auth-db', srv.authDbPath, '--base-url', srv.fhirBase]);
      return r;
    };
  });
  after(async () => { await srv.stop(); srv.cleanup(); });

  async function addClient(type, extra = []) {
    const r = await cli('client', 'add', '--name', `t-${type}`, '--redirect-uri', 'https://app.example/cb',
      '--type', type, ...extra);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  async function issue(client, scope, patient = 'p-amy') {
    const r = await cli('token', 'issue', '--client', client.client_id, '--patient', patient, '--scope', scope);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  it('client add/list/remove; the secret is printed once', async () => {
    const c = await addClient('confidential-symmetric');
    assert.match(c.client_secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(c.token_endpoint_auth_method, 'client_secret_basic');
    const pub = await addClient('public');
    assert.equal(pub.client_secret, undefined);
    const list = (await cli('client', 'list')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(list.some((x) => x.client_id === c.client_id));
    assert.ok(list.every((x) => x.client_secret === undefined), 'list never shows secrets');
    const bad = await cli('client', 'add', '--name', 'x', '--redirect-uri', 'http://evil.example/cb', '--type', 'public');
    assert.notEqual(bad.code, 0);
    const rm = await cli('client', 'remove', pub.client_id);
    assert.equal(rm.code, 0);
    const again = await cli('client', 'remove', pub.client_id);
    assert.equal(again.code, 1);
  });

  it('RFC 7591 registration: 201 with metadata, secret for symmetric, errors', async () => {
    const reg = (o) => srv.request({ method: 'POST', path: '/auth/register', body: JSON.stringify(o), headers: { 'Content-Type': 'application/json' } });
    const r = await reg({ redirect_uris: ['https://app.example/cb'], client_name: 'Dyn', token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(r.status, 201);
    assert.ok(r.json.client_id);
    assert.ok(r.json.client_secret);
    assert.deepEqual(r.json.redirect_uris, ['https://app.example/cb']);
    assert.match(r.headers['cache-control'], /no-store/);
    const p = await reg({ redirect_uris: ['http://127.0.0.1:8765/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(p.status, 201);
    assert.equal(p.json.client_secret, undefined);
    for (const uris of [['http://app.example/cb'], ['https://app.example/cb#frag'], [], ['javascript:alert(1)']]) {
      const e = await reg({ redirect_uris: uris });
      assert.equal(e.status, 400, JSON.stringify(uris));
      assert.equal(e.json.error, 'invalid_redirect_uri');
    }
    // metadata the pages show or the server fetches has a length limit
    for (const over of [{ client_name: 'n'.repeat(257) },
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `https://a.example/${'j'.repeat(2048)}` }]) {
      const e = await reg({ redirect_uris: ['https://a.example/cb'], ...over });
      assert.equal(e.status, 400, Object.keys(over).join());
      assert.equal(e.json.error, 'invalid_client_metadata');
    }
    assert.equal((await reg({ redirect_uris: ['https://a.example/cb'], client_name: 'n'.repeat(256) })).status, 201);
    const h = await reg({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://127.0.0.1:1/jwks' });
    assert.equal(h.status, 400, 'no plain-http jwks_uri by open registration');
    assert.equal(h.json.error, 'invalid_client_metadata');
    const key = makeKey('ES384', 'reg-key');
    const a = await reg({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.jwk] } });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.jwks.keys[0].kid, 'reg-key');
    const priv = await reg({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...key.privateKey.export({ format: 'jwk' }), kid: 'reg-key' }] } });
    assert.equal(priv.status, 400, 'a private key is refused');
    const m = await reg({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt' });
    assert.equal(m.status, 400);
    assert.equal(m.json.error, 'invalid_client_metadata');
    const sys = await reg({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none', scope: 'system/*.rs patient/Patient.rs' });
    assert.equal(sys.status, 201);
    assert.ok(!sys.json.scope.includes('system/'), 'no system scopes by registration');
  });

  it('token endpoint error matrix (RFC 6749 §5.2)', async () => {
    const c = await addClient('confidential-symmetric');
    const auth = basic(c.client_id, c.client_secret);
    const cases = [
      [{ grant_type: 'password', username: 'a', password: 'b' }, auth, 400, 'unsupported_grant_type'],
      [{ code: 'x' }, auth, 400, 'invalid_request'],
      [{ grant_type: 'authorization_code', code: 'BAD_CODE', redirect_uri: 'https://app.example/cb', code_verifier: 'a'.repeat(50) }, auth, 400, 'invalid_grant'],
      [{ grant_type: 'authorization_code', code: 'A'.repeat(43), redirect_uri: 'https://app.example/cb' }, auth, 400, 'invalid_grant'],
      [{ grant_type: 'authorization_code', code: 'BAD_CODE' }, basic(c.client_id, 'wrong'), 401, 'invalid_client'],
      [{ grant_type: 'authorization_code', code: 'BAD_CODE' }, basic('nobody', 'x'), 401, 'invalid_client'],
      [{ grant_type: 'authorization_code', code: 'BAD_CODE', client_id: 'nobody' }, {}, 401, 'invalid_client'],
      [{ grant_type: 'authorization_code', code: 'BAD_CODE', client_id: c.client_id }, {}, 401, 'invalid_client'],
      [{ grant_type: 'refresh_token', refresh_token: 'random-refresh-token' }, auth, 400, 'invalid_grant'],
      [{ grant_type: 'authorization_code', code: 'BAD_CODE', client_id: c.client_id, client_secret: c.client_secret }, auth, 400, 'invalid_request'],
      [{ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, auth, 400, 'unauthorized_client'],
    ];
    for (const [body, headers, status, error] of cases) {
      const r = await post('/auth/token', form(body), headers);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error, error, JSON.stringify(body));
      assert.equal(typeof r.json.error_description, 'string');
      assert.match(r.headers['cache-control'], /no-store/);
      assert.match(r.headers.pragma, /no-cache/);
      if (status === 401 && headers.Authorization) assert.match(r.headers['www-authenticate'], /^Basic/);
    }
    const dup = await post('/auth/token', 'grant_type=refresh_token&grant_type=refresh_token', auth);
    assert.equal(dup.status, 400);
    assert.equal(dup.json.error, 'invalid_request');
    const json = await srv.request({ method: 'POST', path: '/auth/token', body: '{}', headers: { 'Content-Type': 'application/json', ...auth } });
    assert.equal(json.status, 400);
    assert.equal(json.json.error, 'invalid_request');
    const get = await srv.request({ path: '/auth/token' });
    assert.equal(get.status, 405);
  });

  for (const kind of ['RS384', 'ES384']) {
    it(`client_credentials with a ${kind} private_key_jwt assertion; replayed jti and wrong aud refused`, async () => {
      const key = makeKey(kind, `k-${kind}`);
      const file = path.join(srv.dir, `jwks-${kind}.json`);
      writeFileSync(file, JSON.stringify({ keys: [key.jwk] }));
      const c = await addClient('confidential-asymmetric', ['--jwks', file, '--scope', 'system/Patient.rs system/Observation.rs']);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: c.client_id, sub: c.client_id, aud: tokenUrl, exp: now + 240, jti: randomUUID() };
      const body = (jwt, scope = 'system/Patient.rs') => form({
        grant_type: 'client_credentials', scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt,
      });
      const jwt = assertion(key, claims);
      const r = await post('/auth/token', body(jwt));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.token_type, 'Bearer');
      assert.equal(typeof r.json.expires_in, 'number');
      assert.equal(r.json.scope, 'system/Patient.rs');
      assert.equal(r.json.refresh_token, undefined);
      assert.match(r.headers['cache-control'], /no-store/);
      const replay = await post('/auth/token', body(jwt));
      assert.equal(replay.status, 401);
      assert.equal(replay.json.error, 'invalid_client');
      const aud = await post('/auth/token', body(assertion(key, { ...claims, jti: randomUUID(), aud: `${srv.base}/other` })));
      assert.equal(aud.status, 401);
      const far = await post('/auth/token', body(assertion(key, { ...claims, jti: randomUUID(), exp: now + 3600 })));
      assert.equal(far.status, 401, 'exp more than 5 minutes ahead');
      const other = makeKey(kind, key.kid);
      const forged = await post('/auth/token', body(assertion(other, { ...claims, jti: randomUUID() })));
      assert.equal(forged.status, 401, 'signature by another key');
      const wide = await post('/auth/token', body(assertion(key, { ...claims, jti: randomUUID() }), 'patient/Patient.rs'));
      assert.equal(wide.status, 400);
      assert.equal(wide.json.error, 'invalid_scope');
    });
  }

  it('bodies outside /fhir are capped at 64 KiB before anyone is authenticated; /fhir keeps its limit', async () => {
    const big = 'grant_type=client_credentials&pad=' + 'a'.repeat(70 * 1024);
    const r = await post('/auth/token', big);
    assert.equal(r.status, 413);
    assert.equal(r.json?.error, 'invalid_request', r.text);
    assert.match(r.headers['cache-control'] ?? '', /no-store/);
    const reg = await srv.request({
      method: 'POST', path: '/auth/register', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'x'.repeat(70 * 1024), redirect_uris: ['https://a.example/cb'] }),
    });
    assert.equal(reg.status, 413);
    // The cap applies before the body is read: a declared 1 MiB body waiting
    // for 100-continue is refused at once, without a byte of it being sent.
    const early = await new Promise((resolve, reject) => {
      const sock = net.connect(srv.port, '127.0.0.1');
      let got = '';
      const timer = setTimeout(() => { sock.destroy(); resolve(got); }, 3000);
      sock.on('data', (d) => {
        got += d.toString('latin1');
        if (/\r\n\r\n/.test(got)) { clearTimeout(timer); sock.destroy(); resolve(got); }
      });
      sock.on('error', reject);
      sock.write('POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n' +
        'Expect: 100-continue\r\n\r\n');
    });
    assert.match(early, /^HTTP\/1\.1 413/, early.slice(0, 200));
    // Just under the cap the request reaches the endpoint (and fails there on its merits).
    const small = await post('/auth/token', 'grant_type=nope&pad=' + 'a'.repeat(60 * 1024));
    assert.ok([400, 401].includes(small.status), small.text);
    assert.ok(small.json?.error && small.json.error_description !== 'the request body is too large',
      small.text);
    // A FHIR transaction of the same size is not refused for its size.
    const entry = Array.from({ length: 60 }, (_, i) => ({
      resource: { resourceType: 'Basic', code: { text: 'x'.repeat(1200) + i } },
      request: { method: 'POST', url: 'Basic' },
    }));
    const tx = await srv.request({
      method: 'POST', path: '/fhir', headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }),
    });
    assert.equal(tx.status, 200, tx.text.slice(0, 300));
  });

  it('private_key_jwt with a JWKS registered by URL: cached per Cache-Control, refetched for a new kid', async () => {
    let key = makeKey('RS384', 'by-url-1');
    let fetches = 0;
    const jwksSrv = http.createServer((req, res) => {
      fetches++;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise((r) => jwksSrv.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${jwksSrv.address().port}/jwks.json`;
      const c = await addClient('confidential-asymmetric', ['--jwks-uri', url, '--scope', 'system/Patient.rs']);
      const now = Math.floor(Date.now() / 1000);
      const ask = () => post('/auth/token', form({
        grant_type: 'client_credentials', scope: 'system/Patient.rs',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion(key, { iss: c.client_id, sub: c.client_id, aud: tokenUrl, exp: now + 120, jti: randomUUID() }),
      }));
      assert.equal((await ask()).status, 200);
      assert.equal((await ask()).status, 200);
      assert.equal(fetches, 1, 'the second assertion used the cached JWKS');
      key = makeKey('RS384', 'by-url-2');
      const r = await ask();
      assert.equal(r.status, 200, r.text);
      assert.equal(fetches, 2, 'an unknown kid fetches again');
    } finally { jwksSrv.close(); }
  });

  it('refresh: rotation, narrowing allowed, widening refused, old token dead (F-1, F-2, F-4)', async () => {
    const c = await addClient('confidential-symmetric');
    const auth = basic(c.client_id, c.client_secret);
    const t = await issue(c, 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs');
    assert.ok(t.refresh_token);
    assert.equal(t.patient, 'p-amy');
    assert.ok(t.id_token);
    const [h, p] = t.id_token.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url')));
    assert.equal(h.alg, 'RS256');
    assert.equal(p.iss, srv.fhirBase);
    assert.equal(p.aud, c.client_id);
    assert.equal(p.fhirUser, `${srv.fhirBase}/Patient/p-amy`);
    const wide = await post('/auth/token', form({ grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: 'patient/Patient.rs patient/Condition.rs' }), auth);
    assert.equal(wide.status, 400);
    assert.equal(wide.json.error, 'invalid_scope');
    const narrow = await post('/auth/token', form({ grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: 'patient/Patient.rs' }), auth);
    assert.equal(narrow.status, 200, narrow.text);
    assert.equal(narrow.json.scope, 'patient/Patient.rs');
    assert.ok(narrow.json.refresh_token && narrow.json.refresh_token !== t.refresh_token);
    assert.equal(narrow.json.patient, 'p-amy');
    const old = await post('/auth/token', form({ grant_type: 'refresh_token', refresh_token: t.refresh_token }), auth);
    assert.equal(old.status, 400);
    assert.equal(old.json.error, 'invalid_grant');
    // The rotated refresh token keeps the original grant's scopes.
    const full = await post('/auth/token', form({ grant_type: 'refresh_token', refresh_token: narrow.json.refresh_token }), auth);
    assert.equal(full.status, 200);
    assert.equal(full.json.scope, t.scope);
    // Another client cannot use it.
    const d = await addClient('confidential-symmetric');
    const stolen = await post('/auth/token', form({ grant_type: 'refresh_token', refresh_token: full.json.refresh_token }), basic(d.client_id, d.client_secret));
    assert.equal(stolen.status, 400);
  });

  it('introspection: active with SMART fields, inactive exactly {"active":false}; caller must authenticate', async () => {
    const c = await addClient('confidential-symmetric');
    const auth = basic(c.client_id, c.client_secret);
    const t = await issue(c, 'launch/patient openid fhirUser patient/Patient.rs');
    const r = await post('/auth/introspect', form({ token: t.access_token }), auth);
    assert.equal(r.status, 200);
    assert.equal(r.json.active, true);
    assert.equal(r.json.client_id, c.client_id);
    assert.equal(r.json.scope, t.scope);
    assert.equal(r.json.patient, 'p-amy');
    assert.ok(r.json.exp > Date.now() / 1000);
    const claims = JSON.parse(Buffer.from(t.id_token.split('.')[1], 'base64url'));
    assert.equal(r.json.iss, claims.iss);
    assert.equal(r.json.sub, claims.sub);
    assert.equal(r.json.fhirUser, claims.fhirUser);
    const bad = await post('/auth/introspect', form({ token: 'invalid_token_value' }), auth);
    assert.equal(bad.status, 200);
    assert.deepEqual(bad.json, { active: false });
    const bearer = await post('/auth/introspect', form({ token: t.access_token }), { Authorization: `Bearer ${t.access_token}` });
    assert.equal(bearer.status, 200);
    assert.equal(bearer.json.active, true);
    const anon = await post('/auth/introspect', form({ token: t.access_token }));
    assert.equal(anon.status, 401);
  });

  it('revocation: 200 for unknown tokens; a revoked refresh token takes its access tokens with it', async () => {
    const c = await addClient('confidential-symmetric');
    const auth = basic(c.client_id, c.client_secret);
    const unknown = await post('/auth/revoke', form({ token: 'nothing-like-a-token' }), auth);
    assert.equal(unknown.status, 200);
    const t = await issue(c, 'launch/patient offline_access patient/Patient.rs');
    const a = await issue(c, 'launch/patient patient/Patient.rs');
    const rv = await post('/auth/revoke', form({ token: a.access_token, token_type_hint: 'access_token' }), auth);
    assert.equal(rv.status, 200);
    assert.deepEqual((await post('/auth/introspect', form({ token: a.access_token }), auth)).json, { active: false });
    assert.equal((await post('/auth/introspect', form({ token: t.access_token }), auth)).json.active, true);
    const rr = await post('/auth/revoke', form({ token: t.refresh_token }), auth);
    assert.equal(rr.status, 200);
    assert.deepEqual((await post('/auth/introspect', form({ token: t.access_token }), auth)).json, { active: false });
    assert.deepEqual((await post('/auth/introspect', form({ token: t.refresh_token }), auth)).json, { active: false });
    const refresh = await post('/auth/token', form({ grant_type: 'refresh_token', refresh_token: t.refresh_token }), auth);
    assert.equal(refresh.status, 400);
  });

  it('token endpoint CORS echoes a registered origin only (cors.test.mjs has the rest)', async () => {
    const r = await post('/auth/token', form({ grant_type: 'x' }), { Origin: 'https://app.example' });
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    const other = await post('/auth/token', form({ grant_type: 'x' }), { Origin: 'http://localhost:3000' });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });
});
