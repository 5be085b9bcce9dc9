// upstream-policy.test.mjs - the policy stays in front in upstream mode: a
// patient token sees only its patient's records from the upstream, page
// after page (the cursor never carries the compartment or a filter), with
// totals that never count what it may not see; granular category scopes
// are sent upstream and checked again on what comes back; the app's token
// never reaches the upstream. Needs enforcement on /fhir (issue 3): skipped
// while the server has none.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, runCli } from './lib/server.mjs';
import { startUpstream, fixtureSubset } from '../upstream/lib.mjs';

const NOW = '2026-11-23';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

describe('upstream mode: policy in front', { concurrency: false }, () => {
  let up;
  let gw;
  let enforced = false;
  const tok = {};
  const maxIds = new Set();
  let amyObs = [];
  let amyVitals = [];

  before(async () => {
    up = await startUpstream();
    const r = await runCli(['seed', '--upstream', up.fhirBase, '--fixtures', fixtureSubset(['amy', 'max']), '--now', NOW], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase] });
    enforced = typeof gw.token === 'function' && (await gw.request({ path: '/fhir/Patient/amy', auth: false })).status === 401;
    if (!enforced) return;
    tok.own = await gw.token({ scope: 'launch/patient patient/*.rs', patient: 'amy' });
    tok.vitals = await gw.token({ scope: `launch/patient patient/Patient.rs patient/Observation.rs?category=${VITALS}`, patient: 'amy' });
    for (const t of ['Observation', 'Condition', 'Encounter', 'AllergyIntolerance']) {
      const d = await up.get(`/fhir/${t}?subject=Patient/max&_count=1000`);
      for (const e of d.json.entry ?? []) maxIds.add(`${t}/${e.resource.id}`);
    }
    const direct = await up.get('/fhir/Observation?subject=Patient/amy&_count=1000');
    amyObs = direct.json.entry.map((e) => e.resource);
    amyVitals = amyObs.filter((o) => (o.category ?? []).some((c) => (c.coding ?? []).some((x) => `${x.system}|${x.code}` === VITALS)));
  });
  after(async () => {
    const stopped = await gw?.stop();
    gw?.cleanup();
    await up?.stop();
    assert.ok(stopped?.exitedZero, gw?.stderr().slice(-2000));
  });

  const get = (p, auth) => gw.request({ path: `/fhir/${p}`, auth });
  /** True (and the test marked skipped) while /fhir has no enforcement. */
  const unenforced = (t) => {
    if (!enforced) t.skip('needs enforcement on /fhir (issue 3)');
    return !enforced;
  };

  async function pages(first, auth) {
    const out = [];
    let url = first;
    while (url && out.length < 40) {
      const r = await gw.request({ path: url.replace(gw.base, ''), auth });
      assert.equal(r.status, 200, r.text.slice(0, 300));
      out.push(r);
      url = r.json.link?.find((l) => l.relation === 'next')?.url;
    }
    return out;
  }

  /** "Type/id" of a searchset's matches. */
  const ids = (r) => (r.json?.entry ?? []).filter((e) => e.search?.mode !== 'include')
    .map((e) => `${e.resource.resourceType}/${e.resource.id}`);

  const noMax = (r, label) => {
    for (const e of r.json?.entry ?? []) {
      const k = `${e.resource?.resourceType}/${e.resource?.id}`;
      assert.ok(!maxIds.has(k) && k !== 'Patient/max', `${label} shows ${k}`);
    }
  };

  it('the data gives something to see and something to hide', (t) => {
    if (unenforced(t)) return;
    assert.ok(maxIds.size > 5 && amyObs.length > 10 && amyVitals.length > 0 && amyVitals.length < amyObs.length);
  });

  it('reads of the other patient are 404, own reads 200', async (t) => {
    if (unenforced(t)) return;
    assert.equal((await get('Patient/amy', tok.own)).status, 200);
    assert.equal((await get('Patient/max', tok.own)).status, 404);
    const other = [...maxIds].find((k) => k.startsWith('Observation/'));
    assert.equal((await get(other, tok.own)).status, 404);
    const direct = await up.get(`/fhir/${other}`);
    assert.equal((await get(`${other}/_history/${direct.json.meta.versionId}`, tok.own)).status, 404);
    assert.equal((await get(`${other}/_history`, tok.own)).status, 404);
  });

  it('a search pages through exactly the own records, and totals count only them', async (t) => {
    if (unenforced(t)) return;
    await up.reset();
    const all = await pages(`${gw.fhirBase}/Observation?_count=7`, tok.own);
    const got = all.flatMap((r) => r.json.entry ?? []).map((e) => e.resource.id).sort();
    assert.deepEqual(got, amyObs.map((o) => o.id).sort());
    for (const r of all) {
      noMax(r, 'Observation pages');
      if (r.json.total !== undefined) assert.equal(r.json.total, amyObs.length);
      for (const l of r.json.link) assert.ok(!l.url.includes('Patient%2Famy') && !l.url.includes('subject='), `the compartment is not in links: ${l.url}`);
    }
    const seen = (await up.requests()).filter((q) => q.url.startsWith('/fhir/Observation?'));
    const bySubject = seen.filter((q) => q.url.includes('subject=Patient%2Famy'));
    assert.equal(bySubject.length, all.length, `the compartment is asked of the upstream on every page: ${seen.map((q) => q.url)}`);
    // Observation.performer puts a resource in the compartment too: that leg is asked as well
    const others = seen.filter((q) => !bySubject.includes(q));
    assert.ok(others.length > 0 && others.every((q) => q.url.includes('performer=Patient%2Famy')), `${others.map((q) => q.url)}`);
  });

  it('asking for the other patient finds nothing, whatever the query or cursor', async (t) => {
    if (unenforced(t)) return;
    for (const q of ['subject=Patient/max', 'patient=max', 'subject:Patient.name=Max', '_id=max', 'subject=Patient/max&_cursor=_offset%3D0']) {
      const r = await get(`Observation?${q}`, tok.own);
      // a cursor the gateway did not seal for this search is refused (400)
      const refused = q.includes('_cursor') ? [400] : [];
      assert.ok(r.status === 200 || r.status === 403 || r.status === 404 || refused.includes(r.status), `${q}: ${r.status}`);
      noMax(r, q);
      if (r.status === 200) {
        assert.equal((r.json.entry ?? []).length, 0, q);
        assert.ok(r.json.total === undefined || r.json.total === 0, `${q}: total ${r.json.total}`);
      }
    }
    const inc = await get('Patient?_id=max&_revinclude=Observation:subject', tok.own);
    assert.equal(inc.status, 200, inc.text.slice(0, 300));
    noMax(inc, 'Patient?_id=max&_revinclude');
    const own = await get('Observation?_count=3&_include=Observation:subject', tok.own);
    noMax(own, '_include');
    assert.ok(own.json.entry.some((e) => e.search.mode === 'include' && e.resource.id === 'amy'));
  });

  it('a category scope is sent upstream and only its category comes back', async (t) => {
    if (unenforced(t)) return;
    await up.reset();
    const all = await pages(`${gw.fhirBase}/Observation?_count=5`, tok.vitals);
    const got = all.flatMap((r) => r.json.entry ?? []).map((e) => e.resource.id).sort();
    assert.deepEqual(got, amyVitals.map((o) => o.id).sort());
    for (const r of all) if (r.json.total !== undefined) assert.equal(r.json.total, amyVitals.length);
    const seen = (await up.requests()).filter((q) => q.url.startsWith('/fhir/Observation?'));
    assert.ok(seen.every((q) => decodeURIComponent(q.url).includes('category=')), 'the policy filter reaches the upstream');
    const lab = amyObs.find((o) => !amyVitals.includes(o));
    assert.equal((await get(`Observation/${lab.id}`, tok.vitals)).status, 404);
  });

  it('the app\'s token never reaches the upstream', async (t) => {
    if (unenforced(t)) return;
    const seen = await up.requests();
    assert.ok(seen.length > 0);
    for (const q of seen) {
      const h = JSON.stringify(q.headers);
      for (const t of Object.values(tok)) assert.ok(!h.includes(t));
      assert.equal(q.headers.authorization, undefined);
    }
  });

  it('a record in the compartment only through another reference (performer) is found, counted once, and a sort is refused', async (t) => {
    if (unenforced(t)) return;
    const body = { resourceType: 'Observation', status: 'final', code: { text: 'measured by amy for max' },
      subject: { reference: 'Patient/max' }, performer: [{ reference: 'Patient/amy' }], effectiveDateTime: '2026-11-20T08:00:00Z' };
    const c = await gw.request({ method: 'POST', path: '/fhir/Observation', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
    assert.equal(c.status, 201, c.text);
    const id = c.json.id;
    try {
      const want = [...amyObs.map((o) => o.id), id].sort();
      const all = await get('Observation?_count=1000', tok.own);
      assert.equal(all.status, 200, all.text.slice(0, 300));
      assert.deepEqual(all.json.entry.map((e) => e.resource.id).sort(), want, 'own subject and own performer, each once');
      if (all.json.total !== undefined) assert.equal(all.json.total, want.length);
      const paged = (await pages(`${gw.fhirBase}/Observation?_count=40`, tok.own)).flatMap((r) => r.json.entry ?? []).map((e) => e.resource.id);
      assert.deepEqual(paged.sort(), want, 'paging lists it once, after the subject pages');
      await up.reset();
      const small = await pages(`${gw.fhirBase}/Observation?_count=4`, tok.own);
      assert.ok(small.length > 3, `${small.length} pages`);
      assert.deepEqual(small.flatMap((r) => r.json.entry ?? []).map((e) => e.resource.id).sort(), want, 'small pages list it once too');
      for (const r of small) assert.equal(r.json.total, want.length, 'every page counts it');
      const performer = (await up.requests()).filter((q) => q.url.startsWith('/fhir/Observation?') && q.url.includes('performer='));
      assert.equal(performer.length, 2, `the performer leg is read on the first page (the total) and the last (its matches), not on every page: ${performer.map((q) => q.url)}`);
      assert.equal((await get(`Observation/${id}`, tok.own)).status, 200);
      const sorted = await get('Observation?_sort=-date', tok.own);
      assert.equal(sorted.status, 400, sorted.text.slice(0, 300));
      assert.equal(sorted.json.issue[0].code, 'not-supported');
      assert.equal(sorted.json.issue[0].expression[0], '_sort');
      noMax(sorted, 'refused sort');
    } finally {
      assert.equal((await gw.request({ method: 'DELETE', path: `/fhir/Observation/${id}` })).status < 300, true);
    }
    // without it, the sorted search is answered again (in the upstream's order)
    const sorted = await get('Observation?_sort=-date&_count=5', tok.own);
    assert.equal(sorted.status, 200, sorted.text.slice(0, 300));
  });
  it('a chain through another patient-record type is checked on the targets the upstream tested', async (t) => {
    if (unenforced(t)) return;
    // An Observation of amy's that names max's Encounter (an operator's mistake).
    const planted = {
      resourceType: 'Observation', id: 'amy-obs-names-max-enc', status: 'final',
      code: { text: 'a note that names the wrong visit' },
      subject: { reference: 'Patient/amy' }, encounter: { reference: 'Encounter/max-enc-std' },
    };
    const w = await gw.request({ method: 'PUT', path: `/fhir/Observation/${planted.id}`, headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(planted) });
    assert.ok(w.status === 200 || w.status === 201, w.text.slice(0, 300));
    const direct = async (q) => ((await up.get(`/fhir/${q}`)).json.entry ?? []).map((e) => e.resource.id).sort();
    // The upstream itself finds the planted one through max's Encounter...
    assert.deepEqual(await direct('Observation?subject=Patient/amy&encounter:Encounter._id=max-enc-std'), [planted.id]);
    // amy's token may see the Observation itself...
    const read = await get(`Observation/${planted.id}`, tok.own);
    assert.equal(read.status, 200, read.text.slice(0, 300));
    assert.deepEqual(ids(await get('Observation?encounter=Encounter/max-enc-std', tok.own)), [`Observation/${planted.id}`]);
    // ...but not find it through max's Encounter (that would test max's record).
    const probe = await get('Observation?encounter:Encounter._id=max-enc-std', tok.own);
    assert.equal(probe.status, 200, probe.text.slice(0, 300));
    assert.deepEqual(ids(probe), []);
    // Through her own Encounters the chain works, and the Encounters
    // included to check it are not handed out.
    const own = await get('Observation?encounter:Encounter._id=amy-enc-1&_count=1000', tok.own);
    assert.equal(own.status, 200, own.text.slice(0, 300));
    const want = await direct('Observation?encounter=Encounter/amy-enc-1&_count=1000');
    assert.ok(want.length > 0);
    assert.deepEqual(ids(own).sort(), want.map((id) => `Observation/${id}`));
    assert.ok(!(own.json.entry ?? []).some((e) => e.search?.mode === 'include'));
    const all = await get('Observation?encounter:Encounter.status=finished&_count=1000', tok.own);
    assert.equal(all.status, 200, all.text.slice(0, 300));
    assert.ok(ids(all).length > want.length);
    assert.ok(!ids(all).includes(`Observation/${planted.id}`));
    // A later hop into a patient record cannot be checked: said plainly.
    const deep = await get('Observation?encounter:Encounter.subject:Patient.name=Max', tok.own);
    assert.equal(deep.status, 400, deep.text.slice(0, 300));
    assert.equal(deep.json.issue[0].code, 'not-supported');
    assert.match(deep.json.issue[0].diagnostics, /after the first step/);
    const withInclude = await get('Observation?encounter:Encounter.status=finished&_include=Observation:subject', tok.own);
    assert.equal(withInclude.status, 400);
    assert.equal(withInclude.json.issue[0].code, 'not-supported');
    await gw.request({ method: 'DELETE', path: `/fhir/Observation/${planted.id}` });
  });
});
