// keys.test.mjs - signing key rotation: `fhirgate keys rotate` makes a new
// key current in a running server (no restart); id_tokens signed before the
// rotation still verify against the published JWKS; the old key leaves the
// JWKS once everything it signed has expired; `fhirgate keys list`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { rmSync } from 'node:fs';

import { startServer, runCli } from './lib/server.mjs';

const SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs';
const RETIRE_AFTER_S = 3600 + 300; // id_token lifetime + JWKS cache (cmd_keys.h)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function cli(args, input) {
  const r = await runCli(args, { input });
  assert.equal(r.code, 0, `fhirgate ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const jsonLines = (text) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

function decode(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

/** True when jwt's RS256 signature verifies with the JWKS key of its kid. */
function verifies(jwt, jwks) {
  const [h, p, s] = jwt.split('.');
  const jwk = jwks.keys.find((k) => k.kid === decode(jwt).header.kid);
  if (!jwk) return false;
  return crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
}

describe('signing key rotation', () => {
  let srv, client, authDb, db, firstDir;

  before(async () => {
    srv = await startServer();
    ({ authDbPath: authDb, dbPath: db, dir: firstDir } = srv);
    client = JSON.parse(await cli(['client', 'add', '--auth-db', authDb, '--name', 'Keys App', '--type', 'public',
      '--redirect-uri', 'https://app.example/cb']));
    const r = await srv.request({
      method: 'PUT', path: '/fhir/Patient/amy', headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'amy', identifier: [{ system: 'urn:fhirgate:test', value: 'amy' }], name: [{ family: 'Shaw', given: ['Amy'] }], gender: 'female' }),
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  });
  after(async () => {
    await srv?.stop();
    srv?.cleanup();
    rmSync(firstDir, { recursive: true, force: true });
  });

  const jwks = async (s = srv) => (await s.request({ path: '/auth/jwks' })).json;
  const refresh = async (token) => {
    const r = await srv.request({
      method: 'POST', path: '/auth/token', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: client.client_id }).toString(),
    });
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  it('rotate: the running server signs with the new key, the old id_tokens still verify, then the old key goes', async () => {
    // An id_token from the CLI (same auth db) and one from the server, both before rotation.
    const issued = JSON.parse(await cli(['token', 'issue', '--auth-db', authDb, '--client', client.client_id,
      '--patient', 'amy', '--scope', SCOPE, '--base-url', srv.fhirBase]));
    assert.ok(issued.id_token, JSON.stringify(issued));
    const before1 = await refresh(issued.refresh_token);
    const oldKid = decode(before1.id_token).header.kid;
    assert.equal(decode(issued.id_token).header.kid, oldKid);
    const published = await jwks();
    assert.deepEqual(published.keys.map((k) => k.kid), [oldKid]);

    const rotated = JSON.parse(await cli(['keys', 'rotate', '--auth-db', authDb]));
    assert.equal(rotated.previous, oldKid);
    assert.notEqual(rotated.kid, oldKid);
    const retires = Date.parse(rotated.previous_retires) / 1000;
    assert.ok(Math.abs(retires - (Date.now() / 1000 + RETIRE_AFTER_S)) < 30, rotated.previous_retires);

    // The server notices within about a second: both keys published, new one first.
    let now;
    for (let i = 0; i < 40; i++) {
      now = await jwks();
      if (now.keys.length === 2) break;
      await sleep(100);
    }
    assert.deepEqual(now.keys.map((k) => k.kid), [rotated.kid, oldKid]);
    assert.ok(verifies(issued.id_token, now), 'the id_token signed before rotation verifies');
    assert.ok(verifies(before1.id_token, now));

    const after1 = await refresh(before1.refresh_token);
    assert.equal(decode(after1.id_token).header.kid, rotated.kid, 'new id_tokens use the new key');
    assert.ok(verifies(after1.id_token, now));
    assert.ok(!verifies(after1.id_token, published), 'the old JWKS alone does not verify it (not vacuous)');

    const list = jsonLines(await cli(['keys', 'list', '--auth-db', authDb]));
    const byKid = Object.fromEntries(list.map((k) => [k.kid, k]));
    assert.equal(byKid[rotated.kid].status, 'current');
    assert.equal(byKid[oldKid].status, 'retiring');
    assert.equal(byKid[oldKid].retires, rotated.previous_retires);

    // Once its tokens have expired the old key leaves the JWKS (a server whose clock is past it)...
    await srv.stop();
    const later = new Date((retires + 1) * 1000).toISOString();
    srv = await startServer({ db, authDb, now: later });
    assert.deepEqual((await jwks()).keys.map((k) => k.kid), [rotated.kid]);
    assert.ok(!verifies(before1.id_token, await jwks()));
    const listed = jsonLines(await cli(['keys', 'list', '--auth-db', authDb, '--now', later]));
    assert.equal(listed.find((k) => k.kid === oldKid).status, 'retired');
    // ...and the next rotation deletes it from the database.
    const again = JSON.parse(await cli(['keys', 'rotate', '--auth-db', authDb, '--now', later]));
    assert.equal(again.previous, rotated.kid);
    const kids = jsonLines(await cli(['keys', 'list', '--auth-db', authDb, '--now', later])).map((k) => k.kid).sort();
    assert.deepEqual(kids, [again.kid, rotated.kid].sort());
  });

  it('usage errors', async () => {
    for (const args of [['keys'], ['keys', 'spin'], ['keys', 'list', 'extra']]) {
      const r = await runCli([...args, '--auth-db', authDb]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /usage: fhirgate keys/);
    }
  });
});
