// uscore-search.test.mjs - every required US Core 7.0.0 search of the ONC
// (g)(10) kit (conformance/uscore_kit.json, derived by
// scripts/gen-uscore-kit.mjs from the kit's metadata) run against the
// fixtures, with the kit's behaviours (checklist §4.2):
//   S-2  200 searchset; every page followed; the matches are exactly the
//        fixture resources that satisfy every parameter (computed here, in
//        JavaScript, from the fixture files: lib/fhir-match.mjs)
//   S-3  POST _search returns the same ids as GET
//   S-4  patient=Patient/id returns the same ids as patient=id
//   S-5  tokens as system|code and as bare code
//   S-6  each SHALL comparator (gt ge lt le) on dates a day either side
//   S-7  comma OR lists over the kit's fixed values where multiple-OR is SHALL
//   S-8  a refused search is a 400 with an OperationOutcome
//   S-9  _revinclude=Provenance:target yields Provenance for the matches
//   S-10 _include=MedicationRequest:medication / MedicationDispense:medication
//   S-11 read of every match
// and M-1: every resource returned validates with zero errors (fhirgate validate).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './lib/server.mjs';
import { isDateParam, isStringParam, paramMatches, valuesAt, valueRange } from './lib/fhir-match.mjs';
import { substitute } from '../../scripts/check-fixtures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kit = JSON.parse(readFileSync(path.join(root, 'conformance', 'uscore_kit.json'), 'utf8'));
const NOW = '2026-11-23';
const DAY = 86400000;

/** Every fixture resource, dates expanded for NOW. */
function loadFixtures() {
  const [y, m, d] = NOW.split('-').map(Number);
  const out = [];
  const walk = (dir) => {
    for (const f of readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.json')) {
        const b = JSON.parse(substitute(readFileSync(p, 'utf8'), { y, m, d }));
        for (const e of b.entry || []) out.push(e.resource);
      }
    }
  };
  walk(path.join(root, 'fixtures'));
  return out;
}

const fixtures = loadFixtures();
let server;
const returned = new Map(); // "Type/id" -> resource as served, for validation

before(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-uscore-'));
  const db = path.join(dir, 'fhirgate.db');
  const seeded = await runCli(['seed', '--db', db, '--fixtures', path.join(root, 'fixtures'), '--now', NOW], { timeoutMs: 60000 });
  assert.equal(seeded.code, 0, seeded.stderr);
  server = await startServer({ db, now: NOW });
  server.tmp = dir;
});

after(async () => {
  if (!server) return;
  const st = await server.stop();
  server.cleanup();
  rmSync(server.tmp, { recursive: true, force: true });
  assert.ok(st.exitedZero, `server exit: ${JSON.stringify(st)}\n${server.stderr().slice(-2000)}`);
});

const enc = (pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** Runs a search (GET, or POST _search with a form body), following every next link. */
async function search(type, pairs, { post = false, auth } = {}) {
  const first = post
    ? { method: 'POST', path: `/fhir/${type}/_search`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: enc(pairs), auth }
    : { path: `/fhir/${type}?${enc(pairs)}`, auth };
  let r = await server.request(first);
  const matches = [];
  const included = [];
  const problems = [];
  for (let page = 0; ; page++) {
    if (r.status !== 200) {
      const oo = r.json?.resourceType === 'OperationOutcome';
      problems.push(`${type}?${enc(pairs)}: status ${r.status}${r.status === 400 && oo ? ' (400 with OperationOutcome)' : ''}: ${r.text.slice(0, 300)}`);
      break;
    }
    if (r.json?.resourceType !== 'Bundle' || r.json.type !== 'searchset') {
      problems.push(`${type}?${enc(pairs)}: not a searchset Bundle`);
      break;
    }
    for (const e of r.json.entry || []) {
      returned.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource);
      (e.search?.mode === 'include' ? included : matches).push(e.resource);
    }
    const next = (r.json.link || []).find((l) => l.relation === 'next');
    if (!next) break;
    if (page >= 50) {
      problems.push(`${type}: more than 50 pages`);
      break;
    }
    r = await server.request({ path: new URL(next.url).pathname + new URL(next.url).search, auth });
  }
  return { matches, included, problems };
}

const ids = (rs) => rs.map((x) => x.id).sort();

/** The fixture resources of type that satisfy every search pair (the expected answer). */
function expected(group, type, pairs) {
  const byName = new Map(group.params.map((p) => [p.name, p]));
  return fixtures.filter((r) => r.resourceType === type && pairs.every(([k, v]) => {
    if (k.startsWith('_') && k !== '_id') return true;
    return paramMatches(r, byName.get(k), v);
  }));
}

