// upstream.test.mjs - upstream mode: fhirgate in front of a FHIR server we
// did not write (@medplum/fhir-router over its in-memory repository, run by
// tests/upstream/server.mjs under Node 22), loaded with a subset of the
// fixtures through `fhirgate seed --upstream`. Reads, vread, history,
// searches with paging and includes, writes and transactions go through
// the gateway; failures (down, slow, garbage, 5xx), GET-only retries, the
// three upstream authentication modes, and that an app's token never
// reaches the upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { startServer, runCli } from './lib/server.mjs';
import { startUpstream, fixtureSubset } from '../upstream/lib.mjs';

const NOW = '2026-11-23';
const FHIR = { 'Content-Type': 'application/fhir+json' };

async function seed(up) {
  const r = await runCli(['seed', '--upstream', up.fhirBase, '--fixtures', fixtureSubset(['amy', 'max']), '--now', NOW], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /seed: [1-9]\d* files, [1-9]\d* resources \(/);
}

/** Follows next links from a first page; returns every entry seen and the pages. */
async function allPages(gw, first) {
  const pages = [];
  let url = first;
  while (url && pages.length < 50) {
    const r = await gw.request({ path: url.replace(gw.base, '') });
    assert.equal(r.status, 200, r.text);
    pages.push(r.json);
    url = r.json.link?.find((l) => l.relation === 'next')?.url;
  }
  return pages;
}

describe('upstream mode: interactions', () => {
  let up;
  let gw;
  before(async () => {
    up = await startUpstream();
    await seed(up);
    gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase] });
  });
  after(async () => {
    const stopped = await gw?.stop();
    gw?.cleanup();
    await up?.stop();
    assert.ok(stopped?.exitedZero, `gateway exit: ${JSON.stringify(stopped)}\n${gw?.stderr().slice(-2000)}`);
  });

  it('reads the upstream resource as it is, with its version as ETag, and answers 304', async () => {
    const direct = await up.get('/fhir/Patient/amy');
    const r = await gw.request({ path: '/fhir/Patient/amy' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, direct.json);
    const vid = direct.json.meta.versionId;
    assert.equal(r.headers.etag, `W/"${vid}"`);
    const nm = await gw.request({ path: '/fhir/Patient/amy', headers: { 'If-None-Match': `W/"${vid}"` } });
    assert.equal(nm.status, 304);
    const v = await gw.request({ path: `/fhir/Patient/amy/_history/${vid}` });
    assert.equal(v.status, 200);
    assert.equal(v.json.id, 'amy');
    const h = await gw.request({ path: '/fhir/Patient/amy/_history' });
    assert.equal(h.status, 200);
    assert.equal(h.json.type, 'history');
    assert.equal(h.json.entry[0].resource.meta.versionId, vid);
    assert.equal(h.json.entry[0].fullUrl, `${gw.fhirBase}/Patient/amy`);
    assert.equal((await gw.request({ path: '/fhir/Patient/nobody' })).status, 404);
    assert.equal((await gw.request({ path: '/fhir/Patient/amy/_history/no-such-version' })).status, 404);
  });

  it('pages through a search with links on the gateway base and finds what the upstream has', async () => {
    const direct = await up.get('/fhir/Observation?subject=Patient/amy&category=vital-signs&_count=1000');
    const want = direct.json.entry.map((e) => e.resource.id).sort();
    assert.ok(want.length > 12, `only ${want.length} vital signs upstream`);
    const pages = await allPages(gw, `${gw.fhirBase}/Observation?subject=Patient/amy&category=vital-signs&_count=5`);
    assert.equal(pages.length, Math.ceil(want.length / 5));
    const got = pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.id));
    assert.deepEqual([...got].sort(), want);
    assert.equal(new Set(got).size, got.length, 'no entry twice');
    for (const p of pages) {
      for (const l of p.link) assert.ok(l.url.startsWith(`${gw.fhirBase}/Observation?`), l.url);
      assert.ok(!JSON.stringify(p).includes(up.base), 'the upstream address never shows');
      assert.equal(p.total, want.length);
    }
    const second = pages[1].link.find((l) => l.relation === 'previous');
    assert.ok(second, 'page 2 links back');
  });

  it('answers _include with the included resources, marked include', async () => {
    const r = await gw.request({ path: '/fhir/Observation?subject=Patient/amy&category=vital-signs&_count=3&_include=Observation:subject' });
    assert.equal(r.status, 200);
    const modes = r.json.entry.map((e) => `${e.search.mode}:${e.resource.resourceType}`);
    assert.deepEqual(modes.filter((m) => m.startsWith('match')).length, 3);
    assert.ok(modes.includes('include:Patient'), modes.join());
  });

  it('refuses a cursor that carries a filter or a _count instead of paging state', async () => {
    for (const c of ['subject%3DPatient%2Fmax', '_count%3D1000', '_include%3DObservation%3Asubject', 'x%3D%22%3E']) {
      const r = await gw.request({ path: `/fhir/Observation?subject=Patient/amy&_cursor=${c}` });
      assert.equal(r.status, 400, c);
      assert.equal(r.json.issue[0].expression[0], '_cursor');
    }
  });

  it('creates, updates with If-Match, deletes, and refuses a stale If-Match', async () => {
    const c = await gw.request({ method: 'POST', path: '/fhir/Observation', headers: FHIR,
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'gw-upstream' }, subject: { reference: 'Patient/amy' } }) });
    assert.equal(c.status, 201, c.text);
    const id = c.json.id;
    assert.ok(c.headers.location.startsWith(`${gw.fhirBase}/Observation/${id}/_history/`));
    const direct = await up.get(`/fhir/Observation/${id}`);
    assert.equal(direct.json.code.text, 'gw-upstream');
    const stale = await gw.request({ method: 'PUT', path: `/fhir/Observation/${id}`, headers: { ...FHIR, 'If-Match': 'W/"not-the-version"' },
      body: JSON.stringify({ ...direct.json, status: 'amended' }) });
    assert.equal(stale.status, 412, stale.text);
    const u = await gw.request({ method: 'PUT', path: `/fhir/Observation/${id}`, headers: { ...FHIR, 'If-Match': c.headers.etag },
      body: JSON.stringify({ ...direct.json, status: 'amended' }) });
    assert.equal(u.status, 200, u.text);
    assert.notEqual(u.headers.etag, c.headers.etag);
    assert.equal((await up.get(`/fhir/Observation/${id}`)).json.status, 'amended');
    const d = await gw.request({ method: 'DELETE', path: `/fhir/Observation/${id}` });
    assert.equal(d.status, 200);
    assert.notEqual((await up.get(`/fhir/Observation/${id}`)).status, 200);
    assert.equal((await gw.request({ method: 'DELETE', path: `/fhir/Observation/${id}` })).status, 204);
  });

  it('answers _revinclude, and a conditional create finds the existing resource', async () => {
    const r = await gw.request({ path: '/fhir/Patient?_id=max&_revinclude=AllergyIntolerance:patient' });
    assert.equal(r.status, 200, r.text);
    const inc = r.json.entry.filter((e) => e.search.mode === 'include').map((e) => e.resource);
    assert.ok(inc.length >= 1 && inc.every((x) => x.resourceType === 'AllergyIntolerance' && x.patient.reference === 'Patient/max'));
    const body = JSON.stringify({ resourceType: 'Patient', identifier: [{ system: 'urn:fhirgate:test', value: 'cc-1' }], name: [{ family: 'Upstreamcc' }], gender: 'unknown' });
    const h = { ...FHIR, 'If-None-Exist': 'identifier=urn:fhirgate:test|cc-1' };
    const first = await gw.request({ method: 'POST', path: '/fhir/Patient', headers: h, body });
    assert.equal(first.status, 201, first.text);
    const again = await gw.request({ method: 'POST', path: '/fhir/Patient', headers: h, body });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.id, first.json.id);
  });

  it('runs a batch entry by entry, each through the upstream', async () => {
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [
      { request: { method: 'GET', url: 'Patient/amy' } },
      { request: { method: 'GET', url: 'Patient/nobody-here' } },
      { request: { method: 'GET', url: 'Observation?subject=Patient/max&_count=2' } },
    ] };
    const r = await gw.request({ method: 'POST', path: '/fhir', headers: FHIR, body: JSON.stringify(bundle) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.entry.map((e) => e.response.status.slice(0, 3)), ['200', '404', '200']);
    assert.equal(r.json.entry[0].resource.id, 'amy');
    assert.equal(r.json.entry[2].resource.type, 'searchset');
    assert.equal(r.json.entry[2].resource.entry.length, 2);
  });

  it('sends a transaction as one transaction with the references resolved', async () => {
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:6a1c9d2e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', identifier: [{ system: 'urn:fhirgate:test', value: 'tx-1' }], name: [{ family: 'Upstreamtx' }], gender: 'unknown' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'tx' }, subject: { reference: 'urn:uuid:6a1c9d2e-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
    ] };
    await up.reset();
    const r = await gw.request({ method: 'POST', path: '/fhir', headers: FHIR, body: JSON.stringify(bundle) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.type, 'transaction-response');
    const posts = (await up.requests()).filter((q) => q.method !== 'GET');
    assert.deepEqual(posts.map((q) => `${q.method} ${q.url}`), ['POST /fhir'], 'one transaction upstream');
    const pid = r.json.entry[0].response.location.split('/')[5];
    const oid = r.json.entry[1].response.location.split('/')[5];
    const obs = await up.get(`/fhir/Observation/${oid}`);
    assert.equal(obs.json.subject.reference, `Patient/${pid}`);
    assert.equal((await up.get(`/fhir/Patient/${pid}`)).json.name[0].family, 'Upstreamtx');
  });

  it('pages a history through the upstream\'s own links, sealed to the request', async () => {
    const obs = { resourceType: 'Observation', status: 'preliminary', code: { text: 'paged history' }, subject: { reference: 'Patient/amy' } };
    const c = await gw.request({ method: 'POST', path: '/fhir/Observation', headers: FHIR, body: JSON.stringify(obs) });
    assert.equal(c.status, 201, c.text);
    const id = c.json.id;
    for (const status of ['final', 'amended', 'corrected', 'final']) {
      const u = await gw.request({ method: 'PUT', path: `/fhir/Observation/${id}`, headers: FHIR, body: JSON.stringify({ ...obs, id, status }) });
      assert.equal(u.status, 200, u.text);
    }
    const direct = (await up.get(`/fhir/Observation/${id}/_history`)).json.entry.map((e) => e.resource.meta.versionId);
    assert.equal(direct.length, 5);
    await up.reset();
    const pages = await allPages(gw, `${gw.fhirBase}/Observation/${id}/_history?_count=2`);
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.flatMap((p) => p.entry.map((e) => e.resource.meta.versionId)), direct, 'every version once, in the upstream\'s order');
    for (const p of pages) for (const l of p.link) assert.ok(l.url.startsWith(`${gw.fhirBase}/Observation/${id}/_history?`), l.url);
    const prev = pages[2].link.find((l) => l.relation === 'previous').url;
    const back = await gw.request({ path: prev.replace(gw.base, '') });
    assert.deepEqual(back.json.entry.map((e) => e.resource.id), [id, id]);
    // the gateway asked only for this history, page by page, on the upstream's base
    const asked = (await up.requests()).map((q) => q.url);
    assert.ok(asked.every((u) => u.startsWith(`/fhir/Observation/${id}/_history?_count=2`)), asked.join('\n'));
    const next = new URL(pages[0].link.find((l) => l.relation === 'next').url);
    const sealed = next.searchParams.get('_page');
    assert.match(sealed, /^o_offset=2~[0-9a-f]{32}$/);
    const refused = [
      [`Observation/${id}/_history?_count=2&_page=${encodeURIComponent(sealed.replace('_offset=2', '_offset=0'))}`, 'state changed'],
      [`Observation/${id}/_history?_count=3&_page=${encodeURIComponent(sealed)}`, 'another _count'],
      [`Patient/amy/_history?_count=2&_page=${encodeURIComponent(sealed)}`, 'another resource'],
      [`Observation/${id}/_history?_count=2&_page=${encodeURIComponent('o_offset=2')}`, 'unsealed'],
      [`Observation/${id}/_history?_count=2&_page=n1700000000000000~1~Observation~${id}`, 'an embedded-store key'],
    ];
    for (const [p, why] of refused) {
      const r = await gw.request({ path: `/fhir/${p}` });
      assert.equal(r.status, 400, `${why}: ${r.text}`);
      assert.equal(r.json.issue[0].expression[0], '_page', why);
    }
  });

  it('refuses a search cursor on another search than the one that gave it', async () => {
    // (the page size is not part of it: a position holds at any _count)
    const first = await gw.request({ path: '/fhir/Observation?subject=Patient/amy&category=vital-signs&_count=5' });
    const next = new URL(first.json.link.find((l) => l.relation === 'next').url);
    const cursor = next.searchParams.get('_cursor');
    assert.equal((await gw.request({ path: next.href.replace(gw.base, '') })).status, 200);
    for (const q of ['subject=Patient/amy&category=laboratory&_count=5', 'subject=Patient/max&category=vital-signs&_count=5',
      'subject=Patient/amy&category=vital-signs&status=final&_count=5']) {
      const r = await gw.request({ path: `/fhir/Observation?${q}&_cursor=${encodeURIComponent(cursor)}` });
      assert.equal(r.status, 400, `${q}: ${r.text}`);
      assert.equal(r.json.issue[0].expression[0], '_cursor');
    }
  });

  it('says clearly when the upstream cannot do type or system history', async () => {
    for (const p of ['/fhir/Patient/_history', '/fhir/_history']) {
      const r = await gw.request({ path: p });
      assert.equal(r.status, 400, `${p}: ${r.text}`);
      assert.equal(r.json.issue[0].code, 'not-supported');
      assert.match(r.json.issue[0].diagnostics, /upstream FHIR server does not support (type|system)-level history/);
    }
  });
});

