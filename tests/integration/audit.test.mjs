// audit.test.mjs - issue 5's audit log beyond single requests: every entry of
// a batch or transaction Bundle is its own AuditEvent (its interaction, the
// resource or query, the patient, the outcome) linked to the Bundle's own
// event by the request id (IHE BALP X-Request-Id entity); `fhirgate audit
// export` writes the log as NDJSON AuditEvents (--since, --patient);
// audit_retention_days prunes old rows when the writer starts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, runCli } from './lib/server.mjs';

const NOW = '2026-11-23T10:00:00Z';
const MONTH_LATER = '2026-12-23T10:00:00Z';
const json = { 'Content-Type': 'application/fhir+json' };
const REQUEST_ID_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

const subtype = (ev) => ev.subtype[0].code;
const requestId = (ev) => ev.entity.find((e) => e.type?.system === REQUEST_ID_TYPE)?.what.identifier.value;
const patientOf = (ev) => ev.entity.find((e) => e.type?.code === '1')?.what.reference;
const resourceOf = (ev) => ev.entity.find((e) => e.role?.code === '4')?.what.reference;
const queryOf = (ev) => ev.entity.find((e) => e.role?.code === '24')?.description;
// Writes are checked against the US Core profile their type or code implies.
const patient = (id, birthDate) => ({
  resourceType: 'Patient', id, birthDate, gender: 'unknown',
  identifier: [{ system: 'urn:fhirgate:test', value: id }], name: [{ family: 'Audit', given: [id] }],
});
const obs = (patient, value) => ({
  resourceType: 'Observation', status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  effectiveDateTime: '2026-11-01T08:00:00Z',
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});

async function events(server, query, token) {
  const r = await server.request({ path: `/fhir/AuditEvent?${query}&_count=1000`, ...(token ? { auth: token } : {}) });
  assert.equal(r.status, 200, r.text);
  return (r.json.entry ?? []).map((e) => e.resource);
}

