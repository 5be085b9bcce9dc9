// wearables-import.test.mjs - `fhirgate import apple-health|google-fit` and
// POST /fhir/Patient/{id}/$import-wearables: every real sample in ../shared/wearable-samples
// with exact counts per code, twice (the second time creates nothing), one Provenance per batch,
// hostile files (XML bomb, zip with "../") and malformed ones refused with nothing written.
//
// Expected counts were written down by reading the files (grep of Record/Correlation types and
// the mapping table), not by running the importer; the derivation for each Apple file is in
// tests/unit/import/apple_test.c ("HOW COUNTED") and for the CSV in gfit_test.c (awk on the
// "Step count" column: 1029 of 1053 days have a value).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './lib/server.mjs';
import { makeZip } from './lib/zip.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(root, '../shared/wearable-samples');
const LOCAL = path.join(root, 'tests/data/wearables');
// The shared samples (as in CI); the three with local copies never skip.
const sample = (name) => (existsSync(path.join(SHARED, name)) ? path.join(SHARED, name) : path.join(LOCAL, name));

const apple = [
  { file: 'apple_ahcd_export_bp_correlation.xml', codes: { '39156-5': 2, '8867-4': 1, '85354-9': 1, '8480-6': 6 }, skipped: 0 },
  { file: 'apple_tdda_export6s3sample.xml', codes: { '55423-8': 10, '55430-3': 5 }, skipped: 3 },
  { file: 'apple_alxdrcirilo_export.xml', codes: { '8867-4': 2, '41981-2': 2 }, skipped: 4 },
  { file: 'apple_dogsheep_export.xml', codes: { '39156-5': 1, '8867-4': 1 }, skipped: 3, sharedOnly: true },
];
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