describe('upstream mode: failures', () => {
  let up;
  let gw;
  before(async () => {
    up = await startUpstream();
    await seed(up);
    gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase, '--upstream-timeout-ms', '400', '--upstream-retries', '1'] });
  });
  after(async () => {
    const stopped = await gw?.stop();
    gw?.cleanup();
    await up?.stop();
    assert.ok(stopped?.exitedZero, `gateway exit: ${JSON.stringify(stopped)}\n${gw?.stderr().slice(-2000)}`);
  });

  const noInternals = (r) => {
    const text = JSON.stringify(r.json);
    assert.ok(!text.includes('127.0.0.1') && !text.includes(String(up.port)), text);
    assert.ok(!text.includes('stack trace') && !text.includes('repo.js'), text);
  };

  it('retries a GET after a 503 but never a POST', async () => {
    await up.reset();
    await up.mode({ failNext: 1 });
    const r = await gw.request({ path: '/fhir/Patient/amy' });
    assert.equal(r.status, 200);
    assert.equal((await up.requests()).filter((q) => q.url === '/fhir/Patient/amy').length, 2);
    await up.reset();
    await up.mode({ failNext: 1 });
    const c = await gw.request({ method: 'POST', path: '/fhir/Observation', headers: FHIR,
      body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'once' } }) });
    assert.equal(c.status, 502, c.text);
    assert.equal((await up.requests()).filter((q) => q.method === 'POST').length, 1);
    noInternals(c);
  });

  it('maps an upstream 500 to 502 without passing its diagnostics on', async () => {
    await up.mode({ status: 500 });
    const r = await gw.request({ path: '/fhir/Observation?subject=Patient/amy' });
    await up.mode({ status: 0 });
    assert.equal(r.status, 502);
    assert.equal(r.json.resourceType, 'OperationOutcome');
    assert.match(r.json.issue[0].diagnostics, /upstream FHIR server failed/);
    noInternals(r);
  });

  it('maps garbage to 502', async () => {
    await up.mode({ garbage: true });
    const r = await gw.request({ path: '/fhir/Patient/amy' });
    const s = await gw.request({ path: '/fhir/Observation?subject=Patient/amy' });
    await up.mode({ garbage: false });
    for (const x of [r, s]) {
      assert.equal(x.status, 502, x.text);
      assert.match(x.json.issue[0].diagnostics, /not FHIR JSON/);
      noInternals(x);
    }
  });

  it('maps every kind of garbage to 502 naming the problem, never the upstream\'s text', async () => {
    const bodies = [
      ['<html><body>Proxy error at 10.0.0.7</body></html>', 'Patient/amy', /not FHIR JSON/],
      ['', 'Patient/amy', /not FHIR JSON/],
      ['[1,2,3]', 'Patient/amy', /not FHIR JSON/],
      ['{"resourceType":"Observation","id":"other","status":"final"}', 'Patient/amy', /another (resource|type)/],
      ['{"resourceType":"Patient","id":"amy"}', 'Observation?subject=Patient/amy', /Bundle/],
      ['{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation"}}]}', 'Observation?subject=Patient/amy', /./],
      ['{"resourceType":"Bundle","type":"history","entry":"x"}', 'Patient/amy/_history', /Bundle/],
    ];
    for (const [body, p, why] of bodies) {
      await up.mode({ body });
      const r = await gw.request({ path: `/fhir/${p}` });
      await up.mode({ body: null });
      assert.equal(r.status, 502, `${body} for ${p}: ${r.text}`);
      assert.equal(r.json.resourceType, 'OperationOutcome');
      assert.match(r.json.issue[0].diagnostics, why, `${body}: ${r.json.issue[0].diagnostics}`);
      assert.ok(!r.text.includes('10.0.0.7') && !r.text.includes('"other"'), r.text);
      noInternals(r);
    }
  });

  it('maps a slow search to 504 too', async () => {
    await up.mode({ delayMs: 1500 });
    const r = await gw.request({ path: '/fhir/Observation?subject=Patient/amy&_count=5' });
    await up.mode({ delayMs: 0 });
    assert.equal(r.status, 504, r.text);
    assert.equal(r.json.issue[0].code, 'timeout');
    assert.match(r.json.issue[0].diagnostics, /upstream/);
    noInternals(r);
  });

  it('maps a slow upstream to 504 within the configured timeout', async () => {
    await up.mode({ delayMs: 1500 });
    const t0 = Date.now();
    const r = await gw.request({ path: '/fhir/Patient/amy' });
    const took = Date.now() - t0;
    await up.mode({ delayMs: 0 });
    assert.equal(r.status, 504, r.text);
    assert.equal(r.json.issue[0].code, 'timeout');
    assert.ok(took < 1400, `took ${took} ms`);
    noInternals(r);
  });

  it('refuses an answer whose self link shows the upstream ignored a filter', async () => {
    await up.mode({ ignoreParam: 'category' });
    const r = await gw.request({ path: '/fhir/Observation?subject=Patient/amy&category=vital-signs' });
    await up.mode({ ignoreParam: '' });
    assert.equal(r.status, 400, r.text.slice(0, 300));
    assert.equal(r.json.issue[0].code, 'not-supported');
    assert.match(r.json.issue[0].diagnostics, /does not support the search parameter category/);
    const ok = await gw.request({ path: '/fhir/Observation?subject=Patient/amy&category=vital-signs' });
    assert.equal(ok.status, 200);
  });

  it('drops the matches the upstream got wrong, leaving total out, and keeps the right ones', async () => {
    const q = 'Observation?subject=Patient/amy&category=vital-signs&_count=1000';
    const want = (await up.get(`/fhir/${q}`)).json.entry.map((e) => e.resource.id).sort();
    await up.mode({ mismatchParam: 'category' });
    try {
      // The upstream now answers as if category were not there, and says it used it.
      const wrong = (await up.get(`/fhir/${q}`)).json;
      assert.ok(wrong.entry.length > want.length, `${wrong.entry.length} vs ${want.length}`);
      assert.ok(wrong.link.find((l) => l.relation === 'self').url.includes('category='));
      const r = await gw.request({ path: `/fhir/${q}` });
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.deepEqual(r.json.entry.map((e) => e.resource.id).sort(), want);
      for (const e of r.json.entry) {
        const codes = e.resource.category.flatMap((c) => c.coding.map((x) => x.code));
        assert.ok(codes.includes('vital-signs'), JSON.stringify(codes));
      }
      assert.equal(r.json.total, undefined);
      // Paged: every page holds only true matches, together exactly the right ones.
      const pages = await allPages(gw, `${gw.fhirBase}/Observation?subject=Patient/amy&category=vital-signs&_count=10`);
      assert.ok(pages.length > 1);
      assert.deepEqual(pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.id)).sort(), want);
    } finally {
      await up.mode({ mismatchParam: '' });
    }
    // A right answer keeps its total.
    const ok = await gw.request({ path: `/fhir/${q}` });
    assert.equal(ok.json.total, want.length);
  });

  it('maps an upstream that is down to 502', async () => {
    await up.stop();
    const r = await gw.request({ path: '/fhir/Patient/amy' });
    assert.equal(r.status, 502, r.text);
    assert.match(r.json.issue[0].diagnostics, /cannot be reached/);
    noInternals(r);
    const h = await gw.request({ path: '/healthz' });
    assert.equal(h.status, 200, 'the gateway itself stays up');
  });
});

