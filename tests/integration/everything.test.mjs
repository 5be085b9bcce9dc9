// everything.test.mjs - Patient/{id}/$everything and Patient/$everything
// (http://hl7.org/fhir/R4/patient-operation-everything.html) against the
// fixtures: contents (every compartment type of Amy's record, the reference
// data her resources point at, nothing of another patient), paging through
// `next` links while the record changes, _type, _since, start/end, the POST
// form, the policy (another patient 404, scope-limited and granular tokens),
// the CapabilityStatement and OperationDefinition, and the audit log.
//
// Expectations come from the fixture files themselves: what is in
// fixtures/patients/amy/*.json is Amy's record, fixtures/shared/ the reference data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const LOAD = '2026-11-23';
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const json = { 'content-type': 'application/fhir+json' };

/** Every resource of the fixture files under dir: [{type, id, resource}]. */
function fixtureResources(dir) {
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const b = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    for (const e of b.entry) out.push({ type: e.resource.resourceType, id: e.resource.id, resource: e.resource });
  }
  return out;
}
const key = (r) => `${r.type}/${r.id}`;
const entries = (bundle, mode) => (bundle.entry ?? []).filter((e) => !mode || e.search?.mode === mode);
const refsOf = (bundle, mode) => entries(bundle, mode).map((e) => `${e.resource.resourceType}/${e.resource.id}`);

/** Every "reference": "Type/id" anywhere in a resource. */
function references(value, out = new Set()) {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9.-]+$/.test(v)) out.add(v);
      else references(v, out);
    }
  }
  return out;
}