describe('fhirgate import (CLI)', () => {
  let dir;
  let db;
  const imp = (kind, files, extra = []) =>
    runCli(['import', kind, '--db', db, '--patient', 'amy', '--now', '2026-11-23', '--json', ...extra, ...files], { timeoutMs: 60000 });
  const lines = (out) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fg-wear-'));
    db = path.join(dir, 'x.db');
    const s = await runCli(['seed', '--db', db, '--now', '2026-11-23'], { timeoutMs: 60000 });
    assert.equal(s.code, 0, s.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const a of apple) {
    it(`imports ${a.file} with the expected counts, and again with none created`, async (t) => {
      const f = sample(a.file);
      if (a.sharedOnly && !existsSync(f)) return t.skip('../shared not present');
      const first = await imp('apple-health', [f]);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const [r1] = lines(first.stdout);
      assert.deepEqual(r1.by_code, a.codes);
      assert.equal(r1.created, sum(a.codes));
      assert.equal(r1.read, sum(a.codes) + a.skipped);
      const again = await imp('apple-health', [f]);
      const [r2] = lines(again.stdout);
      assert.equal(again.code, 0);
      assert.equal(r2.created, 0);
      assert.equal(r2.already_present, sum(a.codes));
      assert.equal(r2.batches, 0);
    });
  }

  it('the zip-layout copy of the dogsheep export adds nothing after the plain one', async (t) => {
    const f = path.join(SHARED, 'apple_dogsheep_zip_export.xml');
    if (!existsSync(f)) return t.skip('../shared not present');
    await imp('apple-health', [path.join(SHARED, 'apple_dogsheep_export.xml')]);
    const [r] = lines((await imp('apple-health', [f])).stdout);
    assert.equal(r.created, 0);
    assert.equal(r.already_present, 2);
  });

  it('imports an export.zip (apple_health_export/export.xml inside)', async () => {
    const z = path.join(dir, 'export.zip');
    writeFileSync(z, makeZip([
      { name: 'apple_health_export/export_cda.xml', data: '<x/>' },
      { name: 'apple_health_export/export.xml', data: readFileSync(sample('apple_tdda_export6s3sample.xml')) },
    ]));
    const r = await imp('apple-health', [z], ['--db', path.join(dir, 'zip.db')]);
    // a fresh db has no Patient/amy: refused before reading anything
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no Patient\/amy/);
    const ok = await imp('apple-health', [z]);
    const [s] = lines(ok.stdout);
    assert.equal(ok.code, 0, ok.stdout);
    assert.deepEqual(s.by_code, { '55423-8': 10, '55430-3': 5 });
  });

  it('imports the Google daily activity CSV (steps only; location columns never read)', async (t) => {
    const f = path.join(SHARED, 'googlefit_kaustubhgupta_daily_activity_metrics.csv');
    if (!existsSync(f)) return t.skip('../shared not present');
    const [r1] = lines((await imp('google-fit', [f])).stdout);
    assert.deepEqual(r1.by_code, { '41950-7': 1029 });
    assert.equal(r1.created, 1029);
    const [r2] = lines((await imp('google-fit', [f])).stdout);
    assert.equal(r2.created + r2.replaced, 0);
    assert.equal(r2.already_present, 1029);
  });

  it('imports Takeout All Data JSON files: merged streams, raw ones skipped', async () => {
    const files = ['synthetic_takeout_merge_weight.json', 'synthetic_takeout_raw_weight.json',
      'synthetic_takeout_blood_pressure.json', 'synthetic_takeout_steps.json'].map((f) => path.join(LOCAL, f));
    const r = await imp('google-fit', files);
    assert.equal(r.code, 0, r.stdout);
    const got = lines(r.stdout).map((l) => [l.created, l.skipped.reduce((a, s) => a + s.count, 0)]);
    assert.deepEqual(got, [[3, 0], [0, 2], [2, 0], [3, 0]]);
  });

  it('refuses a Google Fit REST dataSources listing with a clear error', async (t) => {
    const f = path.join(SHARED, 'googlefit_fitonfhir_dataSources.json');
    if (!existsSync(f)) return t.skip('../shared not present');
    const r = await imp('google-fit', [f]);
    assert.equal(r.code, 1);
    const [l] = lines(r.stdout);
    assert.equal(l.ok, false);
    assert.match(l.error, /dataSources listing.*Takeout/);
    assert.equal(l.created, 0);
  });

  it('writes one Provenance per batch, naming the patient', async () => {
    const bdb = path.join(dir, 'batch.db');
    assert.equal((await runCli(['seed', '--db', bdb, '--now', '2026-11-23'], { timeoutMs: 60000 })).code, 0);
    const r = await imp('apple-health', [sample('apple_tdda_export6s3sample.xml')], ['--db', bdb, '--batch', '4']);
    const [s] = lines(r.stdout);
    assert.equal(s.created, 15);
    assert.equal(s.batches, 4); // 15 in batches of 4
    const server = await startServer({ db: bdb, now: '2026-11-23' });
    try {
      const p = await server.request({ path: '/fhir/Provenance?agent=Patient/amy&recorded=ge2026-11-23&_count=50' });
      const imported = (p.json.entry ?? []).filter((e) => e.resource.target.every((t) => /^Observation\/[0-9a-f]{64}$/.test(t.reference)));
      assert.equal(imported.length, 4);
      assert.deepEqual(imported.map((e) => e.resource.target.length).sort(), [3, 4, 4, 4]);
      const obs = await server.request({ path: `/fhir/${imported[0].resource.target[0].reference}` });
      assert.equal(obs.status, 200);
      assert.deepEqual(obs.json.meta.tag.map((t) => `${t.system}|${t.code}`), ['http://hl7.org/fhir/us/core/CodeSystem/us-core-tags|patient-supplied']);
      assert.deepEqual(obs.json.performer, [{ reference: 'Patient/amy' }]);
      assert.equal(obs.json.identifier[0].value, `sha256:${obs.json.id}`);
    } finally {
      await server.stop();
    }
  });

  it('refuses an XML bomb and a zip with ../ entries; nothing is written', async () => {
    const bomb = path.join(dir, 'bomb.xml');
    writeFileSync(bomb, '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ENTITY a "aaaaaaaaaa">\n'
      + '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
      + '<HealthData locale="en_US"><Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&c;" '
      + 'unit="count/min" startDate="2026-11-01 08:00:00 +0100" endDate="2026-11-01 08:00:00 +0100" value="61"/></HealthData>\n');
    const b = await imp('apple-health', [bomb]);
    assert.equal(b.code, 1);
    assert.match(lines(b.stdout)[0].error, /entit/i);
    const evil = path.join(dir, 'evil.zip');
    writeFileSync(evil, makeZip([
      { name: '../../etc/cron.d/x', data: 'boom' },
      { name: 'apple_health_export/export.xml', data: readFileSync(sample('apple_alxdrcirilo_export.xml')) },
    ]));
    const z = await imp('apple-health', [evil]);
    assert.equal(z.code, 1);
    const [l] = lines(z.stdout);
    assert.match(l.error, /\.\.\//);
    assert.equal(l.created, 0);
  });

  it('a malformed file names the line and leaves nothing half-imported', async () => {
    const bad = path.join(dir, 'bad.xml');
    const good = readFileSync(sample('apple_ahcd_export_bp_correlation.xml'), 'utf8');
    // valid records first, a broken tag near the end (after many records were parsed)
    writeFileSync(bad, good.replace('</HealthData>', '<Record type="x" <oops/>\n</HealthData>'));
    const fresh = path.join(dir, 'half.db');
    assert.equal((await runCli(['seed', '--db', fresh, '--now', '2026-11-23'], { timeoutMs: 60000 })).code, 0);
    const r = await imp('apple-health', [bad], ['--db', fresh]);
    assert.equal(r.code, 1);
    const [l] = lines(r.stdout);
    assert.match(l.error, /line \d+/);
    assert.equal(l.created, 0);
    const ok = await imp('apple-health', [sample('apple_ahcd_export_bp_correlation.xml')], ['--db', fresh]);
    assert.equal(lines(ok.stdout)[0].created, 10); // nothing of the bad file was stored
  });

  it('a store failure in the middle of an import rolls all of it back', async () => {
    // 15 Observations in batches of 4: writes 1 and 2 succeed, the 3rd fails (injected,
    // --test-fail-write is for tests only). One transaction per import: nothing of the first
    // two batches, Observations or Provenances, may stay.
    const fdb = path.join(dir, 'fault.db');
    assert.equal((await runCli(['seed', '--db', fdb, '--now', '2026-11-23'], { timeoutMs: 60000 })).code, 0);
    const file = sample('apple_tdda_export6s3sample.xml');
    const r = await imp('apple-health', [file], ['--db', fdb, '--batch', '4', '--test-fail-write', '3']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const [l] = lines(r.stdout);
    assert.equal(l.ok, false);
    assert.match(l.error, /injected failure of write 3/);
    assert.deepEqual([l.created, l.batches], [0, 0]);
    const again = await imp('apple-health', [file], ['--db', fdb, '--batch', '4']);
    const [g] = lines(again.stdout);
    assert.deepEqual([g.created, g.already_present, g.batches], [15, 0, 4], again.stdout);
    const server = await startServer({ db: fdb, now: '2026-11-23' });
    try {
      const p = await server.request({ path: '/fhir/Provenance?agent=Patient/amy&recorded=ge2026-11-23&_count=50' });
      const imported = (p.json.entry ?? []).filter((e) => e.resource.target.every((t) => /^Observation\/[0-9a-f]{64}$/.test(t.reference)));
      assert.equal(imported.length, 4); // the good import's; none of the failed one's
    } finally {
      await server.stop();
    }
  });

  it('explains its usage', async () => {
    const r = await runCli(['import', 'fitbit', '--patient', 'amy', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /apple-health or google-fit/);
    const h = await runCli(['import', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--patient ID/);
  });
});

describe('POST /fhir/Patient/{id}/$import-wearables', () => {
  let server;
  const op = '/fhir/Patient/amy/$import-wearables';
  const param = (p, name) => p.parameter.find((x) => x.name === name)?.valueInteger;
  before(async () => {
    server = await startServer({ now: '2026-11-23', env: { FHIRGATE_IMPORT_MAX_UPLOAD_BYTES: '200000' } });
    const s = await runCli(['seed', '--db', server.dbPath, '--now', '2026-11-23'], { timeoutMs: 60000 });
    assert.equal(s.code, 0, s.stderr);
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('imports an uploaded export.xml, and the same upload again creates nothing', async () => {
    const body = readFileSync(sample('apple_ahcd_export_bp_correlation.xml'));
    const r1 = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/xml' }, body });
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.resourceType, 'Parameters');
    assert.equal(param(r1.json, 'created'), 10);
    assert.equal(param(r1.json, 'read'), 10);
    const r2 = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/xml' }, body });
    assert.equal(param(r2.json, 'created'), 0);
    assert.equal(param(r2.json, 'alreadyPresent'), 10);
    const bp = await server.request({ path: '/fhir/Observation?patient=amy&code=85354-9&_tag=patient-supplied' });
    assert.equal(bp.json.entry.length, 1);
  });

  it('imports an uploaded export.zip and lists what it skipped', async () => {
    const body = makeZip([{ name: 'apple_health_export/export.xml', data: readFileSync(sample('apple_alxdrcirilo_export.xml')) }]);
    const r = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/zip' }, body });
    assert.equal(r.status, 200, r.text);
    assert.equal(param(r.json, 'created'), 4);
    const skipped = r.json.parameter.filter((p) => p.name === 'skipped')
      .map((p) => [p.part[0].valueString, p.part[2].valueInteger]);
    assert.deepEqual(skipped.sort(), [['HKCategoryTypeIdentifierSleepAnalysis', 2],
      ['HKQuantityTypeIdentifierAppleExerciseTime', 1], ['HKQuantityTypeIdentifierAppleStandTime', 1]]);
  });

  it('refuses what it cannot take: media type, unknown patient, malformed file, too large', async () => {
    const xml = readFileSync(sample('apple_tdda_export6s3sample.xml'));
    const pdf = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/pdf' }, body: xml });
    assert.equal(pdf.status, 415);
    assert.deepEqual(pdf.json.issue[0].expression, ['Content-Type']);
    const nobody = await server.request({ method: 'POST', path: '/fhir/Patient/nobody/$import-wearables', headers: { 'Content-Type': 'application/xml' }, body: xml });
    assert.equal(nobody.status, 404);
    const before = await server.request({ path: '/fhir/Observation?patient=amy&_summary=count' });
    const broken = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/xml' }, body: Buffer.concat([xml, Buffer.from('<Record oops')]) });
    assert.equal(broken.status, 400);
    assert.match(broken.json.issue[0].diagnostics, /line \d+/);
    const big = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'text/csv' }, body: Buffer.alloc(300000, 'a') });
    assert.equal(big.status, 413);
    const evil = makeZip([{ name: '../x.xml', data: 'x' }, { name: 'export.xml', data: xml }]);
    const z = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/zip' }, body: evil });
    assert.equal(z.status, 400);
    const afterCount = await server.request({ path: '/fhir/Observation?patient=amy&_summary=count' });
    assert.equal(afterCount.json.total, before.json.total);
  });

  it('with tokens: the patient\'s own app may import, another patient\'s token is refused', async () => {
    const body = readFileSync(sample('apple_alxdrcirilo_export.xml'));
    const hdr = (tok) => ({ 'Content-Type': 'application/xml', Authorization: `Bearer ${tok}` });
    const mine = await server.token({ scope: 'patient/Observation.c', patient: 'amy' });
    const theirs = await server.token({ scope: 'patient/Observation.c', patient: 'daniel' });
    const readOnly = await server.token({ scope: 'patient/Observation.rs', patient: 'amy' });
    const denied = await server.request({ method: 'POST', path: op, headers: hdr(theirs), body });
    assert.equal(denied.status, 403, denied.text);
    const noWrite = await server.request({ method: 'POST', path: op, headers: hdr(readOnly), body });
    assert.equal(noWrite.status, 403, noWrite.text);
    const none = await server.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/xml' }, body, auth: false });
    assert.equal(none.status, 401);
    const ok = await server.request({ method: 'POST', path: op, headers: hdr(mine), body });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.parameter.find((p) => p.name === 'refused').valueInteger, 0);
  });

  it('is declared in the CapabilityStatement with its OperationDefinition', async () => {
    const cs = await server.request({ path: '/fhir/metadata' });
    const patient = cs.json.rest[0].resource.find((r) => r.type === 'Patient');
    const decl = patient.operation.find((o) => o.name === 'import-wearables');
    assert.equal(decl.definition, `${server.fhirBase}/OperationDefinition/import-wearables`);
    const od = await server.request({ path: '/fhir/OperationDefinition/import-wearables' });
    assert.equal(od.status, 200);
    assert.equal(od.json.url, decl.definition);
    assert.equal(od.json.code, 'import-wearables');
    assert.deepEqual(od.json.resource, ['Patient']);
    assert.equal(od.json.instance, true);
    const other = await server.request({ path: '/fhir/OperationDefinition/nothing-here' });
    assert.equal(other.status, 404);
  });
});
