// portal-rules.mjs - issue 7's table: for each viewer × patient × resource
// class × access path (read, instance history, search, _revinclude, _include,
// totals, $everything whole and paged, bulk export), what a portal user's app
// sees through the FHIR API with real tokens, on both sides of a birthday and
// of an adult proxy's 5-year expiry.
//
// The fixtures are loaded on LOAD; Nora turns 13 and Owen 18 that day. Two
// servers share the record store and the auth database: one pinned a minute
// before midnight (BEFORE), one a minute after (AFTER). Every token is issued
// once, at ISSUE, and used against both: existing grants and tokens change
// view on the birthday without anyone touching the data.
//
// Expectations: VIEWS says which view each viewer has of each patient at each
// moment (portal-rules.md), CLASSES says what each resource is (limited-view
// class, confidential, unreleased result, old note), and `shows` derives
// visibility from those two, independently of the server's code.
//
// portalRules({upstream}) declares the suite against the embedded store
// (portal-rules.test.mjs) or, with upstream: true, with both servers in
// front of one upstream FHIR server (tests/upstream/, issue 8) loaded with
// the records the table names.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer, cliSync } from './server.mjs';
import { fixtureSubset, startUpstream } from '../../upstream/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', '..', 'fixtures');
const LOAD = '2026-11-23';
const ISSUE = '2026-11-22T23:30:00Z';
const MOMENTS = { before: '2026-11-22T23:59:00Z', after: '2026-11-23T00:01:00Z' };
const PASSWORD = 'Demo-pass-2026';
const SCOPE = 'launch/patient patient/*.rs openid fhirUser';

// The view of each (viewer account → patient) before and after midnight.
const VIEWS = [
  { user: 'danielshaw', patient: 'lily', before: 'full', after: 'full' },       // 8
  { user: 'danielshaw', patient: 'max', before: 'limited', after: 'limited' },  // 15
  { user: 'danielshaw', patient: 'nora', before: 'full', after: 'limited' },    // turns 13
  { user: 'danielshaw', patient: 'owen', before: 'limited', after: 'none' },    // turns 18
  { user: 'danielshaw', patient: 'daniel', before: 'self', after: 'self' },
  { user: 'amysample', patient: 'daniel', before: 'full', after: 'none' },      // adult proxy, 5 years
  { user: 'maxsample', patient: 'max', before: 'self', after: 'self' },         // the teen's own sign-in
  { user: 'norasample', patient: 'nora', before: 'none', after: 'self' },       // own account from 13
];

// Resource classes: ltd = in the limited (teen-proxy) view's classes,
// conf = labelled confidential, unrel = delayed-release result not yet released,
// old = clinical note older than 3 years.
const kid = (p) => [
  { key: 'patient', ref: `Patient/${p}`, ltd: true },
  { key: 'immunization', ref: `Immunization/${p}-imm-flu`, ltd: true },
  { key: 'allergy', ref: `AllergyIntolerance/${p}-allergy-penicillin`, ltd: true },
  { key: 'growth vital', ref: `Observation/${p}-height`, ltd: true },
  { key: 'other vital', ref: `Observation/${p}-hr` },
  { key: 'condition', ref: `Condition/${p}-cond-acne` },
  { key: 'booked visit', ref: `Encounter/${p}-enc-next`, ltd: true },
  { key: 'past visit', ref: `Encounter/${p}-enc-visit` },
  { key: 'confidential booked visit', ref: `Encounter/${p}-enc-counsel-next`, ltd: true, conf: true },
  { key: 'confidential visit', ref: `Encounter/${p}-enc-counsel`, conf: true },
  { key: 'confidential condition', ref: `Condition/${p}-cond-counsel`, conf: true },
  { key: 'unreleased pathology', ref: `DiagnosticReport/${p}-dr-path-new`, unrel: true },
  { key: 'unreleased pathology document', ref: `DocumentReference/${p}-doc-path-new`, unrel: true },
  { key: 'pathology after 4 days', ref: `DiagnosticReport/${p}-dr-path-old` },
  { key: 'released pathology', ref: `DiagnosticReport/${p}-dr-path-rel` },
  { key: 'recent note', ref: `DocumentReference/${p}-doc-note-recent` },
  { key: 'note of 4 years ago', ref: `DocumentReference/${p}-doc-note-old`, old: true },
  // a Binary follows its securityContext (the report's document); read only
  { key: 'unreleased pathology text', ref: `Binary/${p}-bin-path-new`, unrel: true, readOnly: true },
  { key: 'pathology text after 4 days', ref: `Binary/${p}-bin-path-old`, readOnly: true },
];
const CLASSES = {
  nora: kid('nora'),
  owen: kid('owen'),
  lily: [
    { key: 'patient', ref: 'Patient/lily', ltd: true },
    { key: 'immunization', ref: 'Immunization/lily-imm-flu', ltd: true },
    { key: 'head circumference', ref: 'Observation/lily-head-1', ltd: true },
    { key: 'condition', ref: 'Condition/lily-cond-otitis' },
    { key: 'prescription', ref: 'MedicationRequest/lily-mr-amoxicillin' },
  ],
  max: [
    { key: 'patient', ref: 'Patient/max', ltd: true },
    { key: 'immunization', ref: 'Immunization/max-imm-hpv-1', ltd: true },
    { key: 'allergy', ref: 'AllergyIntolerance/max-allergy-latex', ltd: true },
    { key: 'growth percentile', ref: 'Observation/max-bmi-pct-2', ltd: true },
    { key: 'blood pressure', ref: 'Observation/max-bp-2' },
    { key: 'past visit', ref: 'Encounter/max-enc-y15' },
    { key: 'confidential visit', ref: 'Encounter/max-enc-std', conf: true },
    { key: 'confidential diagnosis', ref: 'Condition/max-cond-chlamydia', conf: true },
    { key: 'confidential lab', ref: 'Observation/max-ct-naat', conf: true },
    { key: 'confidential report', ref: 'DiagnosticReport/max-dr-ct', conf: true },
    { key: 'confidential prescription', ref: 'MedicationRequest/max-mr-azithromycin', conf: true },
  ],
  daniel: [
    { key: 'patient', ref: 'Patient/daniel', ltd: true },
    { key: 'condition', ref: 'Condition/daniel-cond-hyperlipidemia' },
    { key: 'lab report', ref: 'DiagnosticReport/daniel-dr-lipid' },
    { key: 'recent note', ref: 'DocumentReference/daniel-doc-progress' },
    { key: 'note of 9 years ago', ref: 'DocumentReference/daniel-doc-imaging', old: true },
  ],
};

