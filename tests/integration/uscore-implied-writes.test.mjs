// uscore-implied-writes.test.mjs - issue 4 (b): a write that claims no US Core
// profile is checked against the one its type, code or category implies
// (gateway/write_validate.h, conformance/validate_implied.c).
//
// Acceptance: every fixture resource (all US Core 7.0.0 profiles), sent
// without its meta.profile, is written. Refusal, per profile family: the same
// resource with one element the implied profile requires removed answers 422
// with an OperationOutcome naming that element and the profile, through
// create, update, conditional create, conditional update, PATCH and batch /
// transaction entries. Also: US Core's $docref OperationDefinition is served
// at the id the CapabilityStatement's canonical names.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { startServer } from './lib/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DAY = '2024-06-01';
const substitute = (t) =>
  t
    .replace(/\$\{date:[^}]*\}/g, DAY)
    .replace(/\$\{datetime:[^}]*\}/g, `${DAY}T10:00:00Z`)
    .replace(/\$\{instant:[^}]*\}/g, `${DAY}T10:00:00.000Z`);

/** Every fixture resource in load order (shared first), without meta.profile. */
function fixtureResources() {
  const files = [];
  const fx = path.join(root, 'fixtures');
  for (const f of readdirSync(path.join(fx, 'shared')).sort()) files.push(path.join(fx, 'shared', f));
  for (const p of readdirSync(path.join(fx, 'patients')).sort())
    for (const f of readdirSync(path.join(fx, 'patients', p)).sort()) files.push(path.join(fx, 'patients', p, f));
  const out = [];
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(substitute(readFileSync(file, 'utf8')));
    for (const e of doc.entry || []) {
      const r = structuredClone(e.resource);
      const claimed = r.meta?.profile?.[0]?.split('/').pop() ?? null;
      if (r.meta) {
        delete r.meta.profile;
        if (Object.keys(r.meta).length === 0) delete r.meta;
      }
      out.push({ claimed, resource: r });
    }
  }
  return out;
}

// Per family: the element removed and the expression the 422 must name.
const BROKEN = [
  ['us-core-heart-rate', 'category', 'Observation.category'],
  ['us-core-pulse-oximetry', 'category', 'Observation.category'],
  ['us-core-bmi', 'category', 'Observation.category'],
  ['us-core-head-circumference', 'category', 'Observation.category'],
  ['pediatric-bmi-for-age', 'category', 'Observation.category'],
  ['us-core-blood-pressure', 'category', 'Observation.category'],
  ['us-core-smokingstatus', 'subject', 'Observation.subject'],
  ['us-core-observation-pregnancystatus', 'subject', 'Observation.subject'],
  ['us-core-observation-pregnancyintent', 'subject', 'Observation.subject'],
  ['us-core-observation-occupation', 'subject', 'Observation.subject'],
  ['us-core-observation-lab', 'subject', 'Observation.subject'],
  ['us-core-observation-screening-assessment', 'subject', 'Observation.subject'],
  ['us-core-simple-observation', 'subject', 'Observation.subject'],
  ['us-core-observation-clinical-result', 'subject', 'Observation.subject'],
  ['us-core-condition-problems-health-concerns', 'code', 'Condition.code'],
  ['us-core-condition-encounter-diagnosis', 'code', 'Condition.code'],
  ['us-core-diagnosticreport-lab', 'subject', 'DiagnosticReport.subject'],
  ['us-core-diagnosticreport-note', 'subject', 'DiagnosticReport.subject'],
  ['us-core-documentreference', 'subject', 'DocumentReference.subject'],
  ['us-core-patient', 'identifier', 'Patient.identifier'],
  ['us-core-allergyintolerance', 'code', 'AllergyIntolerance.code'],
  ['us-core-immunization', 'vaccineCode', 'Immunization.vaccineCode'],
  ['us-core-medicationrequest', 'subject', 'MedicationRequest.subject'],
  ['us-core-procedure', 'code', 'Procedure.code'],
  ['us-core-encounter', 'type', 'Encounter.type'],
];

