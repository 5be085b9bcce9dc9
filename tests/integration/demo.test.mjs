// demo.test.mjs - the demo app's files as fhirgate serves them at /demo
// (the app itself runs in a browser: tests/e2e/demo.e2e.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { startServer } from './lib/server.mjs';

describe('/demo', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); srv.cleanup(); });

  it('serves the files from gateway/demo/ byte for byte, with their types and a same-origin CSP', async () => {
    for (const [path, file, type] of [['/demo/', 'index.html', 'text/html'], ['/demo/index.html', 'index.html', 'text/html'],
      ['/demo/demo.js', 'demo.js', 'text/javascript'], ['/demo/demo.css', 'demo.css', 'text/css']]) {
      const r = await srv.request({ path, headers: { Origin: 'https://elsewhere.example' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.text, readFileSync(new URL(`../../gateway/demo/${file}`, import.meta.url), 'utf8'), path);
      assert.match(r.headers['content-type'], new RegExp(`^${type}; charset=utf-8$`));
      assert.match(r.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
      assert.match(r.headers['content-security-policy'], /connect-src 'self'/);
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['access-control-allow-origin'], undefined, 'no CORS on the app itself');
    }
  });

  it('/demo redirects to /demo/ keeping the query; anything else is 404', async () => {
    const r = await srv.request({ path: '/demo?client_id=abc&iss=x' });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, '/demo/?client_id=abc&iss=x');
    assert.equal((await srv.request({ path: '/demo' })).headers.location, '/demo/');
    for (const path of ['/demo/nope.js', '/demo/../README.md', '/demo/demo.js/x', '/demo/.git']) {
      const n = await srv.request({ path });
      assert.equal(n.status, 404, path);
    }
    const post = await srv.request({ method: 'POST', path: '/demo/', body: 'x' });
    assert.equal(post.status, 405);
  });
});