describe('upstream mode: authentication to the upstream', () => {
  it('sends a static bearer token, and never the app\'s', async () => {
    const up = await startUpstream(['--bearer', 'upstream-static-secret']);
    const gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase, '--upstream-auth', 'bearer'],
      env: { FHIRGATE_UPSTREAM_TOKEN: 'upstream-static-secret' } });
    // A real token of the gateway once /fhir enforces them (issue 3), else any.
    const app = gw.operatorToken ?? 'app-token-must-stay';
    try {
      const c = await gw.request({ method: 'PUT', path: '/fhir/Patient/bt1', headers: { ...FHIR, Authorization: `Bearer ${app}` },
        body: JSON.stringify({ resourceType: 'Patient', id: 'bt1', identifier: [{ system: 'urn:fhirgate:test', value: 'bt1' }], name: [{ family: 'Bt' }], gender: 'unknown' }) });
      assert.ok(c.status === 200 || c.status === 201, c.text);
      const r = await gw.request({ path: '/fhir/Patient/bt1', headers: { Authorization: `Bearer ${app}` } });
      assert.equal(r.status, 200, r.text);
      const seen = await up.requests();
      assert.ok(seen.length >= 2);
      for (const q of seen) {
        assert.equal(q.headers.authorization, 'Bearer upstream-static-secret');
        assert.ok(!JSON.stringify(q.headers).includes(app));
      }
      assert.ok(!gw.stdout().includes('upstream-static-secret') && !gw.stderr().includes('upstream-static-secret'), 'never logged');
    } finally {
      const stopped = await gw.stop();
      gw.cleanup();
      await up.stop();
      assert.ok(stopped.exitedZero, gw.stderr().slice(-2000));
    }
  });

  it('says the upstream refused the gateway\'s credentials when the token is wrong', async () => {
    const up = await startUpstream(['--bearer', 'right']);
    const gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase, '--upstream-auth', 'bearer'], env: { FHIRGATE_UPSTREAM_TOKEN: 'wrong' } });
    try {
      const r = await gw.request({ path: '/fhir/Patient/amy' });
      assert.equal(r.status, 502);
      assert.match(r.json.issue[0].diagnostics, /refused the gateway's credentials/);
    } finally {
      const stopped = await gw.stop();
      gw.cleanup();
      await up.stop();
      assert.ok(stopped.exitedZero, gw.stderr().slice(-2000));
    }
  });

  it('gets a client_credentials token from a config file, reuses it and refreshes it before expiry', async () => {
    const up = await startUpstream(['--client', 'gw-client:gw-secret', '--token-ttl', '3']);
    const conf = path.join(fixtureSubset([]), 'fhirgate.conf');
    writeFileSync(conf, [
      `upstream = ${up.fhirBase}`,
      'upstream_auth = client_credentials',
      `upstream_token_url = ${up.base}/token`,
      'upstream_client_id = gw-client',
      'upstream_client_secret = gw-secret',
      'upstream_scope = system/*.rs',
      '',
    ].join('\n'));
    const gw = await startServer({ now: NOW, args: ['--config', conf] });
    const app = gw.operatorToken ?? 'app-token-x';
    try {
      for (let i = 0; i < 3; i++) {
        const r = await gw.request({ path: '/fhir/Patient?_count=1', headers: { Authorization: `Bearer ${app}` } });
        assert.equal(r.status, 200, r.text);
      }
      let seen = await up.requests();
      assert.equal(seen.filter((q) => q.url === '/token').length, 1, 'one token for several requests');
      const tok = seen.find((q) => q.url === '/token');
      assert.equal(tok.headers.authorization, `Basic ${Buffer.from('gw-client:gw-secret').toString('base64')}`);
      const bearer = seen.filter((q) => q.url.startsWith('/fhir')).map((q) => q.headers.authorization);
      assert.equal(new Set(bearer).size, 1);
      assert.match(bearer[0], /^Bearer [0-9a-f]{32}$/);
      // Lifetime 3 s, refreshed 1 s early: after 2.2 s a new token is fetched
      // before the old one expires, and no request is refused meanwhile.
      await new Promise((r) => setTimeout(r, 2200));
      const r = await gw.request({ path: '/fhir/Patient?_count=1' });
      assert.equal(r.status, 200, r.text);
      seen = await up.requests();
      assert.equal(seen.filter((q) => q.url === '/token').length, 2, 'refreshed');
      assert.ok(!seen.some((q) => JSON.stringify(q.headers).includes(app)));
    } finally {
      const stopped = await gw.stop();
      gw.cleanup();
      await up.stop();
      assert.ok(stopped.exitedZero, gw.stderr().slice(-2000));
    }
  });
});