/** The oracle: does view v show resource class c? */
function shows(v, c) {
  if (v === 'none' || c.unrel || c.old) return false;
  if (v === 'limited') return !!c.ltd && !c.conf;
  return true;
}

const typeOf = (ref) => ref.split('/')[0];
const idOf = (ref) => ref.split('/')[1];
const refs = (bundle, mode) => (bundle.entry ?? [])
  .filter((e) => !mode || e.search?.mode === mode)
  .map((e) => `${e.resource.resourceType}/${e.resource.id}`);

const cli = (args, input) => cliSync(args, { input });

/** Declares the portal-rules table against the embedded store or, with upstream, an upstream FHIR server. */
export function portalRules({ upstream = false } = {}) {
  describe(upstream ? 'portal rules through the FHIR API (upstream mode)' : 'portal rules through the FHIR API', { concurrency: false }, () => {
    let dir, up;
    const srv = {};
    const tokens = new Map(); // "user→patient" → access token
    const totals = { n: 0 }; // searches that reported a total (checked against the matches)

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-portal-'));
      const db = path.join(dir, 'fhirgate.db');
      const authDb = path.join(dir, 'auth.db');
      if (upstream) up = await startUpstream();
      const target = upstream ? ['--upstream', up.fhirBase] : ['--db', db];
      const fixtures = upstream ? fixtureSubset(['amy', 'daniel', 'lily', 'max', 'nora', 'owen']) : fixturesDir;
      const seeded = await runCli(['seed', ...target, '--fixtures', fixtures, '--now', LOAD], { timeoutMs: 120000 });
      assert.equal(seeded.code, 0, seeded.stderr);
      const a = ['--auth-db', authDb];
      for (const [user, patient] of [['danielshaw', 'daniel'], ['amysample', 'amy'], ['maxsample', 'max'], ['norasample', 'nora']])
        cli(['account', 'add', ...a, '--now', '2026-01-01', '--user', user, '--patient', patient, '--password-stdin'], `${PASSWORD}\n`);
      for (const p of ['lily', 'max', 'nora', 'owen'])
        cli(['account', 'proxy', 'add', ...a, '--now', '2026-01-01', '--user', 'danielshaw', '--patient', p, '--kind', 'parent']);
      // an adult proxy started exactly 5 years before the load day: it expires at midnight
      cli(['account', 'proxy', 'add', ...a, '--now', '2021-11-23', '--start', '2021-11-23', '--user', 'amysample',
        '--patient', 'daniel', '--kind', 'adult']);
      const store = upstream ? { args: target } : { db };
      srv.before = await startServer({ ...store, authDb, now: MOMENTS.before });
      srv.after = await startServer({ ...store, authDb, now: MOMENTS.after });
      const app = JSON.parse(cli(['client', 'add', ...a, '--name', 'Family app', '--redirect-uri', 'https://app.example/cb',
        '--type', 'public', '--scope', SCOPE]));
      for (const v of VIEWS) {
        const t = await srv.before.tokenResponse({ client: app.client_id, user: v.user, patient: v.patient, scope: SCOPE, now: ISSUE });
        tokens.set(`${v.user}→${v.patient}`, t.access_token);
      }
    });
    after(async () => {
      for (const s of Object.values(srv)) {
        const stop = await s.stop();
        assert.ok(stop.exitedZero, s.stderr().slice(-2000));
      }
      await up?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const get = (moment, p, token) => srv[moment].request({ path: `/fhir/${p}`, auth: token }).then((r) => ({
      ...r, json: r.text && r.headers['content-type']?.includes('json') ? JSON.parse(r.text) : null,
    }));

    it('the fixtures hold what each rule hides (the operator sees all of it)', async () => {
      for (const list of Object.values(CLASSES)) {
        for (const c of list) {
          const r = await get('after', c.ref);
          assert.equal(r.status, 200, `${c.ref}: ${r.text.slice(0, 200)}`);
        }
      }
      const views = new Set(VIEWS.flatMap((v) => [v.before, v.after]));
      assert.deepEqual([...views].sort(), ['full', 'limited', 'none', 'self']);
    });

    for (const v of VIEWS) {
      for (const moment of Object.keys(MOMENTS)) {
        const view = v[moment];
        const classes = CLASSES[v.patient];
        const label = `${v.user} → ${v.patient} ${moment} midnight (${view})`;
        const token = () => tokens.get(`${v.user}→${v.patient}`);
        const hidden = () => classes.filter((c) => !shows(view, c));

        /** No response may carry a hidden resource itself, nor a reference to a confidential one. */
        const assertNoLeak = (r, what) => {
          for (const c of hidden()) {
            assert.ok(!r.text.includes(`"id":"${idOf(c.ref)}"`), `${label}: ${what} carries ${c.ref}`);
            if (c.conf) assert.ok(!r.text.includes(`${c.ref}"`), `${label}: ${what} refers to ${c.ref}`);
          }
        };

        // bulk export is tested against the embedded store (gateway/bulk*.c)
        if (!upstream) it(`${label}: bulk export (Patient/$export)`, async () => {
          const k = await srv[moment].request({ path: '/fhir/Patient/$export', auth: token(), headers: { Prefer: 'respond-async' } });
          if (view === 'none') {
            assert.equal(k.status, 403, `${label}: ${k.text.slice(0, 200)}`);
            return;
          }
          assert.equal(k.status, 202, `${label}: ${k.text.slice(0, 200)}`);
          const status = new URL(k.headers['content-location']).pathname;
          let m;
          for (let i = 0; i < 200 && m?.status !== 200; i++) {
            if (i) await new Promise((res) => setTimeout(res, 50));
            m = await srv[moment].request({ path: status, auth: token() });
          }
          assert.equal(m.status, 200, `${label}: ${m.text.slice(0, 200)}`);
          let text = '';
          for (const o of JSON.parse(m.text).output)
            text += (await srv[moment].request({ path: new URL(o.url).pathname, auth: token() })).text;
          const got = new Set(text.split('\n').filter((l) => l).map((l) => { const r = JSON.parse(l); return `${r.resourceType}/${r.id}`; }));
          for (const c of classes.filter((x) => !x.readOnly))
            assert.equal(got.has(c.ref), shows(view, c), `${label}: $export and ${c.key} ${c.ref}`);
          assertNoLeak({ text }, '$export');
        });

        if (view === 'none') {
          it(`${label}: every request is refused (403), nothing leaks`, async () => {
            for (const p of [`Patient/${v.patient}`, `Patient/${v.patient}/$everything`,
              ...classes.map((c) => (c.readOnly ? c.ref : `${typeOf(c.ref)}?patient=${v.patient}`))]) {
              const r = await get(moment, p, token());
              assert.equal(r.status, 403, `${label}: ${p}: ${r.text.slice(0, 200)}`);
              assertNoLeak(r, p);
            }
          });
          continue;
        }

        it(`${label}: read and instance history`, async () => {
          for (const c of classes) {
            const want = shows(view, c);
            const r = await get(moment, c.ref, token());
            assert.equal(r.status, want ? 200 : 404, `${label}: read ${c.key} ${c.ref}: ${r.text.slice(0, 200)}`);
            assertNoLeak(r, `read ${c.ref}`);
            const h = await get(moment, `${c.ref}/_history`, token());
            assert.equal(h.status, want ? 200 : 404, `${label}: history ${c.key}: ${h.text.slice(0, 200)}`);
            if (want) assert.ok(refs(h.json).includes(c.ref), `${label}: history ${c.ref}`);
            assertNoLeak(h, `history ${c.ref}`);
          }
        });

        it(`${label}: search and totals`, async () => {
          for (const type of new Set(classes.filter((c) => !c.readOnly).map((c) => typeOf(c.ref)))) {
            const q = type === 'Patient' ? `Patient?_id=${v.patient}` : `${type}?patient=${v.patient}`;
            const r = await get(moment, `${q}&_count=1000&_total=accurate`, token());
            assert.equal(r.status, 200, `${label}: ${q}: ${r.text.slice(0, 200)}`);
            const got = refs(r.json, 'match');
            for (const c of classes.filter((x) => typeOf(x.ref) === type))
              assert.equal(got.includes(c.ref), shows(view, c), `${label}: ${q} and ${c.key} ${c.ref}`);
            // narrowed in the store (exact): a total; filtered by the release and note rules: none
            const filtered = ['Observation', 'DiagnosticReport', 'DocumentReference'].includes(type);
            assert.equal(r.json.total === undefined, filtered, `${label}: ${q} total ${r.json.total}`);
            if (r.json.total !== undefined) {
              assert.equal(r.json.total, got.length, `${label}: ${q} total`);
              totals.n++;
            }
            assertNoLeak(r, q);
          }
        });

        it(`${label}: $everything`, async () => {
          const r = await get(moment, `Patient/${v.patient}/$everything?_count=1000`, token());
          assert.equal(r.status, 200, `${label}: ${r.text.slice(0, 200)}`);
          const got = refs(r.json);
          for (const c of classes.filter((x) => !x.readOnly)) // Binary: reached by url, not in $everything
            assert.equal(got.includes(c.ref), shows(view, c), `${label}: $everything and ${c.key} ${c.ref}`);
          assertNoLeak(r, '$everything');
          // paged: the same, a few at a time
          const paged = [];
          let page = await get(moment, `Patient/${v.patient}/$everything?_count=3`, token());
          for (let i = 0; i < 200; i++) {
            assert.equal(page.status, 200, page.text.slice(0, 200));
            assertNoLeak(page, '$everything page');
            paged.push(...refs(page.json, 'match'));
            const next = page.json.link.find((l) => l.relation === 'next');
            if (!next) break;
            page = await srv[moment].request({ path: new URL(next.url).pathname + new URL(next.url).search, auth: token() });
          }
          assert.deepEqual(paged.sort(), refs(r.json, 'match').sort(), `${label}: $everything pages`);
        });

        it(`${label}: _revinclude and _include`, async () => {
          const types = [...new Set(classes.filter((c) => !c.readOnly).map((c) => typeOf(c.ref)))].filter((t) => t !== 'Patient');
          const q = `Patient?_id=${v.patient}&${types.map((t) => `_revinclude=${t}:patient`).join('&')}&_count=1000`;
          const r = await get(moment, q, token());
          assert.equal(r.status, 200, `${label}: ${r.text.slice(0, 200)}`);
          const inc = refs(r.json, 'include');
          for (const c of classes.filter((x) => typeOf(x.ref) !== 'Patient' && !x.readOnly))
            assert.equal(inc.includes(c.ref), shows(view, c), `${label}: _revinclude and ${c.key} ${c.ref}`);
          assertNoLeak(r, '_revinclude');
          const visit = classes.find((c) => c.key === 'past visit');
          const growth = classes.find((c) => c.key === 'growth vital');
          if (visit && growth) {
            // the height was measured at the past visit: the visit comes along only when visible
            const i = await get(moment, `Observation?_id=${idOf(growth.ref)}&_include=Observation:encounter`, token());
            assert.equal(i.status, 200, i.text.slice(0, 200));
            assert.equal(refs(i.json, 'include').includes(visit.ref), shows(view, visit), `${label}: _include ${visit.ref}`);
            assertNoLeak(i, '_include');
          }
        });
      }
    }

    it('searches that could be narrowed in the store report their totals', () => {
      assert.ok(totals.n > 0, 'no search reported a total');
    });

    it('a teen proxy may not write outside the limited classes', async () => {
      const t = (await srv.before.tokenResponse({
        user: 'danielshaw', patient: 'max', scope: 'launch/patient patient/*.cruds', now: MOMENTS.before,
      })).access_token;
      const post = (body) => srv.before.request({
        method: 'POST', path: `/fhir/${body.resourceType}`, auth: t,
        headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body),
      });
      const cond = await post({ resourceType: 'Condition', subject: { reference: 'Patient/max' },
        code: { text: 'Written by a proxy' } });
      assert.equal(cond.status, 403, cond.text.slice(0, 300));
      const conf = await post({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/max' },
        meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
        code: { text: 'Confidential allergy written by a proxy' } });
      assert.equal(conf.status, 403, conf.text.slice(0, 300));
    });
  });
}
