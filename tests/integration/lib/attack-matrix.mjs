// attack-matrix.mjs - issue 3's attack matrix: for every resource type in
// the fixtures × read, search, _include, _revinclude, _history (instance and
// type), chained search × {own patient, other patient, type not granted,
// category not granted}: no response carries an id or reference of a resource
// the token may not see, statuses are right (404 outside the compartment, 403
// for a type not granted) and totals never count hidden resources.
//
// Ground truth comes from the fixture files themselves, not from the server:
// fixtures/patients/<p>/ holds patient p's record, fixtures/shared/ the
// reference data (Practitioner, Organization, ...) every granted app may read.
//
// attackMatrix({upstream}) declares the suite: against the embedded store
// (attack-matrix.test.mjs) or, with upstream: true, through the gateway in
// front of the test FHIR server (tests/upstream/, issue 8), which holds only
// the records of ME, OTHER and lily plus the shared resources (the router
// scans every resource per search) and the ground truth is those files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './server.mjs';
import { fixtureSubset, startUpstream } from '../../upstream/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const allFixtures = path.join(here, '..', '..', '..', 'fixtures');
const NOW = '2026-11-23';
const ME = 'amy';
const OTHER = 'daniel';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
const PROBLEMS = 'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item';

function walk(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.json') ? [p] : [];
  });
}

/** Every fixture resource: key "Type/id" → {type, id, owner, resource}. */
function loadFixtures(fixturesDir) {
  const all = new Map();
  for (const file of walk(fixturesDir)) {
    const rel = path.relative(fixturesDir, file).split(path.sep);
    const owner = rel[0] === 'shared' ? 'shared' : rel[1];
    for (const e of JSON.parse(readFileSync(file, 'utf8')).entry ?? []) {
      const r = e.resource;
      all.set(`${r.resourceType}/${r.id}`, { type: r.resourceType, id: r.id, owner, resource: r });
    }
  }
  return all;
}