describe('audit: Bundle entries, export, retention', () => {
  let s, batchId, txId, failedTxId;

  before(async () => {
    s = await startServer({ now: NOW });
    for (const id of ['ann', 'ben']) {
      const r = await s.request({ method: 'PUT', path: `/fhir/Patient/${id}`, headers: json,
        body: JSON.stringify(patient(id, '1970-01-01')) });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    }
    const batch = await s.request({ method: 'POST', path: '/fhir', headers: json, body: JSON.stringify({
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: 'Patient/ann' } },
        { request: { method: 'GET', url: 'Observation?patient=ben&code=29463-7' } },
        { request: { method: 'POST', url: 'Observation' }, resource: obs('ben', 70) },
        { request: { method: 'PUT', url: 'Patient/ben' }, resource: patient('ben', '1970-01-02') },
        { request: { method: 'DELETE', url: 'Observation/never-was' } },
        { request: { method: 'GET', url: 'Patient/nobody' } },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Patient' } },
      ] }) });
    assert.equal(batch.status, 200, batch.text);
    batchId = batch.headers['x-request-id'];
    const tx = await s.request({ method: 'POST', path: '/fhir', headers: json, body: JSON.stringify({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { fullUrl: 'urn:uuid:0a9c2f4e-1111-4c3e-9d7a-000000000001', request: { method: 'POST', url: 'Observation' }, resource: obs('ann', 60) },
        { request: { method: 'POST', url: 'Observation' }, resource: obs('ann', 61) },
      ] }) });
    assert.equal(tx.status, 200, tx.text);
    txId = tx.headers['x-request-id'];
    const failed = await s.request({ method: 'POST', path: '/fhir', headers: json, body: JSON.stringify({
      resourceType: 'Bundle', type: 'transaction', entry: [
        { request: { method: 'PUT', url: 'Observation/twice' }, resource: { ...obs('ann', 62), id: 'twice' } },
        { request: { method: 'PUT', url: 'Observation/twice' }, resource: { ...obs('ann', 63), id: 'twice' } },
      ] }) });
    assert.ok(failed.status >= 400, failed.text);
    failedTxId = failed.headers['x-request-id'];
  });

  after(async () => { await s?.stop(); s?.cleanup(); });

  it('a batch: one event per entry plus the Bundle, linked by the request id', async () => {
    const all = (await events(s, 'date=ge2026-01-01')).filter((e) => requestId(e) === batchId);
    const codes = all.map(subtype).sort();
    assert.deepEqual(codes, ['batch', 'create', 'create', 'delete', 'read', 'read', 'search-type', 'update']);
    const by = (code, pred = () => true) => all.find((e) => subtype(e) === code && pred(e));
    assert.equal(patientOf(by('read', (e) => resourceOf(e) === 'Patient/ann')), 'Patient/ann');
    const search = by('search-type');
    assert.equal(patientOf(search), 'Patient/ben');
    assert.match(queryOf(search), /^Observation\?patient=ben&code=29463-7$/);
    const created = by('create', (e) => e.outcome === '0');
    assert.equal(patientOf(created), 'Patient/ben');
    assert.match(resourceOf(created), /^Observation\/[A-Za-z0-9.-]+$/);
    assert.ok(created.meta.profile[0].endsWith('PatientCreate'));
    assert.equal(by('create', (e) => e.outcome === '4').outcomeDesc, 'HTTP 400');
    assert.equal(by('update').outcome, '0');
    assert.equal(resourceOf(by('delete')), 'Observation/never-was');
    assert.equal(by('read', (e) => resourceOf(e) === 'Patient/nobody').outcomeDesc, 'HTTP 404');
    assert.equal(by('batch').outcome, '0');
    // The patient's view holds the entries about them, not the others'.
    const ben = await events(s, 'patient=ben');
    assert.ok(ben.some((e) => requestId(e) === batchId && subtype(e) === 'create'));
    assert.ok(!ben.some((e) => requestId(e) === batchId && resourceOf(e) === 'Patient/ann'));
  });

  it('a transaction: its creates; a failed one: its attempts with the failure', async () => {
    const ann = await events(s, 'patient=ann');
    const ok = ann.filter((e) => requestId(e) === txId && subtype(e) === 'create');
    assert.equal(ok.length, 2);
    assert.ok(ok.every((e) => e.outcome === '0' && /^Observation\//.test(resourceOf(e))));
    // Two writes to one resource: the whole transaction is refused, both attempts recorded.
    const bad = ann.filter((e) => requestId(e) === failedTxId && subtype(e) === 'update');
    assert.equal(bad.length, 2);
    assert.ok(bad.every((e) => e.outcome === '4' && resourceOf(e) === 'Observation/twice'), JSON.stringify(bad));
    const read = await s.request({ path: '/fhir/Observation/twice' });
    assert.equal(read.status, 404);
  });

  it('a PATCH, by id or conditional, is an update naming the resource it patched', async () => {
    const patch = { 'Content-Type': 'application/json-patch+json' };
    const body = JSON.stringify([{ op: 'replace', path: '/status', value: 'amended' }]);
    const put = await s.request({ method: 'PUT', path: '/fhir/Observation/patched', headers: json,
      body: JSON.stringify({ ...obs('ann', 64), id: 'patched' }) });
    assert.equal(put.status, 201, put.text);
    const byId = await s.request({ method: 'PATCH', path: '/fhir/Observation/patched', headers: patch, body });
    assert.equal(byId.status, 200, byId.text);
    const cond = await s.request({ method: 'PATCH', path: '/fhir/Observation?_id=patched', headers: patch, body });
    assert.equal(cond.status, 200, cond.text);
    const all = await events(s, 'date=ge2026-01-01');
    for (const r of [byId, cond]) {
      const ev = all.find((e) => requestId(e) === r.headers['x-request-id']);
      assert.ok(ev, `no AuditEvent for ${r.headers['x-request-id']}`);
      assert.equal(subtype(ev), 'update');
      assert.equal(ev.outcome, '0');
      assert.equal(resourceOf(ev), 'Observation/patched');
    }
  });

  it('a search names its patient only by a whole id (query or POST form body)', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const long = 'a'.repeat(70); // longer than an id: a row could only hold it cut
    const sent = [
      await s.request({ path: `/fhir/Observation?patient=${long}` }),
      await s.request({ path: '/fhir/Observation?subject=Patient/ben' }),
      await s.request({ method: 'POST', path: '/fhir/Observation/_search', headers: form, body: 'patient=ann' }),
    ].map((r) => r.headers['x-request-id']);
    const all = await events(s, 'date=ge2026-01-01');
    const of = (id) => all.find((e) => requestId(e) === id && subtype(e) === 'search-type');
    assert.equal(patientOf(of(sent[0])), undefined);
    assert.equal(patientOf(of(sent[1])), 'Patient/ben');
    assert.equal(patientOf(of(sent[2])), 'Patient/ann');
  });

  it('audit export: NDJSON AuditEvents, oldest first, --patient and --since', async () => {
    await events(s, 'patient=ann'); // a reader flushes the writer's queue
    const db = ['--auth-db', s.authDbPath];
    const all = await runCli(['audit', 'export', ...db]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.length >= 12);
    assert.ok(lines.every((e) => e.resourceType === 'AuditEvent'));
    const ids = lines.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    assert.ok(lines.some((e) => requestId(e) === batchId && subtype(e) === 'update'));
    const ben = await runCli(['audit', 'export', ...db, '--patient', 'ben']);
    const benLines = ben.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(benLines.length >= 3);
    assert.ok(benLines.every((e) => patientOf(e) === 'Patient/ben'));
    const none = await runCli(['audit', 'export', ...db, '--since', '2027-01-01']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
    const bad = await runCli(['audit', 'export', ...db, '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since/);
  });

  it('audit_retention_days: a writer started a month later prunes what is older', async () => {
    const authDb = s.authDbPath;
    const before = (await runCli(['audit', 'export', '--auth-db', authDb])).stdout.trim().split('\n').length;
    assert.ok(before > 10);
    await s.stop();
    const later = await startServer({ now: MONTH_LATER, db: s.dbPath, authDb, args: ['--audit-retention-days', '7'] });
    try {
      const r = await later.request({ path: '/fhir/Patient/ann' });
      assert.equal(r.status, 200);
      const kept = await events(later, 'date=ge2020-01-01');
      assert.ok(kept.length >= 1);
      assert.ok(kept.every((e) => e.recorded >= '2026-12-16'), JSON.stringify(kept.map((e) => e.recorded)));
      assert.ok(kept.some((e) => subtype(e) === 'search-type' || subtype(e) === 'read'));
    } finally {
      await later.stop();
      later.cleanup();
    }
  });
});
