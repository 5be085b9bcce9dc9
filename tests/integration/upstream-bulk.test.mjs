// upstream-bulk.test.mjs - Bulk Data export ($export kick-off, status,
// NDJSON files) through the gateway in upstream mode: the export worker
// reads through the store interface, so it pages the upstream's searches.
// The upstream (@medplum/fhir-router) holds amy's and max's records; what
// the files hold is compared with what the upstream itself has.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { runCli, startServer } from './lib/server.mjs';
import { fixtureSubset, startUpstream } from '../upstream/lib.mjs';

const NOW = '2026-11-23';

describe('upstream mode: Bulk Data export', { concurrency: false }, () => {
  let up;
  let gw;
  const pathOf = (url) => { const u = new URL(url); return u.pathname + u.search; };

  before(async () => {
    up = await startUpstream();
    const r = await runCli(['seed', '--upstream', up.fhirBase, '--fixtures', fixtureSubset(['amy', 'max']), '--now', NOW], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase] });
  });
  after(async () => {
    const stopped = await gw?.stop();
    gw?.cleanup();
    await up?.stop();
    assert.ok(stopped?.exitedZero, `gateway exit: ${JSON.stringify(stopped)}\n${gw?.stderr().slice(-2000)}`);
  });

  async function exportAll(p, token) {
    const k = await gw.request({ path: p, auth: token, headers: { Accept: 'application/fhir+json', Prefer: 'respond-async' } });
    assert.equal(k.status, 202, `${p}: ${k.text}`);
    const status = k.headers['content-location'];
    for (let i = 0; i < 600; i++) {
      const r = await gw.request({ path: pathOf(status), auth: token, headers: { Accept: 'application/json' } });
      if (r.status === 200) return r.json;
      assert.equal(r.status, 202, `poll: ${r.status} ${r.text}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the export did not finish');
  }

  async function files(manifest, token) {
    const out = new Map(); // type -> ids
    for (const o of manifest.output) {
      const r = await gw.request({ path: pathOf(o.url), auth: token, headers: { Accept: 'application/fhir+ndjson' } });
      assert.equal(r.status, 200, r.text);
      const lines = r.text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
      assert.equal(lines.length, o.count, `${o.type}: count`);
      for (const res of lines) assert.equal(res.resourceType, o.type);
      out.set(o.type, lines.map((res) => res.id).sort());
    }
    return out;
  }

  /** The ids the upstream has for a search (read directly, every page). */
  async function upstreamIds(q) {
    const r = await up.get(`/fhir/${q}${q.includes('?') ? '&' : '?'}_count=1000`);
    assert.equal(r.status, 200);
    return (r.json.entry ?? []).map((e) => e.resource.id).sort();
  }

  it('exports Patient/$export with _type: every resource the upstream has for those types', async () => {
    const token = await gw.token({ scope: 'system/Patient.rs system/Observation.rs system/Condition.rs' });
    const manifest = await exportAll('/fhir/Patient/$export?_type=Patient,Observation,Condition', token);
    assert.equal(manifest.requiresAccessToken, true);
    assert.deepEqual(manifest.error, []);
    const got = await files(manifest, token);
    assert.deepEqual(got.get('Patient'), await upstreamIds('Patient'));
    const obs = await upstreamIds('Observation');
    assert.ok(obs.length > 20, `${obs.length} Observations upstream`);
    assert.deepEqual(got.get('Observation'), obs);
    assert.deepEqual(got.get('Condition'), await upstreamIds('Condition'));
  });

  it('exports at system level every type the upstream holds, each as the upstream has it', async () => {
    const token = await gw.token({ scope: 'system/*.rs' });
    const manifest = await exportAll('/fhir/$export', token);
    const got = await files(manifest, token);
    for (const type of ['Patient', 'Observation', 'Practitioner', 'Organization', 'Group'])
      assert.deepEqual(got.get(type), await upstreamIds(type), type);
    assert.ok(got.size >= 10, `${[...got.keys()]}`);
  });

  it('confines a patient token\'s export to that patient, with the granular category scope', async () => {
    const lab = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    const token = await gw.token({ scope: `patient/Observation.rs?category=${lab}`, patient: 'amy' });
    const manifest = await exportAll('/fhir/Patient/$export?_type=Observation', token);
    const got = await files(manifest, token);
    const want = await upstreamIds(`Observation?subject=Patient/amy&category=${encodeURIComponent(lab)}`);
    assert.ok(want.length > 0);
    assert.deepEqual(got.get('Observation') ?? [], want);
  });

  it('exports the Group\'s members and what they reference', async () => {
    const token = await gw.token({ scope: 'system/Group.rs system/Patient.rs system/Practitioner.rs system/Organization.rs system/Encounter.rs' });
    const g = await gw.request({ path: '/fhir/Group?_count=5', auth: token });
    assert.equal(g.status, 200, g.text);
    const group = g.json.entry?.[0]?.resource;
    assert.ok(group, 'a Group upstream');
    const manifest = await exportAll(`/fhir/Group/${group.id}/$export?_type=Patient,Encounter,Practitioner,Organization`, token);
    const got = await files(manifest, token);
    const members = group.member.map((m) => m.entity.reference.split('/')[1]);
    const present = (await upstreamIds('Patient')).filter((id) => members.includes(id));
    assert.deepEqual(got.get('Patient'), present.sort());
    assert.ok((got.get('Encounter') ?? []).length > 0);
  });

  it('says clearly when the upstream fails during an export', async () => {
    const token = await gw.token({ scope: 'system/Observation.rs' });
    await up.mode({ status: 500 });
    try {
      const k = await gw.request({ path: '/fhir/Patient/$export?_type=Observation', auth: token, headers: { Accept: 'application/fhir+json', Prefer: 'respond-async' } });
      assert.equal(k.status, 202, k.text);
      let r;
      for (let i = 0; i < 400; i++) {
        r = await gw.request({ path: pathOf(k.headers['content-location']), auth: token, headers: { Accept: 'application/json' } });
        if (r.status !== 202) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(r.status, 500, r.text);
      assert.equal(r.json.resourceType, 'OperationOutcome');
      assert.match(r.json.issue[0].diagnostics, /upstream/i);
      assert.doesNotMatch(r.text, /repo\.js|stack trace/);
    } finally {
      await up.mode({ status: 0 });
    }
  });
});