describe('upstream mode: HTTPS and HTTP/2', () => {
  it('verifies the upstream with the configured CA, speaks HTTP/2 and keeps one connection', async () => {
    const dir = fixtureSubset([]);
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const up = await startUpstream(['--tls-cert', cert, '--tls-key', key]);
    const gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase, '--upstream-ca-file', cert, '--threads', '1'] });
    const untrusted = await startServer({ now: NOW, args: ['--upstream', up.fhirBase] });
    try {
      const c = await gw.request({ method: 'PUT', path: '/fhir/Patient/h2', headers: FHIR, body: JSON.stringify({ resourceType: 'Patient', id: 'h2', identifier: [{ system: 'urn:fhirgate:test', value: 'h2' }], name: [{ family: 'Htwo' }], gender: 'unknown' }) });
      assert.ok(c.status === 200 || c.status === 201, c.text);
      for (let i = 0; i < 5; i++) assert.equal((await gw.request({ path: '/fhir/Patient/h2' })).status, 200);
      const seen = (await up.requests()).filter((q) => q.url.startsWith('/fhir'));
      assert.ok(seen.length >= 6, `${seen.length} upstream requests`);
      assert.ok(seen.every((q) => q.httpVersion === '2.0'), seen.map((q) => q.httpVersion).join());
      assert.equal(new Set(seen.map((q) => q.socket)).size, 1, 'one kept-alive connection');
      const r = await untrusted.request({ path: '/fhir/Patient/h2' });
      assert.equal(r.status, 502, r.text);
      assert.match(r.json.issue[0].diagnostics, /TLS connection to the upstream FHIR server failed/);
    } finally {
      for (const s of [gw, untrusted]) {
        const stopped = await s.stop();
        s.cleanup();
        assert.ok(stopped.exitedZero, s.stderr().slice(-2000));
      }
      await up.stop();
    }
  });
});