function patientOf(group, r) {
  const p = group.params.find((x) => x.name === 'patient');
  if (!p) return null;
  for (const v of p.paths.flatMap((x) => valuesAt(r, x))) {
    const m = /^Patient\/(.+)$/.exec(v.reference || '');
    if (m) return m[1];
  }
  return null;
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/** The kit's way of choosing a search value from a resource it found (S-1); null if none. */
function valueFor(group, param, r, patientId, { system = false } = {}) {
  if (param.name === 'patient') return patientId;
  if (param.name === '_id') return r.id;
  const vals = param.paths.flatMap((p) => valuesAt(r, p));
  if (!vals.length) return null;
  const v = vals[0];
  if (param.type === 'Reference') return v.reference ?? null;
  if (isDateParam(param)) {
    if (typeof v === 'string') return v;
    if (!v.start) return null;
    // A Period within its start day is found by that day; a longer one
    // (occupation, average blood pressure) cannot equal any day (FHIR range
    // semantics), so ge its start day.
    const day = v.start.slice(0, 10);
    return paramMatches(r, param, day) ? day : `ge${day}`;
  }
  if (isStringParam(param)) {
    if (typeof v === 'string') return v;
    return v.family || v.city || v.line?.[0] || null;
  }
  // tokens: prefer the kit's fixed values that this resource carries
  const codings = vals.flatMap((x) => (typeof x === 'string' ? [{ code: x }]
    : x.coding ? x.coding : 'value' in x ? [{ system: x.system, code: x.value }] : [x]));
  const c = codings.find((x) => param.values.includes(x.code)) || codings[0];
  if (!c?.code) return null;
  return system && c.system ? `${c.system}|${c.code}` : c.code;
}

/** For every SHALL combination and every patient with data: the pairs of the first search. */
function plan(group) {
  const type = group.resource;
  const targets = fixtures.filter((r) => r.resourceType === type && r.meta?.profile?.some((u) => u.split('|')[0] === group.profile));
  const runs = [];
  for (const combo of group.searches) {
    const names = combo;
    const params = names.map((n) => group.params.find((p) => p.name === n));
    const seen = new Set();
    for (const r of targets) {
      const pid = group.delayed ? null : patientOf(group, r);
      if (seen.has(pid)) continue;
      const pairs = params.map((p) => [p.name, valueFor(group, p, r, pid)]);
      if (pairs.some(([, v]) => v === null)) continue;
      // A Period searched by its start day matches only within that day: take
      // a resource its own values find (the kit takes values from results).
      if (!params.every((p, i) => p.name === 'patient' || paramMatches(r, p, pairs[i][1]))) continue;
      seen.add(pid);
      runs.push({ combo: names.join('+'), pairs, params, resource: r, patient: pid });
    }
  }
  return { targets, runs };
}

function compare(label, got, want, problems) {
  const g = ids(got), w = ids(want);
  if (JSON.stringify(g) !== JSON.stringify(w)) {
    problems.push(`${label}: got [${g.join(', ')}], want [${w.join(', ')}]`);
  }
}

async function checkRun(group, run, problems, { full }) {
  const type = group.resource;
  const label = (pairs) => `${type}?${enc(pairs)}`;
  const base = await search(type, run.pairs);
  problems.push(...base.problems);
  if (base.matches.length === 0) problems.push(`${label(run.pairs)}: no results (S-2 needs data)`);
  compare(label(run.pairs), base.matches, expected(group, type, run.pairs), problems);
  if (!full) return base;

  // S-3 POST _search
  const post = await search(type, run.pairs, { post: true });
  problems.push(...post.problems);
  compare(`POST ${label(run.pairs)}`, post.matches, base.matches, problems);
  // S-4 patient=Patient/id
  if (run.patient) {
    const ref = run.pairs.map(([k, v]) => [k, k === 'patient' ? `Patient/${v}` : v]);
    const r = await search(type, ref);
    problems.push(...r.problems);
    compare(label(ref), r.matches, base.matches, problems);
  }
  for (const p of run.params) {
    // S-5 system|code
    if (!isDateParam(p) && !isStringParam(p) && p.type !== 'Reference' && p.name !== '_id') {
      const sc = valueFor(group, p, run.resource, run.patient, { system: true });
      if (sc && sc.includes('|')) {
        const pairs = run.pairs.map(([k, v]) => [k, k === p.name ? sc : v]);
        const r = await search(type, pairs);
        problems.push(...r.problems);
        if (!r.matches.length) problems.push(`${label(pairs)}: system|code gave no results`);
        compare(label(pairs), r.matches, expected(group, type, pairs), problems);
      }
    }
    // S-6 comparators
    if (isDateParam(p)) {
      const v = run.pairs.find(([k]) => k === p.name)[1].replace(/^[a-z]{2}/, '');
      const [lo] = valueRange(v);
      for (const c of ['gt', 'ge', 'lt', 'le']) {
        if (!p.comparators.includes(c)) continue;
        const when = c[0] === 'g' ? iso(lo - DAY) : iso(lo + DAY);
        const pairs = run.pairs.map(([k, x]) => [k, k === p.name ? `${c}${when}` : x]);
        const r = await search(type, pairs);
        problems.push(...r.problems);
        if (!r.matches.some((x) => x.id === run.resource.id)) problems.push(`${label(pairs)}: misses ${type}/${run.resource.id}`);
        compare(label(pairs), r.matches, expected(group, type, pairs), problems);
      }
    }
    // S-7 comma OR over the kit's values
    if (p.multipleOr && p.values.length) {
      const pairs = run.pairs.map(([k, x]) => [k, k === p.name ? p.values.join(',') : x]);
      const r = await search(type, pairs);
      problems.push(...r.problems);
      compare(label(pairs), r.matches, expected(group, type, pairs), problems);
    }
  }
  // S-11 read
  for (const m of base.matches) {
    const r = await server.request({ path: `/fhir/${type}/${m.id}` });
    if (r.status !== 200 || r.json?.resourceType !== type || r.json?.id !== m.id) problems.push(`read ${type}/${m.id}: ${r.status}`);
  }
  return base;
}

async function checkIncludes(group, run, problems) {
  const type = group.resource;
  for (const rev of group.revincludes) {
    const pairs = [...run.pairs, ['_revinclude', rev]];
    const r = await search(type, pairs);
    problems.push(...r.problems);
    const provs = r.included.filter((x) => x.resourceType === 'Provenance');
    if (!provs.length) problems.push(`${type}?${enc(pairs)}: no Provenance (S-9)`);
    const keys = new Set(r.matches.map((x) => `${type}/${x.id}`));
    for (const p of provs) {
      if (!p.target.some((t) => keys.has(t.reference))) problems.push(`Provenance/${p.id} targets none of the matches`);
    }
  }
  for (const inc of group.includes.filter((x) => x.endsWith(':medication'))) {
    // every value of the other parameters OR-ed: all the patient's requests
    const wide = run.pairs.map(([k, v]) => {
      const p = group.params.find((x) => x.name === k);
      return [k, k !== 'patient' && p?.values.length ? p.values.join(',') : v];
    });
    const pairs = [...wide, ['_include', inc]];
    const r = await search(type, pairs);
    problems.push(...r.problems);
    const refs = new Set(r.matches.map((x) => x.medicationReference?.reference).filter((x) => x && !x.startsWith('#')));
    const meds = r.included.filter((x) => x.resourceType === 'Medication');
    for (const m of meds) if (!refs.has(`Medication/${m.id}`)) problems.push(`included Medication/${m.id} is referenced by no match`);
    for (const ref of refs) if (!meds.some((m) => `Medication/${m.id}` === ref)) problems.push(`${type}?${enc(pairs)}: ${ref} not included (S-10)`);
    if (!meds.length) problems.push(`${type}?${enc(pairs)}: no Medication included (the fixtures name some)`);
  }
}

for (const group of kit.groups.filter((g) => g.required && g.searches.length)) {
  test(`US Core ${group.name}: required searches`, async () => {
    const { targets, runs } = plan(group);
    assert.ok(targets.length > 0, `no fixture resource claims ${group.profile}`);
    const problems = [];
    const combos = new Set(runs.map((r) => r.combo));
    for (const s of group.searches) {
      if (!combos.has(s.join('+'))) problems.push(`no fixture gives values for ${s.join('+')}`);
    }
    const fullDone = new Set();
    let firstRun = null;
    for (const run of runs) {
      const full = !fullDone.has(run.combo);
      fullDone.add(run.combo);
      await checkRun(group, run, problems, { full });
      firstRun ??= run;
    }
    if (firstRun) await checkIncludes(group, firstRun, problems);
    assert.deepEqual(problems, []);
  });
}

test('S-8: a search the server refuses is a 400 with an OperationOutcome', async () => {
  const r = await server.request({ path: '/fhir/Observation?patient=amy&date=notadate' });
  assert.equal(r.status, 400);
  assert.equal(r.json?.resourceType, 'OperationOutcome');
});

test('M-1: every resource the searches returned validates with zero errors', async () => {
  assert.ok(returned.size > 100, `only ${returned.size} resources returned`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-val-'));
  try {
    const file = path.join(dir, 'returned.json');
    writeFileSync(file, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [...returned.values()].map((resource) => ({ resource })) }));
    const r = await runCli(['validate', '--json', file], { timeoutMs: 60000 });
    const reports = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(reports.length, returned.size, 'one report per resource');
    const bad = reports.filter((x) => x.errors > 0)
      .map((x) => `${x.resourceType}/${x.id}: ${JSON.stringify(x.outcome).slice(0, 400)}`);
    assert.deepEqual(bad, []);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// U-1: DocumentReference/$docref (fhir/docref.h says what the parameters mean here).
test('U-1: $docref returns the current documents, by date range, type, profile; GET and POST agree', async () => {
  const docs = fixtures.filter((r) => r.resourceType === 'DocumentReference' && r.subject?.reference === 'Patient/amy');
  const op = (q) => server.request({ path: `/fhir/DocumentReference/$docref?${q}` });
  const got = (r) => (r.json?.entry || []).map((e) => e.resource.id).sort();

  const current = await op('patient=amy');
  assert.equal(current.status, 200, current.text);
  assert.equal(current.json.type, 'searchset');
  // the newest of each type (Amy has one per type)
  const newest = new Map();
  for (const d of docs) {
    const k = `${d.type.coding[0].system}|${d.type.coding[0].code}`;
    if (!newest.has(k) || newest.get(k).date < d.date) newest.set(k, d);
  }
  assert.deepEqual(got(current), [...newest.values()].map((d) => d.id).sort());

  const d0 = docs.find((d) => d.context?.period?.start);
  const day = d0.context.period.start.slice(0, 10);
  const ranged = await op(`patient=amy&start=${day}&end=${day}T23:59:59Z`);
  assert.equal(ranged.status, 200, ranged.text);
  const want = docs.filter((d) => d.context?.period && d.context.period.start.slice(0, 10) <= day && (d.context.period.end || d.context.period.start).slice(0, 10) >= day).map((d) => d.id).sort();
  assert.ok(want.includes(d0.id));
  assert.deepEqual(got(ranged), want);

  const c = d0.type.coding[0];
  const typed = await op(`patient=amy&type=${encodeURIComponent(`${c.system}|${c.code}`)}&start=1900-01-01`);
  assert.deepEqual(got(typed), docs.filter((d) => d.type.coding.some((x) => x.code === c.code)).map((d) => d.id).sort());
  const post = await server.request({
    method: 'POST', path: '/fhir/DocumentReference/$docref', headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'patient', valueId: 'amy' }, { name: 'type', valueCoding: c }, { name: 'start', valueDateTime: '1900-01-01' }] }),
  });
  assert.equal(post.status, 200, post.text);
  assert.deepEqual(got(post), got(typed));

  const profiled = await op(`patient=amy&profile=${encodeURIComponent('http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference')}`);
  assert.deepEqual(got(profiled), got(current));
  assert.deepEqual(got(await op('patient=amy&on-demand=true')), []);
  assert.deepEqual(got(await op('patient=nobody')), []);
  for (const q of ['', 'start=2024-01-01', 'patient=amy&start=notadate', 'patient=amy&on-demand=maybe']) {
    const bad = await op(q);
    assert.equal(bad.status, 400, q);
    assert.equal(bad.json?.resourceType, 'OperationOutcome', q);
  }
});

