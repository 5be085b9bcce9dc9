// upstream-import.test.mjs - wearable imports ($import-wearables) and app
// writes of Observations through the gateway in upstream mode: one
// transaction Bundle per import batch (the Observations of a batch and
// their Provenance; batches of 40 here, --import-batch, to keep the
// upstream's data small: it takes ~5 ms a read), and an import whose batch the upstream refuses midway says
// what stays (the batches before it) and that importing again completes it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { runCli, startServer } from './lib/server.mjs';
import { fixtureSubset, startUpstream } from '../upstream/lib.mjs';

const NOW = '2026-11-23';
const B = 40;
const N = 100; // three batches: 40, 40, 20

/** An Apple Health export.xml with n heart rate records a minute apart. */
function appleExport(n) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2025, 0, 1) + i * 60000).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" creationDate="${t} +0000" startDate="${t} +0000" endDate="${t} +0000" value="${60 + (i % 40)}"/>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n<ExportDate value="2025-02-01 00:00:00 +0000"/>\n${rows.join('\n')}\n</HealthData>\n`;
}

describe('upstream mode: imports and app writes of Observations', { concurrency: false }, () => {
  let up;
  let gw;
  const op = '/fhir/Patient/amy/$import-wearables';
  const param = (p, name) => p.parameter.find((x) => x.name === name)?.valueInteger;
  const body = Buffer.from(appleExport(N));

  before(async () => {
    up = await startUpstream();
    const r = await runCli(['seed', '--upstream', up.fhirBase, '--fixtures', fixtureSubset(['amy']), '--now', NOW], { timeoutMs: 60000 });
    assert.equal(r.code, 0, r.stderr);
    gw = await startServer({ now: NOW, args: ['--upstream', up.fhirBase, '--import-batch', String(B)] });
  });
  after(async () => {
    const stopped = await gw?.stop();
    gw?.cleanup();
    await up?.stop();
    assert.ok(stopped?.exitedZero, `gateway exit: ${JSON.stringify(stopped)}\n${gw?.stderr().slice(-2000)}`);
  });

  /** The imported Observations the upstream holds (asked directly). */
  async function imported() {
    const r = await up.get('/fhir/Observation?identifier=urn:fhirgate:import-key%7C&_count=5000&_elements=id');
    assert.equal(r.status, 200);
    return (r.json.entry ?? []).length;
  }
  /** The transaction Bundles the upstream was sent since the last reset. */
  async function transactions() {
    return (await up.requests())
      .filter((q) => q.method === 'POST' && /^\/fhir\/?$/.test(q.url) && q.body)
      .map((q) => JSON.parse(q.body))
      .filter((b) => b.type === 'transaction');
  }

  it('stops at a batch the upstream refuses, says what stays, and a second import completes it', async () => {
    assert.equal(await imported(), 0);
    await up.reset();
    await up.mode({ failTransaction: 2 });
    let r;
    try {
      r = await gw.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/xml' }, body, timeoutMs: 120000 });
    } finally {
      await up.mode({ failTransaction: 0 });
    }
    assert.equal(r.status, 502, r.text.slice(0, 500));
    assert.equal(r.json.resourceType, 'OperationOutcome');
    const diag = r.json.issue[0].diagnostics;
    assert.match(diag, /upstream/);
    assert.match(diag, /the 1 written before \(40 Observations\) stay/);
    assert.match(diag, /Importing the same file again adds only what is missing/);
    assert.doesNotMatch(r.text, /repo\.js|stack trace/);
    const sent = await transactions();
    assert.equal(sent.length, 2, 'one transaction per batch, none after the failed one');
    assert.equal(sent[0].entry.length, B + 1);
    assert.deepEqual([...new Set(sent[0].entry.map((e) => e.resource.resourceType))].sort(), ['Observation', 'Provenance']);
    assert.equal(await imported(), B);

    await up.reset();
    const again = await gw.request({ method: 'POST', path: op, headers: { 'Content-Type': 'application/xml' }, body, timeoutMs: 120000 });
    assert.equal(again.status, 200, again.text.slice(0, 500));
    assert.equal(param(again.json, 'read'), N);
    assert.equal(param(again.json, 'created'), N - B);
    assert.equal(param(again.json, 'alreadyPresent'), B);
    const sent2 = await transactions();
    assert.deepEqual(sent2.map((b) => b.entry.length), [B + 1, N - 2 * B + 1]);
    assert.equal(await imported(), N);
  });

  it('writes an app\'s Observation with its Provenance as one transaction', async () => {
    const token = await gw.token({ scope: 'patient/Observation.c patient/Observation.rs', patient: 'amy' });
    await up.reset();
    const obs = {
      resourceType: 'Observation', status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      subject: { reference: 'Patient/amy' }, effectiveDateTime: '2026-11-22T10:00:00Z',
      valueQuantity: { value: 61, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    };
    const r = await gw.request({ method: 'POST', path: '/fhir/Observation', auth: token, headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(obs) });
    assert.equal(r.status, 201, r.text.slice(0, 500));
    const sent = await transactions();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].entry.map((e) => e.resource.resourceType).sort(), ['Observation', 'Provenance']);
  });
});