describe('Patient $everything', { concurrency: false }, () => {
  let server;
  const amy = fixtureResources(path.join(fixturesDir, 'patients', 'amy'));
  const shared = new Set(fixtureResources(path.join(fixturesDir, 'shared')).map(key));
  // Binary is reached by attachment urls, not references: not part of $everything.
  const amyKeys = new Set(amy.filter((r) => r.type !== 'Binary').map(key));
  // Another patient's resources; one that names Amy (Daniel's Coverage: Amy is its subscriber)
  // is in her compartment by the R4 CompartmentDefinition, so it belongs to both records.
  const others = new Set();
  for (const p of readdirSync(path.join(fixturesDir, 'patients')).filter((p) => p !== 'amy')) {
    for (const r of fixtureResources(path.join(fixturesDir, 'patients', p))) {
      if (r.type !== 'Provenance' && references(r.resource).has('Patient/amy')) amyKeys.add(key(r));
      else others.add(key(r));
    }
  }

  const get = (p, auth) => server.request({ path: `/fhir/${p}`, auth });
  /** Follows next links from a first page; returns the pages. */
  async function walk(first, auth, between) {
    const pages = [];
    let r = await get(first, auth);
    for (;;) {
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.equal(r.json.resourceType, 'Bundle');
      assert.equal(r.json.type, 'searchset');
      pages.push(r.json);
      const next = r.json.link?.find((l) => l.relation === 'next');
      if (!next) return pages;
      assert.ok(pages.length < 500, 'paging ends');
      if (between) await between(pages, next.url);
      r = await server.request({ path: new URL(next.url).pathname + new URL(next.url).search, auth });
    }
  }

  before(async () => {
    server = await startServer();
    const seeded = await runCli(['seed', '--db', server.dbPath, '--fixtures', fixturesDir, '--now', LOAD], { timeoutMs: 120000 });
    assert.equal(seeded.code, 0, seeded.stderr);
  });
  after(async () => {
    const stop = await server.stop();
    assert.ok(stop.exitedZero, server.stderr().slice(-2000));
  });

  it("Amy's record: the Patient, every compartment resource once, the reference data it points at, nobody else's", async () => {
    const r = await get('Patient/amy/$everything?_count=1000');
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const all = refsOf(r.json);
    assert.equal(new Set(all).size, all.length, 'every resource once');
    const matches = new Set(refsOf(r.json, 'match'));
    const got = new Set(all);
    for (const k of amyKeys) assert.ok(got.has(k), `${k} is in the Bundle`);
    assert.equal(refsOf(r.json)[0], 'Patient/amy', 'the Patient comes first');
    for (const k of all) {
      assert.ok(!others.has(k), `${k} belongs to another patient`);
      assert.ok(amyKeys.has(k) || shared.has(k), `${k} is Amy's or reference data`);
    }
    // every type of Amy's record is there (every compartment type she has, and her Device)
    const types = new Set(amy.filter((x) => x.type !== 'Binary').map((x) => x.type));
    for (const t of types) assert.ok([...matches, ...got].some((k) => k.startsWith(`${t}/`)), `a ${t}`);
    assert.ok(matches.has('Observation/' + amy.find((x) => x.type === 'Observation').id));
    assert.ok(matches.has('Coverage/daniel-coverage'), 'in her compartment as its subscriber');
    // reference data: what Amy's resources point at, as included entries
    const incl = new Set(refsOf(r.json, 'include'));
    for (const k of incl) assert.ok(shared.has(k) || k.startsWith('Provenance/'), `${k} included`);
    const pointed = new Set();
    for (const x of amy) for (const ref of references(x.resource)) if (shared.has(ref)) pointed.add(ref);
    // (a shared Provenance comes along as the _revinclude of a shared match, e.g. the
    // fixtures' Group, whose member Amy is)
    for (const k of incl) if (shared.has(k) && !k.startsWith('Provenance/')) assert.ok(pointed.has(k), `${k} is referenced by Amy's record`);
    const patient = amy.find((x) => x.type === 'Patient').resource;
    const musts = [...(patient.generalPractitioner ?? []), patient.managingOrganization]
      .concat(amy.filter((x) => x.type === 'MedicationRequest').map((x) => x.resource.medicationReference))
      .concat(amy.filter((x) => x.type === 'Encounter').flatMap((x) => (x.resource.location ?? []).map((l) => l.location)))
      .filter((x) => x?.reference && shared.has(x.reference)).map((x) => x.reference);
    assert.ok(musts.some((m) => m.startsWith('Practitioner/')) && musts.some((m) => m.startsWith('Location/')), musts.join());
    for (const m of musts) assert.ok(incl.has(m), `${m} (referenced) is included`);
    // no total: the policy may filter; links on the operation
    assert.equal(r.json.total, undefined);
    assert.match(r.json.link.find((l) => l.relation === 'self').url, /\/fhir\/Patient\/amy\/\$everything\?_count=1000$/);
  });

  it('pages with _count and next links: each match once, none lost, stable while the record changes', async () => {
    const full = new Set(refsOf((await get('Patient/amy/$everything?_count=1000')).json, 'match'));
    let created = null;
    const pages = await walk('Patient/amy/$everything?_count=7', undefined, async (done, next) => {
      // once paging is inside the Observations, add one: the pages already taken and to come never shift
      if (!created && decodeURIComponent(next).includes('_cursor=Observation.')) {
        const c = await server.request({ method: 'POST', path: '/fhir/Observation', headers: json, body: JSON.stringify({
          resourceType: 'Observation', status: 'final', code: { text: 'added while paging' },
          subject: { reference: 'Patient/amy' }, effectiveDateTime: '2026-11-20T08:00:00Z' }) });
        assert.equal(c.status, 201, c.text);
        created = `Observation/${c.json.id}`;
      }
    });
    assert.ok(created, 'paging went through the Observations');
    assert.ok(pages.length >= Math.ceil(full.size / 7), `${pages.length} pages`);
    const seen = [];
    for (const p of pages) {
      const m = refsOf(p, 'match');
      assert.ok(m.length <= 7, `at most _count matches per page (${m.length})`);
      seen.push(...m);
      const all = refsOf(p);
      assert.equal(new Set(all).size, all.length, 'no resource twice on a page');
    }
    assert.equal(new Set(seen).size, seen.length, 'no match on two pages');
    for (const k of full) assert.ok(seen.includes(k), `${k} on some page`);
    assert.ok(!seen.includes(created), 'a resource created in a type already being paged does not shift it');
    for (const k of seen) assert.ok(full.has(k), `${k} was in the record`);
    assert.equal((await server.request({ method: 'DELETE', path: `/fhir/${created}` })).status, 200);
  });

  it('_type returns only the named types (references only when their type is named)', async () => {
    const r = await get('Patient/amy/$everything?_type=Condition&_count=1000');
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const ks = refsOf(r.json);
    assert.equal(ks.length, amy.filter((x) => x.type === 'Condition').length);
    assert.ok(ks.every((k) => k.startsWith('Condition/')), ks.join());
    const r2 = await get('Patient/amy/$everything?_type=Encounter,Location&_type=Patient&_count=1000');
    const types = new Set(refsOf(r2.json).map((k) => k.split('/')[0]));
    assert.deepEqual([...types].sort(), ['Encounter', 'Location', 'Patient']);
    assert.ok(refsOf(r2.json, 'include').length > 0, 'the Locations of the visits');
    const ref = await get('Patient/amy/$everything?_type=Practitioner');
    assert.equal(ref.status, 200, 'reference data alone: nothing refers to it, an empty page');
    assert.equal(refsOf(ref.json).length, 0);
    const bad = await get('Patient/amy/$everything?_type=Nonsense');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.resourceType, 'OperationOutcome');
    assert.match(bad.text, /_type/);
  });

  it('_since returns what changed since the instant', async () => {
    await new Promise((res) => setTimeout(res, 20));
    const since = new Date().toISOString();
    await new Promise((res) => setTimeout(res, 20));
    const cond = amy.find((x) => x.type === 'Condition');
    const cur = (await get(`Condition/${cond.id}`)).json;
    const u = await server.request({ method: 'PUT', path: `/fhir/Condition/${cond.id}`, headers: json,
      body: JSON.stringify({ ...cur, note: [{ text: 'updated for _since' }] }) });
    assert.equal(u.status, 200, u.text);
    const r = await get(`Patient/amy/$everything?_since=${encodeURIComponent(since)}&_count=1000`);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.deepEqual(refsOf(r.json, 'match'), [`Condition/${cond.id}`]);
    const bad = await get('Patient/amy/$everything?_since=2026-11');
    assert.equal(bad.status, 400, '_since is an instant');
  });

  it('start and end narrow by care dates where the type has one', async () => {
    const start = '2025-01-01', end = '2025-12-31';
    const r = await get(`Patient/amy/$everything?start=${start}&end=${end}&_count=1000`);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const byKey = new Map(entries(r.json, 'match').map((e) => [`${e.resource.resourceType}/${e.resource.id}`, e.resource]));
    assert.ok(byKey.has('Patient/amy'), 'the Patient has no care date: always there');
    const inRange = (d) => d && d.slice(0, 10) >= start && d.slice(0, 10) <= end;
    let obs = 0;
    for (const [k, res] of byKey) {
      if (k.startsWith('Observation/') && res.effectiveDateTime) {
        obs++;
        assert.ok(inRange(res.effectiveDateTime), `${k} ${res.effectiveDateTime}`);
      }
      if (k.startsWith('Encounter/') && res.period) {
        assert.ok(!(res.period.end && res.period.end.slice(0, 10) < start) && !(res.period.start && res.period.start.slice(0, 10) > end), `${k}`);
      }
    }
    const full = entries((await get('Patient/amy/$everything?_type=Observation&_count=1000')).json, 'match');
    const want = full.filter((e) => e.resource.effectiveDateTime && inRange(e.resource.effectiveDateTime)).length;
    assert.ok(want > 0 && want < full.length, 'the fixtures have Observations on both sides');
    assert.equal(obs, want, 'exactly the Observations of the period');
    const bad = await get('Patient/amy/$everything?start=2026-01-01&end=2025-01-01');
    assert.equal(bad.status, 400);
  });

  it('POST with a Parameters body, and the type-level operation', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: '_type', valueCode: 'Patient,Immunization' }, { name: '_count', valueInteger: 2 }] };
    const r = await server.request({ method: 'POST', path: '/fhir/Patient/amy/$everything', headers: json, body: JSON.stringify(body) });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.deepEqual(refsOf(r.json, 'match').length, 2);
    assert.ok(r.json.link.some((l) => l.relation === 'next'));
    const pages = await walk(new URL(r.json.link.find((l) => l.relation === 'next').url).pathname.replace('/fhir/', '') +
      new URL(r.json.link.find((l) => l.relation === 'next').url).search);
    const all = [...refsOf(r.json, 'match'), ...pages.flatMap((p) => refsOf(p, 'match'))];
    assert.equal(all.length, 1 + amy.filter((x) => x.type === 'Immunization').length);
    const badBody = await server.request({ method: 'POST', path: '/fhir/Patient/amy/$everything', headers: json,
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'start', valueDate: 'soon' }] }) });
    assert.equal(badBody.status, 400);
    // type level: every patient the token reaches
    const tAmy = await server.token({ patient: 'amy', scope: 'launch/patient patient/*.rs' });
    const mine = await get('Patient/$everything?_type=Patient,Condition&_count=1000', tAmy);
    assert.equal(mine.status, 200, mine.text.slice(0, 300));
    assert.ok(refsOf(mine.json).every((k) => amyKeys.has(k)), refsOf(mine.json).join());
    const everyone = await get('Patient/$everything?_type=Patient&_count=1000');
    for (const p of ['amy', 'daniel', 'lily', 'max']) assert.ok(refsOf(everyone.json).includes(`Patient/${p}`));
  });

  it("a patient token: its own record only; another patient's is 404, an unknown one too", async () => {
    const t = await server.token({ patient: 'amy', scope: 'launch/patient patient/*.rs' });
    const own = await get('Patient/amy/$everything?_count=1000', t);
    assert.equal(own.status, 200, own.text.slice(0, 300));
    for (const k of refsOf(own.json)) assert.ok(!others.has(k), k);
    const other = await get('Patient/daniel/$everything', t);
    assert.equal(other.status, 404, other.text.slice(0, 300));
    assert.ok(!other.text.includes('daniel-'), 'nothing of Daniel');
    assert.equal((await get('Patient/nobody/$everything')).status, 404);
    assert.equal((await get('Patient/amy/$everything', false)).status, 401);
  });

  it('types the token does not grant are left out; a token granting none is 403', async () => {
    const t = await server.token({ patient: 'amy', scope: 'launch/patient patient/Patient.rs patient/Observation.rs' });
    const r = await get('Patient/amy/$everything?_count=1000', t);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const types = new Set(refsOf(r.json).map((k) => k.split('/')[0]));
    assert.deepEqual([...types].sort(), ['Observation', 'Patient']);
    assert.equal(refsOf(r.json, 'match').filter((k) => k.startsWith('Observation/')).length,
      amy.filter((x) => x.type === 'Observation').length);
    const none = await server.token({ patient: 'amy', scope: 'launch/patient patient/Practitioner.rs' });
    const n = await get('Patient/amy/$everything', none);
    assert.equal(n.status, 403, n.text.slice(0, 300));
    const narrow = await get('Patient/amy/$everything?_type=Condition', t);
    assert.equal(narrow.status, 200, 'a granted token asking only for a type it lacks: an empty page');
    assert.equal(refsOf(narrow.json).length, 0);
    assert.equal((await get('Patient/daniel/$everything?_type=Condition', t)).status, 404);
  });

  it('a granular category token sees only the granted category', async () => {
    const t = await server.token({ patient: 'amy', scope: `launch/patient patient/Observation.rs?category=${LAB}` });
    const r = await get('Patient/amy/$everything?_count=1000', t);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const obs = entries(r.json, 'match').map((e) => e.resource);
    assert.ok(obs.length > 0);
    const labs = amy.filter((x) => x.type === 'Observation' && x.resource.category?.some((c) => c.coding?.some((cd) => cd.code === 'laboratory')));
    assert.equal(obs.length, labs.length);
    for (const o of obs) {
      assert.equal(o.resourceType, 'Observation');
      assert.ok(o.category.some((c) => c.coding.some((cd) => cd.code === 'laboratory')), o.id);
    }
  });

  it('the CapabilityStatement declares the operation; its OperationDefinition is served', async () => {
    const cs = (await server.request({ path: '/fhir/metadata', auth: false })).json;
    const pat = cs.rest[0].resource.find((x) => x.type === 'Patient');
    const op = pat.operation.find((o) => o.name === 'everything');
    assert.equal(op.definition, 'http://hl7.org/fhir/OperationDefinition/Patient-everything');
    const od = await get('OperationDefinition/Patient-everything');
    assert.equal(od.status, 200, od.text.slice(0, 300));
    assert.equal(od.json.code, 'everything');
    assert.equal(od.json.base, 'http://hl7.org/fhir/OperationDefinition/Patient-everything');
    assert.ok(od.json.instance && od.json.type);
    for (const p of ['start', 'end', '_since', '_type', '_count'])
      assert.ok(od.json.parameter.some((x) => x.name === p), p);
  });

  it('one AuditEvent per call', async () => {
    const t = await server.token({ patient: 'amy', scope: 'launch/patient patient/*.rs' });
    const count = async () => (await get('AuditEvent?patient=amy&_count=1000')).json.entry
      .filter((e) => e.resource.subtype[0].code === 'operation').length;
    const before = await count();
    const r = await get('Patient/amy/$everything?_count=5', t);
    assert.equal(r.status, 200);
    let now = before;
    for (let i = 0; i < 50 && now === before; i++) {
      await new Promise((res) => setTimeout(res, 50));
      now = await count();
    }
    assert.equal(now, before + 1, 'one operation AuditEvent');
    const ev = (await get('AuditEvent?patient=amy&_count=1000')).json.entry.map((e) => e.resource)
      .find((e) => e.subtype[0].code === 'operation');
    assert.ok(JSON.stringify(ev.entity).includes('Patient/amy'), JSON.stringify(ev.entity));
  });
});