const resources = fixtureResources();
const sample = (profile) => {
  const hit = resources.find((r) => r.claimed === profile);
  assert.ok(hit, `a fixture claims ${profile}`);
  return structuredClone(hit.resource);
};
const broken = (profile, drop) => {
  const r = sample(profile);
  assert.ok(r[drop] !== undefined, `the ${profile} fixture has ${drop}`);
  delete r[drop];
  delete r.id;
  return r;
};

/** The 422 names the element (some issue's expression) and the implied profile, as implied. */
function assertRefused(res, expr, profile, what) {
  assert.equal(res.status, 422, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  const oo = res.json;
  assert.equal(oo?.resourceType, 'OperationOutcome', what);
  const named = (oo.issue || []).filter((i) => i.severity === 'error' && (i.expression || []).includes(expr));
  assert.ok(named.length > 0, `${what}: an error at ${expr} in ${res.text.slice(0, 400)}`);
  assert.ok(res.text.includes(profile), `${what}: the OperationOutcome names ${profile}`);
  assert.ok(res.text.includes('(implied by type/code/category)'), `${what}: the OperationOutcome says why ${profile}`);
}

let server;
before(async () => {
  server = await startServer({ now: DAY });
});
after(async () => {
  await server?.stop();
});

const json = (body, extra = {}) => ({
  headers: { 'Content-Type': 'application/fhir+json', ...extra },
  body: JSON.stringify(body),
});

test('every fixture resource without meta.profile passes its implied profile', async () => {
  const wrong = [];
  for (const { claimed, resource } of resources) {
    const res = await server.request({ method: 'PUT', path: `/fhir/${resource.resourceType}/${resource.id}`, ...json(resource) });
    if (res.status !== 200 && res.status !== 201)
      wrong.push(`${resource.resourceType}/${resource.id} (${claimed}): ${res.status} ${res.text.slice(0, 200)}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(resources.length > 300, `${resources.length} fixture resources written`);
});

test('create: each family refuses a resource missing what its implied profile requires', async () => {
  for (const [profile, drop, expr] of BROKEN) {
    const r = broken(profile, drop);
    const res = await server.request({ method: 'POST', path: `/fhir/${r.resourceType}`, ...json(r) });
    assertRefused(res, expr, profile, `POST ${profile} without ${drop}`);
  }
});

test('nothing of a refused create is written', async () => {
  const r = broken('us-core-observation-lab', 'subject');
  r.identifier = [{ system: 'urn:fhirgate:test', value: 'implied-refused-1' }];
  const res = await server.request({ method: 'POST', path: '/fhir/Observation', ...json(r) });
  assertRefused(res, 'Observation.subject', 'us-core-observation-lab', 'POST');
  const found = await server.request({ path: '/fhir/Observation?identifier=urn:fhirgate:test|implied-refused-1' });
  assert.equal(found.status, 200);
  assert.equal(found.json.total ?? (found.json.entry || []).length, 0);
});

test('a Device (US Core profiles implantable ones only) and an Observation of no US Core kind are not checked', async () => {
  const device = { resourceType: 'Device', deviceName: [{ name: 'Wrist watch', type: 'user-friendly-name' }] };
  const d = await server.request({ method: 'POST', path: '/fhir/Device', ...json(device) });
  assert.equal(d.status, 201, d.text);
  const obs = { resourceType: 'Observation', status: 'final', code: { text: 'a note of no US Core kind' } };
  const o = await server.request({ method: 'POST', path: '/fhir/Observation', ...json(obs) });
  assert.equal(o.status, 201, o.text);
});

test('update, conditional create and update, PATCH are checked the same way', async () => {
  const patient = sample('us-core-patient');
  const noId = structuredClone(patient);
  delete noId.identifier;
  const put = await server.request({ method: 'PUT', path: `/fhir/Patient/${patient.id}`, ...json(noId) });
  assertRefused(put, 'Patient.identifier', 'us-core-patient', 'PUT');

  const cond = broken('us-core-condition-problems-health-concerns', 'code');
  const cc = await server.request({
    method: 'POST',
    path: '/fhir/Condition',
    ...json(cond, { 'If-None-Exist': 'identifier=urn:fhirgate:test|no-such-condition' }),
  });
  assertRefused(cc, 'Condition.code', 'us-core-condition-problems-health-concerns', 'conditional create');

  const cu = await server.request({
    method: 'PUT',
    path: '/fhir/Condition?identifier=urn:fhirgate:test|no-such-condition',
    ...json(cond),
  });
  assertRefused(cu, 'Condition.code', 'us-core-condition-problems-health-concerns', 'conditional update');

  const patch = await server.request({
    method: 'PATCH',
    path: `/fhir/Patient/${patient.id}`,
    headers: { 'Content-Type': 'application/json-patch+json' },
    body: JSON.stringify([{ op: 'remove', path: '/identifier' }]),
  });
  assertRefused(patch, 'Patient.identifier', 'us-core-patient', 'PATCH');
  const still = await server.request({ path: `/fhir/Patient/${patient.id}` });
  assert.equal(still.status, 200);
  assert.ok(still.json.identifier?.length > 0, 'the refused PATCH changed nothing');
});

test('batch entries fail alone, a transaction fails whole', async () => {
  const good = sample('us-core-observation-lab');
  delete good.id;
  const bad = broken('us-core-heart-rate', 'category');
  const entries = [
    { resource: good, request: { method: 'POST', url: 'Observation' } },
    { resource: bad, request: { method: 'POST', url: 'Observation' } },
  ];
  const batch = await server.request({ method: 'POST', path: '/fhir', ...json({ resourceType: 'Bundle', type: 'batch', entry: entries }) });
  assert.equal(batch.status, 200, batch.text);
  const [first, second] = batch.json.entry.map((e) => e.response);
  assert.match(first.status, /^201/);
  assert.match(second.status, /^422/);
  assert.ok(JSON.stringify(second.outcome).includes('Observation.category'), JSON.stringify(second));
  assert.ok(JSON.stringify(second.outcome).includes('us-core-heart-rate'));

  const tx = await server.request({ method: 'POST', path: '/fhir', ...json({ resourceType: 'Bundle', type: 'transaction', entry: entries }) });
  assert.equal(tx.status, 422, tx.text);
  assert.ok(tx.text.includes('Observation.category'), tx.text);
  assert.ok(tx.text.includes('Bundle.entry[1]'), tx.text);
});

test("US Core's $docref OperationDefinition is served where the CapabilityStatement points", async () => {
  const cs = await server.request({ path: '/fhir/metadata', auth: false });
  assert.equal(cs.status, 200);
  const docref = cs.json.rest[0].resource.find((r) => r.type === 'DocumentReference');
  const op = (docref.operation || []).filter((o) => o.name === 'docref');
  assert.equal(op.length, 1, 'declared once');
  const id = op[0].definition.split('/').pop();
  const od = await server.request({ path: `/fhir/OperationDefinition/${id}` });
  assert.equal(od.status, 200, od.text);
  assert.equal(od.json.resourceType, 'OperationDefinition');
  assert.equal(od.json.url, op[0].definition);
  assert.equal(od.json.code, 'docref');
  assert.deepEqual(od.json.resource, ['DocumentReference']);
  const names = od.json.parameter.map((p) => p.name);
  for (const n of ['patient', 'start', 'end', 'type', 'on-demand', 'profile', 'return']) assert.ok(names.includes(n), n);
  // the server's own operation keeps its server-local canonical
  const iw = await server.request({ path: '/fhir/OperationDefinition/import-wearables' });
  assert.equal(iw.status, 200);
  assert.match(iw.json.url, /\/fhir\/OperationDefinition\/import-wearables$/);
});