/** Declares the attack matrix against the embedded store or, with upstream, through an upstream FHIR server. */
export function attackMatrix({ upstream = false } = {}) {
  const fixturesDir = upstream ? fixtureSubset([ME, OTHER, 'lily']) : allFixtures;
    const fixtures = loadFixtures(fixturesDir);
  const types = [...new Set([...fixtures.values()].map((f) => f.type))].sort();
  const of = (type, owner) => [...fixtures.values()].filter((f) => f.type === type && f.owner === owner);
  const hasCategory = (r, sysCode) => {
    const [system, code] = sysCode.split('|');
    return (r.category ?? []).some((cc) => (cc.coding ?? []).some((c) => c.system === system && c.code === code));
  };

  // The patients whose compartment holds f. Only Coverage crosses records in
  // the fixtures (a dependant's Coverage names the subscriber); everything else
  // belongs to the record it is filed under (checked by the first test).
  const COVERAGE_PATIENT_FIELDS = ['policyHolder', 'subscriber', 'beneficiary', 'payor'];
  function patientsOf(f) {
    if (f.owner === 'shared') return new Set();
    const out = new Set([f.owner]);
    if (f.type === 'Coverage') {
      for (const k of COVERAGE_PATIENT_FIELDS) {
        for (const ref of [f.resource[k]].flat()) {
          const m = /^Patient\/(.+)$/.exec(ref?.reference ?? '');
          if (m) out.add(m[1]);
        }
      }
    }
    return out;
  }

  /** May a token of `scenario` see fixture f (SMART scopes + R4 compartment + indirect types)? */
  function mayCarry(f, scenario, depth = 0) {
    const granted = scenario === 'own' ? true
      : scenario === 'category' ? ['Patient', 'Observation', 'Condition'].includes(f.type)
        : f.type === 'Patient';
    if (!granted) return false;
    if (scenario === 'category' && f.type === 'Observation' && !hasCategory(f.resource, VITALS)) return false;
    if (scenario === 'category' && f.type === 'Condition' && !hasCategory(f.resource, PROBLEMS)) return false;
    if (f.type === 'Provenance') {
      // Shown when every target is visible (it never carries a hidden reference).
      const targets = (f.resource.target ?? []).map((t) => fixtures.get(t.reference));
      return depth < 2 && targets.length > 0 && targets.every((t) => t && mayCarry(t, scenario, depth + 1));
    }
    if (f.type === 'Binary') {
      const ctx = fixtures.get(f.resource.securityContext?.reference ?? '');
      return depth < 2 && !!ctx && mayCarry(ctx, scenario, depth + 1);
    }
    return f.owner === 'shared' || patientsOf(f).has(ME);
  }

  const visible = new Map();
  const allowedRefs = new Map();
  for (const sc of ['own', 'category', 'type']) {
    const vis = new Set([...fixtures.values()].filter((f) => mayCarry(f, sc)).map((f) => `${f.type}/${f.id}`));
    const refs = new Set(vis);
    for (const k of vis) for (const m of JSON.stringify(fixtures.get(k).resource).matchAll(/"reference":"([^"]+)"/g)) refs.add(m[1]);
    visible.set(sc, vis);
    allowedRefs.set(sc, refs);
  }

  /** Every resource a response body holds (Bundle entries, or the body itself). */
  function bodyResources(json) {
    if (!json || typeof json !== 'object') return [];
    if (json.resourceType === 'Bundle') return (json.entry ?? []).flatMap((e) => bodyResources(e.resource ?? e.response?.outcome));
    if (json.resourceType === 'OperationOutcome') return [];
    return [`${json.resourceType}/${json.id}`];
  }

  /**
   * Asserts that a response shows only resources the scenario may see, and
   * names (by reference or id) no resource it may not see other than through
   * references inside resources it may see.
   */
  function assertNoLeak(res, scenario, label) {
    const sc = scenario.startsWith('type') ? 'type' : scenario;
    for (const k of bodyResources(res.json)) {
      if (fixtures.has(k)) assert.ok(visible.get(sc).has(k), `${label}: the response shows ${k}`);
    }
    const text = res.text;
    for (const f of fixtures.values()) {
      const ref = `${f.type}/${f.id}`;
      if (visible.get(sc).has(ref) || allowedRefs.get(sc).has(ref)) continue;
      assert.ok(!text.includes(`"${ref}"`) && !text.includes(`/${ref}"`) && !text.includes(`"id":"${f.id}"`),
        `${label}: the response carries ${ref} (owner ${f.owner})`);
    }
  }

  const entries = (res) => (res.json?.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
  const matches = (res) => (res.json?.entry ?? []).filter((e) => e.search?.mode !== 'include')
    .map((e) => `${e.resource.resourceType}/${e.resource.id}`);

  /** A Bundle's total may be absent; when present it must count only what is shown (all on one page). */
  function assertTotal(res, label, expected = matches(res).length) {
    if (res.json?.total === undefined) return;
    assert.equal(res.json.total, expected, `${label}: total ${res.json.total} counts hidden resources`);
  }

  /** Types with a `patient` search parameter (chained and other-patient searches). */
  const PATIENT_PARAM = new Set(['AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'Device',
    'DiagnosticReport', 'DocumentReference', 'Encounter', 'Goal', 'Immunization', 'MedicationDispense',
    'MedicationRequest', 'Observation', 'Procedure', 'Provenance', 'QuestionnaireResponse', 'RelatedPerson',
    'ServiceRequest', 'Specimen', 'Media']);

  describe(upstream ? 'attack matrix (upstream mode)' : 'attack matrix', { concurrency: false }, () => {
    let srv, dir, up;
    const tok = {};

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-matrix-'));
      const db = path.join(dir, 'fhirgate.db');
      if (upstream) up = await startUpstream();
      const target = upstream ? ['--upstream', up.fhirBase] : ['--db', db];
      const seeded = await runCli(['seed', ...target, '--fixtures', fixturesDir, '--now', NOW], { timeoutMs: 120000 });
      assert.equal(seeded.code, 0, seeded.stderr);
      srv = await startServer(upstream ? { now: NOW, args: target } : { db, now: NOW });
      tok.own = await srv.token({ scope: 'launch/patient patient/*.cruds', patient: ME });
      tok.type = await srv.token({ scope: 'launch/patient patient/Patient.rs', patient: ME });
      tok.category = await srv.token({
        scope: `launch/patient patient/Patient.rs patient/Observation.rs?category=${VITALS} patient/Condition.rs?category=${PROBLEMS}`,
        patient: ME,
      });
    });
    after(async () => {
      const stop = await srv.stop();
      srv.cleanup();
      await up?.stop();
      rmSync(dir, { recursive: true, force: true });
      assert.ok(stop.exitedZero, srv.stderr().slice(-2000));
    });

    const get = (p, auth) => srv.request({ path: `/fhir/${p}`, auth });
    /** Type-level history an upstream does not offer is a clear not-supported outcome (upstream mode only). */
    const noTypeHistory = (r) => upstream && r.status === 400 && r.json?.issue?.[0]?.code === 'not-supported' &&
      /does not support type-level history/.test(r.json.issue[0].diagnostics);

    it('the fixtures give every scenario something to see and something to hide', () => {
      assert.ok(types.length >= 20, `types: ${types}`);
      assert.ok(of('Observation', ME).some((f) => hasCategory(f.resource, VITALS)));
      assert.ok(of('Observation', ME).some((f) => !hasCategory(f.resource, VITALS)));
      assert.ok(of('Condition', ME).some((f) => !hasCategory(f.resource, PROBLEMS)));
      assert.ok(of('Observation', OTHER).length > 0);
    });

    for (const type of types) {
      describe(type, () => {
        it('own patient: reads and searches show exactly the own and shared resources', async () => {
          for (const f of [...fixtures.values()].filter((x) => x.type === type)) {
            const r = await get(`${type}/${f.id}`, tok.own);
            assert.equal(r.status, mayCarry(f, 'own') ? 200 : 404, `read ${type}/${f.id}: ${r.text.slice(0, 300)}`);
            assertNoLeak(r, 'own', `read ${type}/${f.id}`);
          }
          const s = await get(`${type}?_count=1000`, tok.own);
          assert.equal(s.status, 200, s.text.slice(0, 300));
          assertNoLeak(s, 'own', `search ${type}`);
          assertTotal(s, `search ${type}`);
          const want = [...visible.get('own')].filter((k) => k.startsWith(`${type}/`)).sort();
          assert.ok(want.length > 0, `${type}: nothing of the own record to see`);
          assert.deepEqual(matches(s).sort(), want, `search ${type}`);
        });

        it('other patient: reads are 404, searches and history stay in the compartment', async () => {
          for (const f of of(type, OTHER).filter((x) => !mayCarry(x, 'own'))) {
            const r = await get(`${type}/${f.id}`, tok.own);
            assert.equal(r.status, 404, `read ${type}/${f.id}: ${r.status}`);
            assertNoLeak(r, 'own', `read ${type}/${f.id}`);
            const h = await get(`${type}/${f.id}/_history`, tok.own);
            assert.equal(h.status, 404, `history ${type}/${f.id}: ${h.status}`);
            const v = await get(`${type}/${f.id}/_history/1`, tok.own);
            assert.equal(v.status, 404, `vread ${type}/${f.id}: ${v.status}`);
          }
          if (PATIENT_PARAM.has(type)) {
            for (const q of [`patient=${OTHER}`, `patient=Patient/${OTHER}`, `patient:Patient._id=${OTHER}`,
              `patient:Patient.name=Daniel`]) {
              const s = await get(`${type}?${q}`, tok.own);
              assert.equal(s.status, 200, `${type}?${q}: ${s.text.slice(0, 300)}`);
              for (const m of matches(s)) assert.ok(visible.get('own').has(m), `${type}?${q} shows ${m}`);
              assertNoLeak(s, 'own', `${type}?${q}`);
              assertTotal(s, `${type}?${q}`);
            }
            const chained = await get(`${type}?patient:Patient._id=${ME}&_count=1000`, tok.own);
            assert.equal(chained.status, 200);
            assertNoLeak(chained, 'own', `${type} chained to ${ME}`);
          }
        });

        it('_include, _revinclude and history never leave the compartment', async () => {
          for (const q of ['_include=*', '_revinclude=Provenance:target', '_include=*&_include:iterate=*',
            `_revinclude=*`]) {
            const s = await get(`${type}?${q}&_count=1000`, tok.own);
            // not supported (here, or by the upstream: an :iterate wildcard): nothing to leak
            if (s.status === 400 && (q === '_revinclude=*' || (upstream && q.includes(':iterate=*')))) continue;
            assert.equal(s.status, 200, `${type}?${q}: ${s.text.slice(0, 300)}`);
            assertNoLeak(s, 'own', `${type}?${q}`);
            assertTotal(s, `${type}?${q}`);
          }
          const th = await get(`${type}/_history?_count=1000`, tok.own);
          if (!noTypeHistory(th)) {
            assert.equal(th.status, 200, th.text.slice(0, 300));
            assertNoLeak(th, 'own', `${type}/_history`);
            if (th.json.total !== undefined) assert.equal(th.json.total, entries(th).length);
          }
          for (const f of of(type, ME).slice(0, 2)) {
            const h = await get(`${type}/${f.id}/_history`, tok.own);
            if (type !== 'Provenance' && type !== 'Binary') assert.equal(h.status, 200);
            assertNoLeak(h, 'own', `${type}/${f.id}/_history`);
          }
        });

        it('type not granted: 403 OperationOutcome, never an empty 200', async () => {
          if (type === 'Patient') {
            const r = await get(`Patient/${OTHER}`, tok.type);
            assert.equal(r.status, 404);
            return;
          }
          const f = of(type, ME)[0] ?? of(type, 'shared')[0];
          const inc = PATIENT_PARAM.has(type) ? `_revinclude=${type}:patient` : '_include=*';
          for (const p of [`${type}/${f.id}`, `${type}?_count=5`, `${type}/_history`, `${type}/${f.id}/_history`,
            `Patient?_id=${ME}&${inc}`]) {
            const r = await get(p, tok.type);
            if (p.startsWith('Patient?')) {
              assert.equal(r.status, 200, p);
              assertNoLeak(r, 'type-' + type, p);
              assert.ok(!entries(r).some((e) => e.startsWith(`${type}/`)), `${p} includes ${type}`);
              continue;
            }
            assert.equal(r.status, 403, `${p}: ${r.status} ${r.text.slice(0, 200)}`);
            assert.equal(r.json?.resourceType, 'OperationOutcome', p);
            assert.match(r.headers['www-authenticate'] ?? '', /error="insufficient_scope"/, p);
            assert.ok(!r.text.includes(`"${type}/`), `${p} leaks`);
          }
        });

        it('category not granted (granular v2 scopes)', async () => {
          if (type !== 'Observation' && type !== 'Condition' && type !== 'Patient') {
            const f = of(type, ME)[0] ?? of(type, 'shared')[0];
            const r = await get(`${type}/${f.id}`, tok.category);
            assert.equal(r.status, 403, `${type}/${f.id}: ${r.status}`);
            return;
          }
          for (const f of of(type, ME).filter((x) => mayCarry(x, 'own'))) {
            const r = await get(`${type}/${f.id}`, tok.category);
            assert.equal(r.status, mayCarry(f, 'category') ? 200 : 404, `read ${type}/${f.id}`);
            assertNoLeak(r, 'category', `read ${type}/${f.id}`);
            const h = await get(`${type}/${f.id}/_history`, tok.category);
            assert.equal(h.status, mayCarry(f, 'category') ? 200 : 404, `history ${type}/${f.id}`);
          }
          for (const q of ['_count=1000', '_count=1000&_include=*', '_count=1000&_revinclude=Provenance:target',
            `_count=1000&patient=${OTHER}`, '_count=1000&category=laboratory', '_count=1000&_summary=count']) {
            const s = await get(`${type}?${q}`, tok.category);
            assert.equal(s.status, 200, `${type}?${q}: ${s.text.slice(0, 300)}`);
            assertNoLeak(s, 'category', `${type}?${q}`);
            const visibleOfType = [...visible.get('category')].filter((k) => k.startsWith(`${type}/`));
            if (q.endsWith('_summary=count')) assertTotal(s, `${type}?${q}`, visibleOfType.length);
            else assertTotal(s, `${type}?${q}`);
            if (q === '_count=1000') {
              const want = [...visible.get('category')].filter((k) => k.startsWith(`${type}/`)).sort();
              assert.deepEqual(matches(s).sort(), want, `${type}?${q}`);
            }
          }
          const th = await get(`${type}/_history?_count=1000`, tok.category);
          if (!noTypeHistory(th)) {
            assert.equal(th.status, 200);
            assertNoLeak(th, 'category', `${type}/_history`);
          }
        });
      });
    }

    it('a chain never tests another patient\'s resource, even from an own resource that names it', async () => {
      // daniel-coverage is in Amy's compartment (she is the subscriber) and names
      // Patient/daniel as beneficiary; Amy may not read Patient/daniel.
      const direct = await get(`Coverage?beneficiary=Patient/${OTHER}`, tok.own);
      assert.deepEqual(matches(direct), [`Coverage/${OTHER}-coverage`]);
      const given = fixtures.get(`Patient/${OTHER}`).resource.name[0].given[0];
      for (const q of [`beneficiary:Patient.name=${given}`, `beneficiary:Patient._id=${OTHER}`,
        `beneficiary.name=${given}`]) {
        const r = await get(`Coverage?${q}`, tok.own);
        assert.equal(r.status, 200, r.text.slice(0, 200));
        assert.deepEqual(matches(r), [], `Coverage?${q} tests Patient/${OTHER}`);
      }
      const ownChain = await get(`Coverage?subscriber:Patient._id=${ME}&_count=100`, tok.own);
      assert.ok(matches(ownChain).length >= 2, 'chains through the own record still work');
      const system = await get(`Coverage?beneficiary:Patient._id=${OTHER}`, undefined);
      assert.deepEqual(matches(system), [`Coverage/${OTHER}-coverage`], 'system scopes chain everywhere');
    });

    it('user/ scopes reach the signed-in user\'s own record and proxies in force, nothing else', async () => {
      const db = ['--auth-db', srv.authDbPath];
      const add = await runCli(['account', 'add', ...db, '--user', 'danielshaw', '--patient', OTHER, '--password-stdin'],
        { input: 'Demo-pass-2026\n' });
      assert.equal(add.code, 0, add.stderr);
      const px = await runCli(['account', 'proxy', ...db, '--now', NOW, '--user', 'danielshaw', '--patient', 'lily', '--kind', 'parent']);
      assert.equal(px.code, 0, px.stderr);
      const t = await srv.token({ scope: 'user/Patient.rs user/Observation.rs', user: 'danielshaw' });
      for (const [id, want] of [[OTHER, 200], ['lily', 200], [ME, 404], ['max', 404]]) {
        assert.equal((await get(`Patient/${id}`, t)).status, want, `Patient/${id}`);
      }
      const s = await get('Observation?_count=1000', t);
      const owners = new Set(matches(s).map((k) => fixtures.get(k)?.owner));
      assert.deepEqual([...owners].sort(), ['daniel', 'lily']);
      assert.equal((await get('Condition?_count=1', t)).status, 403);
    });

    describe('authentication and writes', () => {
      it('no token: 401 with a realm and no error; a bad token: 401 invalid_token', async () => {
        const none = await get(`Patient/${ME}`, false);
        assert.equal(none.status, 401);
        assert.match(none.headers['www-authenticate'], /^Bearer realm="[^"]+"$/);
        assert.equal(none.json.resourceType, 'OperationOutcome');
        for (const h of ['Bearer nonsense-token', 'Basic dXNlcjpwYXNz', 'Bearer ', `Bearer ${'A'.repeat(43)}`,
          `Bearer ${tok.own}x`]) {
          const r = await srv.request({ path: `/fhir/Patient/${ME}`, headers: { Authorization: h } });
          assert.equal(r.status, 401, h);
          assert.match(r.headers['www-authenticate'], /error="invalid_token"/, h);
          assert.equal(r.json.resourceType, 'OperationOutcome');
        }
        const meta = await get('metadata', false);
        assert.equal(meta.status, 200);
        const disco = await srv.request({ path: '/fhir/.well-known/smart-configuration', auth: false });
        assert.equal(disco.status, 200);
      });

      it('expired and revoked tokens are 401', async () => {
        const old = await srv.tokenResponse({ scope: 'patient/*.rs', patient: ME, now: '2026-11-22T20:00:00Z' });
        const r = await get(`Patient/${ME}`, old.access_token);
        assert.equal(r.status, 401);
        assert.match(r.headers['www-authenticate'], /invalid_token/);
        const fresh = await srv.token({ scope: 'patient/*.rs', patient: ME });
        assert.equal((await get(`Patient/${ME}`, fresh)).status, 200);
        const rev = await srv.request({
          method: 'POST', path: '/auth/revoke', auth: false,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${fresh}&client_id=${srv.operatorClient}`,
        });
        assert.equal(rev.status, 200, rev.text);
        assert.equal((await get(`Patient/${ME}`, fresh)).status, 401);
      });

      it('patient-scoped writes land only in the own compartment', async () => {
        const obs = (subject, id) => ({
          resourceType: 'Observation', ...(id ? { id } : {}), status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] }, subject: { reference: `Patient/${subject}` },
          // a patient app's vital sign must be valid US Core (issue 6): effective[x] is required
          effectiveDateTime: '2026-11-20T08:00:00Z',
          valueQuantity: { value: 70, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
        });
        const send = (method, p, body, auth = tok.own) => srv.request({
          method, path: `/fhir/${p}`, auth, headers: { 'content-type': 'application/fhir+json' },
          body: body && JSON.stringify(body),
        });
        assert.equal((await send('POST', 'Observation', obs(ME))).status, 201);
        const other = await send('POST', 'Observation', obs(OTHER));
        assert.equal(other.status, 403, other.text);
        const victim = of('Observation', OTHER)[0].id;
        assert.equal((await send('PUT', `Observation/${victim}`, obs(ME, victim))).status, 403);
        assert.equal((await send('DELETE', `Observation/${victim}`)).status, 403);
        assert.equal((await get(`Observation/${victim}`, undefined)).status, 200, 'the victim is untouched');
        assert.equal((await send('POST', 'Observation', obs(ME), tok.type)).status, 403);
        const batch = await srv.request({
          method: 'POST', path: '/fhir', auth: tok.own, headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [
            { request: { method: 'GET', url: `Observation/${victim}` } },
            { request: { method: 'GET', url: `Observation?patient=${OTHER}` } },
            { request: { method: 'GET', url: `Patient/${ME}` } }] }),
        });
        assert.equal(batch.status, 200, batch.text.slice(0, 300));
        assertNoLeak(batch, 'own', 'batch');
        assert.match(batch.json.entry[0].response.status, /^404/);
        assert.match(batch.json.entry[2].response.status, /^200/);
      });
    });
  });
}
