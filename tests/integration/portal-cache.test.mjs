// portal-cache.test.mjs - the portal view's facts are cached (account and
// proxies per auth-db connection, keyed by the revocation epoch; birthDates
// keyed by the record store's change marker), yet every change shows on the
// very next request, also when another process makes it: a proxy revoked or
// added with the CLI while the server runs, a Patient's birthDate edited
// through another server process sharing the database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { jsonLines, runCli, startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const NOW = '2026-11-23T12:00:00Z';
const PASSWORD = 'Demo-pass-2026';
const SCOPE = 'launch/patient patient/*.rs openid fhirUser';

describe('portal facts cache: changes show on the next request', { concurrency: false }, () => {
  let dir;
  let authDb;
  let srv;   // the server under test
  let other; // another process writing the same record store
  let app;

  const cli = async (args, input) => {
    const r = await runCli([...args, '--auth-db', authDb, '--now', NOW], { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const proxyId = async (user, patient) => {
    const rows = jsonLines(await cli(['account', 'proxy', 'list', '--user', user, '--patient', patient]));
    const live = rows.filter((r) => r.state === 'active');
    assert.equal(live.length, 1, JSON.stringify(rows));
    return live[0].id;
  };
  const get = (p, token) => srv.request({ path: `/fhir/${p}`, auth: token });
  const token = async (user, patient) =>
    (await srv.tokenResponse({ client: app, user, patient, scope: SCOPE })).access_token;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-pcache-'));
    const db = path.join(dir, 'fhirgate.db');
    authDb = path.join(dir, 'auth.db');
    const seeded = await runCli(['seed', '--db', db, '--fixtures', fixturesDir, '--now', '2026-11-23'], { timeoutMs: 120000 });
    assert.equal(seeded.code, 0, seeded.stderr);
    await cli(['account', 'add', '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin'], `${PASSWORD}\n`);
    for (const p of ['lily', 'max'])
      await cli(['account', 'proxy', 'add', '--user', 'danielshaw', '--patient', p, '--kind', 'parent']);
    srv = await startServer({ db, authDb, now: NOW });
    other = await startServer({ db, authDb, now: NOW });
    app = JSON.parse(await cli(['client', 'add', '--name', 'Family app', '--redirect-uri', 'https://app.example/cb',
      '--type', 'public', '--scope', SCOPE])).client_id;
  });
  after(async () => {
    for (const s of [srv, other]) {
      if (!s) continue;
      const stop = await s.stop();
      assert.ok(stop.exitedZero, s.stderr().slice(-2000));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a proxy revoked with the CLI ends access on the next request; added again, it is back', async () => {
    const t = await token('danielshaw', 'lily');
    for (let i = 0; i < 3; i++) { // the later ones are answered from the cache
      const r = await get('Condition/lily-cond-otitis', t);
      assert.equal(r.status, 200, r.text.slice(0, 300));
    }
    assert.match(await cli(['account', 'proxy', 'revoke', String(await proxyId('danielshaw', 'lily'))]), /revoked/);
    const r = await get('Condition/lily-cond-otitis', t);
    assert.equal(r.status, 403, r.text.slice(0, 300));
    assert.match(r.text, /no longer act for this patient/);
    await cli(['account', 'proxy', 'add', '--user', 'danielshaw', '--patient', 'lily', '--kind', 'parent']);
    const back = await get('Condition/lily-cond-otitis', t);
    assert.equal(back.status, 200, back.text.slice(0, 300));
  });

  it("a birthDate edited by another process changes the view on the next request", async () => {
    const t = await token('danielshaw', 'max'); // max is 15: the limited view
    const patient = JSON.parse((await other.request({ path: '/fhir/Patient/max' })).text);
    const hidden = async () => {
      const r = await get('Observation/max-bp-2', t); // not a limited-view class
      assert.notEqual(r.status, 200, r.text.slice(0, 300));
      assert.ok(!r.text.includes('"id":"max-bp-2"'), r.text.slice(0, 300));
    };
    const shown = async () => {
      const r = await get('Observation/max-bp-2', t);
      assert.equal(r.status, 200, r.text.slice(0, 300));
    };
    const put = async (birthDate) => {
      const body = JSON.stringify({ ...patient, meta: undefined, birthDate });
      const r = await other.request({ method: 'PUT', path: '/fhir/Patient/max', body,
        headers: { 'Content-Type': 'application/fhir+json' } });
      assert.ok(r.status === 200 || r.status === 201, r.text.slice(0, 300));
    };
    await hidden();
    await hidden();
    await put('2016-06-15'); // now 10: a child proxy sees the whole record
    await shown();
    await shown();
    await put(patient.birthDate);
    await hidden();
  });
});