// C-1, C-2 and the US Core declarations of the CapabilityStatement, which
// @medplum/core must find valid FHIR R4.
test('CapabilityStatement: open, valid R4, US Core 7.0.0 server declarations', async () => {
  const r = await server.request({ path: '/fhir/metadata', auth: false });
  assert.equal(r.status, 200);
  const cs = r.json;
  assert.ok(cs.instantiates.includes('http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|7.0.0'));
  const byType = new Map(cs.rest[0].resource.map((x) => [x.type, x]));
  for (const g of kit.groups.filter((x) => x.required)) {
    assert.ok(byType.get(g.resource)?.supportedProfile?.some((p) => p.split('|')[0] === g.profile), `${g.profile} not listed`);
  }
  const exp = (o) => o.extension?.find((e) => e.url.endsWith('capabilitystatement-expectation'))?.valueCode;
  for (const c of kit.capability) {
    const res = byType.get(c.type);
    for (const p of c.params) assert.equal(exp(res.searchParam.find((x) => x.name === p.name) ?? {}), p.expectation, `${c.type} ${p.name}`);
    const combos = (res.extension || []).filter((e) => e.url.endsWith('search-parameter-combination'))
      .map((e) => `${exp(e)} ${e.extension.filter((x) => x.url === 'required').map((x) => x.valueString).join('+')}`);
    for (const k of c.combinations) assert.ok(combos.includes(`${k.expectation} ${k.params.join('+')}`), `${c.type} ${k.params.join('+')}`);
    for (const i of c.includes) assert.ok(res.searchInclude.includes(i), `${c.type} _include ${i}`);
    for (const i of c.revincludes) assert.ok(res.searchRevInclude.includes(i), `${c.type} _revinclude ${i}`);
  }
  const docref = byType.get('DocumentReference').operation.find((o) => o.name === 'docref');
  assert.equal(docref.definition, 'http://hl7.org/fhir/us/core/OperationDefinition/docref');
  assert.equal(exp(docref), 'SHALL');

  globalThis.WebSocket ??= class {};
  const core = await import('@medplum/core');
  const r4 = path.join(root, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');
  core.indexStructureDefinitionBundle(JSON.parse(readFileSync(path.join(r4, 'profiles-types.json'), 'utf8')));
  core.indexStructureDefinitionBundle(JSON.parse(readFileSync(path.join(r4, 'profiles-resources.json'), 'utf8')));
  let issues = [];
  try {
    issues = core.validateResource(cs) || [];
  } catch (e) {
    issues = e.outcome?.issue ?? [e.message];
  }
  assert.deepEqual(issues.filter((i) => i.severity === 'error' || typeof i === 'string'), []);
});

// G-2, G-3 (checklist §2.9): the Condition/Observation searches of the run
// above, replayed (GET and POST) with each of the kit's two granular-scope
// grants, return exactly the resource-level answer filtered by the granted
// categories: nothing outside them, nothing missing.
const GRANULAR_GROUPS = [
  ['http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
    'http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
    'http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
    'http://terminology.hl7.org/CodeSystem/observation-category|social-history'],
  ['http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
    'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
    'http://terminology.hl7.org/CodeSystem/observation-category|survey',
    'http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh'],
];
const GRANULAR_TYPE = (sysCode) => (sysCode.includes('condition-category') ? 'Condition' : 'Observation');

test('G-2, G-3: Condition and Observation searches replayed with granular scopes return exactly the granted categories', async () => {
  const problems = [];
  const tokens = new Map();
  let compared = 0, kept = 0, dropped = 0;
  const tokenFor = async (g, patient) => {
    const key = `${g}/${patient}`;
    if (!tokens.has(key)) {
      const scope = ['launch/patient', 'patient/Patient.rs',
        ...GRANULAR_GROUPS[g].map((c) => `patient/${GRANULAR_TYPE(c)}.rs?category=${c}`)].join(' ');
      tokens.set(key, await server.token({ scope, patient }));
    }
    return tokens.get(key);
  };
  const granted = (g, r) => GRANULAR_GROUPS[g].some((sc) => {
    const [system, code] = sc.split('|');
    return GRANULAR_TYPE(sc) === r.resourceType
      && (r.category ?? []).flat().some((cc) => (cc.coding ?? []).some((c) => c.system === system && c.code === code));
  });
  for (const group of kit.groups.filter((x) => x.required && ['Condition', 'Observation'].includes(x.resource))) {
    const { runs } = plan(group);
    const done = new Set();
    for (const run of runs) {
      if (!run.patient || done.has(run.combo)) continue;
      done.add(run.combo);
      const full = await search(group.resource, run.pairs);
      problems.push(...full.problems);
      for (let g = 0; g < GRANULAR_GROUPS.length; g++) {
        const auth = await tokenFor(g, run.patient);
        const want = full.matches.filter((r) => granted(g, r));
        kept += want.length;
        dropped += full.matches.length - want.length;
        for (const post of [false, true]) {
          const got = await search(group.resource, run.pairs, { post, auth });
          problems.push(...got.problems);
          const label = `${post ? 'POST ' : ''}${group.resource}?${enc(run.pairs)} with granular group ${g + 1}`;
          for (const r of [...got.matches, ...got.included]) {
            if ((r.resourceType === 'Condition' || r.resourceType === 'Observation') && !granted(g, r))
              problems.push(`${label}: ${r.resourceType}/${r.id} is outside the granted categories`);
          }
          compare(label, got.matches, want, problems);
          compared++;
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(compared >= 40, `only ${compared} replays`);
  assert.ok(kept > 0 && dropped > 0, `the replays must both keep (${kept}) and filter out (${dropped}) resources`);
});
