// cors.test.mjs - CORS as SMART App Launch 2.2 asks: discovery for any
// origin; the token endpoint and the FHIR API only for registered origins
// (the origins of the clients' redirect URIs, plus the cors_origins setting),
// preflights included. A browser enforces what these headers say; this test
// checks the headers (tests/e2e drives a real browser across origins).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, runCli } from './lib/server.mjs';

const preflight = (path, origin, method = 'POST', headers = 'authorization, content-type') => ({
  method: 'OPTIONS', path,
  headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
});

describe('CORS limited to registered origins', () => {
  let srv, client;

  before(async () => {
    srv = await startServer({ args: ['--cors-origins', 'https://extra.example, http://localhost:4000'] });
    const r = await runCli(['client', 'add', '--auth-db', srv.authDbPath, '--name', 'Browser App', '--type', 'public',
      '--redirect-uri', 'https://app.example/callback', '--redirect-uri', 'http://localhost:5173/cb']);
    assert.equal(r.code, 0, r.stderr);
    client = JSON.parse(r.stdout);
  });
  after(async () => { await srv.stop(); srv.cleanup(); });

  it('a registered origin is echoed on the FHIR API and the token endpoint, with Vary: Origin', async () => {
    for (const origin of ['https://app.example', 'http://localhost:5173']) {
      const r = await srv.request({ path: '/fhir/Patient', headers: { Origin: origin } });
      assert.equal(r.headers['access-control-allow-origin'], origin);
      assert.match(r.headers.vary, /Origin/);
      assert.match(r.headers['access-control-expose-headers'], /Location/);
      assert.match(r.headers['access-control-expose-headers'], /WWW-Authenticate/);
      assert.equal(r.headers['access-control-allow-credentials'], undefined);
      const t = await srv.request({
        method: 'POST', path: '/auth/token', body: 'grant_type=authorization_code&code=BAD_CODE',
        headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      assert.ok(t.status === 400 || t.status === 401, t.text);
      assert.equal(t.headers['access-control-allow-origin'], origin, 'errors are readable by the app too');
    }
  });

  it('preflights from a registered origin get the methods and headers', async () => {
    const p = await srv.request(preflight('/fhir/Patient/123', 'https://app.example', 'PUT', 'authorization, content-type, if-match'));
    assert.equal(p.status, 204);
    assert.equal(p.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(p.headers['access-control-allow-methods'], /PUT/);
    for (const h of ['Authorization', 'Content-Type', 'Prefer', 'If-Match', 'If-None-Exist'])
      assert.match(p.headers['access-control-allow-headers'], new RegExp(h));
    const t = await srv.request(preflight('/auth/token', 'http://localhost:5173'));
    assert.equal(t.status, 204);
    assert.equal(t.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(t.headers['access-control-allow-methods'], /POST/);
  });

  it('any other origin gets no Access-Control-Allow-Origin (answers and preflights)', async () => {
    for (const origin of ['https://evil.example', 'http://app.example', 'https://app.example:8443',
      'https://app.example.evil.example', 'http://localhost:517', 'http://localhost:5174', 'null', 'https://evil.example/path']) {
      for (const path of ['/fhir/Patient', '/auth/token', '/auth/introspect', '/auth/revoke']) {
        const r = await srv.request({ method: path === '/fhir/Patient' ? 'GET' : 'POST', path, headers: { Origin: origin } });
        assert.equal(r.headers['access-control-allow-origin'], undefined, `${origin} ${path}`);
        const p = await srv.request(preflight(path, origin));
        assert.equal(p.headers['access-control-allow-origin'], undefined, `preflight ${origin} ${path}`);
        assert.equal(p.headers['access-control-allow-methods'], undefined, `preflight ${origin} ${path}`);
      }
    }
  });

  it('discovery, JWKS and metadata stay readable from any origin', async () => {
    for (const path of ['/fhir/.well-known/smart-configuration', '/.well-known/openid-configuration', '/auth/jwks', '/fhir/metadata']) {
      const r = await srv.request({ path, headers: { Origin: 'https://evil.example' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['access-control-allow-origin'], '*', path);
    }
  });

  it('the HTML pages never carry CORS headers', async () => {
    const r = await srv.request({ path: `/auth/authorize?client_id=${client.client_id}`, headers: { Origin: 'https://app.example' } });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });

  it('the cors_origins allow-list adds origins', async () => {
    for (const origin of ['https://extra.example', 'http://localhost:4000']) {
      const p = await srv.request(preflight('/auth/token', origin));
      assert.equal(p.headers['access-control-allow-origin'], origin);
      const r = await srv.request({ path: '/fhir/metadata', headers: { Origin: origin } });
      assert.equal(r.headers['access-control-allow-origin'], '*');
    }
  });

  it('registration and removal take effect at once', async () => {
    const origin = 'http://localhost:6100';
    assert.equal((await srv.request(preflight('/auth/token', origin))).headers['access-control-allow-origin'], undefined);
    const reg = await srv.request({
      method: 'POST', path: '/auth/register', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'Late App', redirect_uris: [`${origin}/cb`], token_endpoint_auth_method: 'none' }),
    });
    assert.equal(reg.status, 201, reg.text);
    assert.equal((await srv.request(preflight('/auth/token', origin))).headers['access-control-allow-origin'], origin);
    const rm = await runCli(['client', 'remove', '--auth-db', srv.authDbPath, reg.json.client_id]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await srv.request(preflight('/auth/token', origin))).headers['access-control-allow-origin'], undefined);
  });

  it('a bad cors_origins entry stops the server at start with a clear message', async () => {
    const r = await runCli(['serve', '--port', '0', '--cors-origins', 'https://ok.example https://bad.example/path']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cors_origins: "https:\/\/bad\.example\/path" is not an origin/);
  });
});
