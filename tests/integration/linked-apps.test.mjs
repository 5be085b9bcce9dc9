// linked-apps.test.mjs - issue 5: grants revoked by the patient stop working
// at once on every process sharing the store; the /auth/apps pages (sign-in,
// list, revoke with CSRF, idle timeout, es); the JSON API; Consent read and
// search; AuditEvents for every interaction kind, flushed on SIGTERM.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { spawnSync } from 'node:child_process';

import { startServer, binaryPath } from './lib/server.mjs';
import { browser, forms } from './lib/browser.mjs';

const NOW = '2026-11-23T10:00:00Z';
const LATER = '2026-11-23T10:16:00Z'; // 16 minutes on: the page session has idled out
const PASSWORD = 'Demo-pass-2026';
const SCOPE = 'launch/patient openid fhirUser offline_access patient/*.cruds user/Consent.rs user/Consent.u patient/AuditEvent.rs';
const form = (o) => ({ body: new URLSearchParams(o).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });
const json = { 'Content-Type': 'application/fhir+json' };

function run(args, input) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
  const r = spawnSync(binaryPath(), args, { input: input ?? '', env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
async function cli(args, input) {
  const r = run(args, input);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('linked apps: grants, revocation across processes, pages, Consent, AuditEvent', () => {
  let a, b, app1, app2, selfApp, t1, t2, tSelf, enforcing;

  async function issue(client, user = 'amyshaw') {
    const out = await cli(['token', 'issue', '--auth-db', a.authDbPath, '--base-url', a.fhirBase,
      '--now', NOW, '--client', client.client_id, '--patient', 'amy', '--user', user, '--scope', SCOPE]);
    return JSON.parse(out);
  }

  before(async () => {
    a = await startServer({ now: NOW });
    b = await startServer({ now: NOW, db: a.dbPath, authDb: a.authDbPath });
    const db = ['--auth-db', a.authDbPath];
    const add = async (name) => JSON.parse(await cli(['client', 'add', ...db, '--name', name,
      '--redirect-uri', 'https://app.example/cb', '--type', 'confidential-symmetric', '--scope', SCOPE]));
    app1 = await add('Step Counter');
    app2 = await add('Blood Pressure Diary');
    selfApp = await add('My Own Dashboard');
    for (const [user, patient] of [['amyshaw', 'amy'], ['bobshaw', 'bob']]) {
      const r = run(['account', 'add', ...db, '--user', user, '--patient', patient, '--password-stdin'], `${PASSWORD}\n`);
      assert.ok(r.code === 0 || r.code === 3, r.stderr);
    }
    await cli(['account', 'proxy', ...db, '--user', 'bobshaw', '--patient', 'amy', '--kind', 'adult', '--now', NOW]);
    for (const [id, birthDate] of [['amy', '1980-04-02'], ['bob', '1979-01-01']]) {
      const r = await a.request({ method: 'PUT', path: `/fhir/Patient/${id}`, headers: json,
        body: JSON.stringify({ resourceType: 'Patient', id, identifier: [{ system: 'urn:fhirgate:test', value: id }], gender: 'unknown', birthDate, name: [{ family: 'Shaw', given: [id] }] }) });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    }
    t1 = await issue(app1);
    t2 = await issue(app2);
    tSelf = await issue(selfApp);
    enforcing = (await a.request({ path: '/fhir/Patient/amy', auth: false })).status === 401;
  });
  after(async () => {
    for (const s of [a, b]) {
      if (!s) continue;
      const stopped = await s.stop();
      assert.equal(stopped.exitedZero, true, `clean exit (sanitizers quiet):\n${s.stderr().slice(-3000)}`);
    }
    a?.cleanup();
  });

  const introspect = async (srv, token, client) => (await srv.request({ method: 'POST', path: '/auth/introspect',
    ...form({ token }), headers: { ...form({}).headers,
      Authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` } })).json;
  const refresh = (srv, tok, client) => srv.request({ method: 'POST', path: '/auth/token',
    ...form({ grant_type: 'refresh_token', refresh_token: tok.refresh_token, client_id: client.client_id, client_secret: client.client_secret }) });
  const grants = async (srv, token) => srv.request({ path: '/auth/apps/api/grants', headers: bearer(token) });

  async function signIn(srv, opts) {
    const br = browser(srv.base, opts);
    const first = await br.go('/auth/apps');
    assert.equal(first.status, 200);
    assert.match(first.text, /name="password"/);
    const f = forms(first.text)[0];
    const r = await br.go('/auth/apps', { method: 'POST', form: { ...f.fields, action: 'signin', username: 'amyshaw', password: PASSWORD } });
    assert.equal(r.status, 303, r.text);
    return br;
  }

  it('the token works on both processes before the revocation', async () => {
    for (const srv of [a, b]) {
      assert.equal((await introspect(srv, t1.access_token, app1)).active, true);
      assert.equal((await grants(srv, t1.access_token)).status, 200);
      const r = await srv.request({ path: '/fhir/Patient/amy', headers: bearer(t1.access_token) });
      assert.equal(r.status, 200);
    }
    const obs = await a.request({ path: '/fhir/Observation?patient=amy&_count=5', headers: bearer(t1.access_token) });
    assert.equal(obs.status, 200);
  });

  it('the page lists the apps with what they may do and what they did (en and es)', async () => {
    const br = await signIn(a);
    const page = await br.go('/auth/apps');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy'), /default-src 'none'/);
    assert.ok(!/<script/i.test(page.text), 'no JavaScript');
    for (const name of ['Step Counter', 'Blood Pressure Diary', 'My Own Dashboard']) assert.ok(page.text.includes(name), name);
    assert.match(page.text, /Linked apps/);
    assert.ok(!page.text.includes('<ul class="revoked">'), 'no Revoked list before any revocation');
    assert.match(page.text, /Read, add or change your whole health record/);
    assert.match(page.text, /Authorized on <time>2026-11-23 10:00 UTC<\/time>/);
    // Step Counter read Patient/amy on both processes and searched Observations
    const section = page.text.split('<section class="app">').find((s) => s.includes('Step Counter'));
    assert.match(section, /<th scope="row">Patient<\/th><td>2<\/td><td>0<\/td>/);
    assert.match(section, /<th scope="row">Observation<\/th><td>1<\/td><td>0<\/td>/);
    assert.match(section, /Last used <time>2026-11-23 10:00 UTC<\/time>/);
    assert.match(section, /searched <code>Observation\?patient=amy&amp;_count=5<\/code>/);
    const activity = /href="(\/auth\/apps\/activity\?grant=[^"]+)"/.exec(section)[1];
    const all = await br.go(activity);
    assert.equal(all.status, 200);
    assert.equal((all.text.match(/<tr><td>/g) ?? []).length, 3);
    // who can see my record: bob, an adult proxy, with a removal button
    assert.match(page.text, /Who can see my record/);
    assert.match(page.text, /<strong>bobshaw<\/strong> \(adult proxy\)/);
    const es = await signIn(a, { lang: 'es' });
    const pes = await es.go('/auth/apps');
    assert.match(pes.text, /Aplicaciones vinculadas/);
    assert.match(pes.text, /Revocar acceso/);
  });

  it('a revoke without the right CSRF token is refused and changes nothing', async () => {
    const br = await signIn(a);
    const page = await br.go('/auth/apps');
    const f = forms(page.text).find((x) => x.action === 'revoke');
    const bad = await br.go('/auth/apps', { method: 'POST', form: { ...f.fields, csrf: 'x'.repeat(43), action: 'revoke' } });
    assert.equal(bad.status, 403);
    const none = await br.go('/auth/apps', { method: 'POST', form: { grant: f.fields.grant, action: 'revoke' } });
    assert.equal(none.status, 403);
    const stranger = browser(a.base);
    await stranger.go('/auth/apps');
    const foreign = await stranger.go('/auth/apps', { method: 'POST', form: { ...f.fields, action: 'revoke' } });
    assert.equal(foreign.status, 403, 'another session\'s token');
    assert.equal((await introspect(a, t1.access_token, app1)).active, true);
  });

  it('revoking on process A stops the app on process B at its very next request', async () => {
    const br = await signIn(a);
    const page = await br.go('/auth/apps');
    const sections = page.text.split('<section class="app">');
    const s1 = sections.find((s) => s.includes('Step Counter'));
    const grantId = /name="grant" value="([^"]+)"/.exec(s1)[1];
    const f = forms(page.text).find((x) => x.fields.grant === grantId);
    const r = await br.go('/auth/apps', { method: 'POST', form: { ...f.fields, action: 'revoke' } });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/auth/apps?done=revoked');
    // no waiting: process B, next request
    assert.deepEqual(await introspect(b, t1.access_token, app1), { active: false });
    const ref = await refresh(b, t1, app1);
    assert.equal(ref.status, 400);
    assert.equal(ref.json.error, 'invalid_grant');
    assert.equal((await grants(b, t1.access_token)).status, 401);
    if (enforcing) {
      assert.equal((await b.request({ path: '/fhir/Patient/amy', headers: bearer(t1.access_token) })).status, 401);
      // the refused attempt is in the audit log, attributed to the app
      const ev = (await b.request({ path: '/fhir/AuditEvent?patient=amy&_count=1' })).json.entry[0].resource;
      assert.equal(ev.outcome, '4');
      assert.ok(ev.agent.some((ag) => ag.who.identifier?.value === app1.client_id));
    }
    // the other app of the same patient keeps working
    assert.equal((await introspect(b, t2.access_token, app2)).active, true);
    assert.equal((await b.request({ path: '/fhir/Patient/amy', headers: bearer(t2.access_token) })).status, 200);
    // listed under Revoked with the date
    const after = await br.go(r.location);
    assert.match(after.text, /Access revoked/);
    const revoked = after.text.split('<ul class="revoked">')[1].split('</ul>')[0];
    assert.match(revoked, /Step Counter — revoked on <time>2026-11-23 10:00 UTC<\/time>/);
  });

  it('Consent: one per grant in the patient compartment, inactive once revoked', async () => {
    const bundle = (await b.request({ path: '/fhir/Consent?patient=amy' })).json;
    assert.equal(bundle.resourceType, 'Bundle');
    const byClient = new Map(bundle.entry.map((e) => [e.resource.provision.actor[0].reference.identifier.value, e.resource]));
    assert.equal(byClient.get(app1.client_id).status, 'inactive');
    assert.equal(byClient.get(app2.client_id).status, 'active');
    const c2 = byClient.get(app2.client_id);
    assert.equal(c2.patient.reference, 'Patient/amy');
    assert.equal(c2.provision.actor[0].reference.display, 'Blood Pressure Diary');
    assert.match(c2.extension[0].valueString, /patient\/\*\.cruds/);
    assert.ok(/^[A-Za-z0-9\-.]{1,64}$/.test(c2.id));
    const read = await b.request({ path: `/fhir/Consent/${byClient.get(app1.client_id).id}` });
    assert.equal(read.status, 200);
    assert.equal(read.json.status, 'inactive');
    assert.equal(read.json.meta.versionId, '2');
    assert.ok(read.json.provision.period.end);
    const active = (await b.request({ path: '/fhir/Consent?patient=amy&status=active' })).json;
    assert.ok(active.entry.every((e) => e.resource.status === 'active'));
    const first = (await b.request({ path: '/fhir/Consent?patient=amy&_count=1' })).json;
    assert.deepEqual(first.entry.map((e) => e.resource.id), [bundle.entry[0].resource.id]);
    const inactive = (await b.request({ path: '/fhir/Consent?patient=amy&status=inactive&_count=1' })).json;
    assert.deepEqual(inactive.entry.map((e) => e.resource.id), [byClient.get(app1.client_id).id]);
    assert.equal((await b.request({ path: `/fhir/Consent/${'a'.repeat(80)}` })).status, 404);
    assert.equal((await b.request({ path: '/fhir/Consent?patient=nobody' })).json.total, 0);
    assert.equal((await b.request({ path: '/fhir/Consent/nope' })).status, 404);
    assert.equal((await b.request({ path: '/fhir/Consent' })).status, 400);
    const put = await b.request({ method: 'PUT', path: `/fhir/Consent/${c2.id}`, headers: json, body: JSON.stringify({ ...c2, status: 'active' }) });
    assert.equal(put.status, 405);
  });

  it('the JSON API lists the user\'s grants and revokes one (process B), effective on A', async () => {
    const r = await grants(b, tSelf.access_token);
    assert.equal(r.status, 200);
    const g2 = r.json.grants.find((g) => g.client_id === app2.client_id);
    assert.equal(g2.status, 'active');
    assert.equal(g2.client_name, 'Blood Pressure Diary');
    assert.equal(r.json.grants.find((g) => g.client_id === app1.client_id).status, 'inactive');
    const rv = await b.request({ method: 'POST', path: '/auth/apps/api/revoke', ...form({ grant: g2.id }), headers: { ...form({}).headers, ...bearer(tSelf.access_token) } });
    assert.equal(rv.status, 200, rv.text);
    assert.equal(rv.json.status, 'inactive');
    assert.equal(rv.json.revoked_by, 'user:1');
    assert.deepEqual(await introspect(a, t2.access_token, app2), { active: false });
    const missing = await b.request({ method: 'POST', path: '/auth/apps/api/revoke', ...form({ grant: 'nope' }), headers: { ...form({}).headers, ...bearer(tSelf.access_token) } });
    assert.equal(missing.status, 404);
    assert.equal((await b.request({ path: '/auth/apps/api/grants' })).status, 401);
  });

  it('AuditEvents for read, search, create, update, delete and the authorization events', async () => {
    const h = bearer(tSelf.access_token);
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'steps' }, subject: { reference: 'Patient/amy' }, effectiveDateTime: '2026-11-20T08:00:00Z' };
    const c = await a.request({ method: 'POST', path: '/fhir/Observation', headers: { ...json, ...h }, body: JSON.stringify(obs) });
    assert.equal(c.status, 201, c.text);
    const id = c.json.id;
    const u = await a.request({ method: 'PUT', path: `/fhir/Observation/${id}`, headers: { ...json, ...h }, body: JSON.stringify({ ...c.json, status: 'entered-in-error' }) });
    assert.equal(u.status, 200, u.text);
    assert.equal((await a.request({ method: 'DELETE', path: `/fhir/Observation/${id}`, headers: h })).status, 200);
    // failed sign-ins up to the lockout
    const br = browser(a.base);
    const p = await br.go('/auth/apps');
    const f = forms(p.text)[0];
    for (let i = 0; i < 5; i++) await br.go('/auth/apps', { method: 'POST', form: { ...f.fields, action: 'signin', username: 'bobshaw', password: 'Wrong-pass-0000' } });
    const bad = await a.request({ path: '/auth/authorize?response_type=code&client_id=nope&state=x' });
    assert.equal(bad.status, 400);
    const events = (await a.request({ path: '/fhir/AuditEvent?_count=1000' })).json.entry.map((e) => e.resource);
    const codes = new Set(events.map((e) => e.subtype[0].code));
    for (const code of ['read', 'search-type', 'create', 'update', 'delete', 'signin', 'signin-failed', 'lockout', 'revoke', 'authorize', 'refresh'])
      assert.ok(codes.has(code), `an AuditEvent for ${code}`);
    const refused = events.find((e) => e.subtype[0].code === 'refresh');
    assert.equal(refused.outcome, '4', 'the refresh of a revoked grant failed');
    assert.ok(refused.agent.some((ag) => ag.who.identifier?.value === app1.client_id));
    assert.equal(events.find((e) => e.subtype[0].code === 'authorize').outcome, '4');
    const lockout = events.find((e) => e.subtype[0].code === 'lockout');
    assert.equal(lockout.type.code, '110114');
    assert.ok(lockout.agent.some((ag) => ag.who.display === 'bobshaw'));
    const created = events.find((e) => e.subtype[0].code === 'create' && e.entity.some((x) => x.what?.reference === `Observation/${id}`));
    assert.ok(created, 'the create names the resource');
    assert.equal(created.action, 'C');
    assert.equal(created.outcome, '0');
    assert.equal(created.meta.profile[0], 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientCreate');
    assert.ok(created.agent.some((ag) => ag.who.identifier?.value === selfApp.client_id));
    assert.ok(created.entity.some((x) => x.what?.reference === 'Patient/amy'));
    const text = JSON.stringify(events);
    for (const t of [t1.access_token, t1.refresh_token, tSelf.access_token, PASSWORD]) assert.ok(!text.includes(t), 'no secret in the audit log');
    const mine = (await a.request({ path: '/fhir/AuditEvent?patient=amy&_count=2' })).json;
    assert.equal(mine.entry.length, 2);
    assert.ok(mine.link.find((l) => l.relation === 'next'));
    // the patient's own app reads the AuditEvents about the patient's record, and only those
    const own = await a.request({ path: '/fhir/AuditEvent?patient=amy&_count=50', headers: h });
    assert.equal(own.status, 200, own.text);
    assert.ok(own.json.entry.length > 0);
    assert.ok(own.json.entry.every((e) => e.resource.entity.some((x) => x.what?.reference === 'Patient/amy')));
    if (enforcing) {
      const other = await a.request({ path: '/fhir/AuditEvent?patient=bob', headers: h });
      assert.ok(other.status === 200 ? !other.json.entry?.length : other.status >= 400, 'nothing about bob');
    }
    const one = await a.request({ path: `/fhir/AuditEvent/${mine.entry[0].resource.id}` });
    assert.equal(one.status, 200);
    assert.equal(one.json.id, mine.entry[0].resource.id);
  });

  it('the page session ends after 15 idle minutes', async () => {
    const br = await signIn(b);
    assert.match((await br.go('/auth/apps')).text, /Revoke access|Revoked/);
    await b.stop();
    b = await startServer({ now: LATER, db: a.dbPath, authDb: a.authDbPath });
    const again = await br.go(new URL('/auth/apps', b.base).toString());
    assert.equal(again.status, 200);
    assert.match(again.text, /name="password"/, 'signed out by the idle timeout');
  });

  it('removing an adult proxy revokes the grants that proxy gave', async () => {
    const tBob = await issue(app1, 'bobshaw');
    assert.equal((await introspect(a, tBob.access_token, app1)).active, true);
    const br = await signIn(a);
    const page = await br.go('/auth/apps');
    const f = forms(page.text).find((x) => x.action === 'revoke-proxy');
    assert.ok(f, 'a removal button for the adult proxy');
    const proxyId = /name="proxy" value="(\d+)"/.exec(f.html)[1];
    const r = await br.go('/auth/apps', { method: 'POST', form: { ...f.fields, proxy: proxyId, action: 'revoke-proxy' } });
    assert.equal(r.status, 303);
    assert.deepEqual(await introspect(b, tBob.access_token, app1), { active: false });
    const after = await br.go('/auth/apps');
    assert.match(after.text, /Nobody else has access to your record/);
  });

  it('queued AuditEvents are written on SIGTERM', async () => {
    const c = await startServer({ now: NOW, db: a.dbPath, authDb: a.authDbPath });
    const before = (await c.request({ path: '/fhir/AuditEvent?_count=1' })).json.entry[0].resource.id;
    const n = 40;
    await Promise.all(Array.from({ length: n }, (_, i) => c.request({ path: `/fhir/Patient/amy?x=${i}` })));
    const stopped = await c.stop();
    assert.equal(stopped.exitedZero, true);
    const d = await startServer({ now: NOW, db: a.dbPath, authDb: a.authDbPath });
    const list = (await d.request({ path: `/fhir/AuditEvent?_count=1000&_before=${Number(before) + n + 2}` })).json.entry.map((e) => e.resource);
    const reads = list.filter((e) => Number(e.id) > Number(before) && e.subtype[0].code === 'read');
    assert.equal(reads.length, n);
    await d.stop();
  });
});
