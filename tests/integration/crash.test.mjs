// crash.test.mjs - a SIGKILL in the middle of a stream of transactions loses
// nothing that was acknowledged and leaves nothing half-written.
//
// Several writers POST transaction Bundles of BATCH Observations, each batch
// tagged with its own meta.tag code. The server is killed with SIGKILL while
// they are in flight, then restarted on the same database. Every batch the
// server answered 200 must be there whole; every other batch must be there
// whole or not at all; and nothing but those batches may exist.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './lib/server.mjs';

const BATCH = 25;
const WRITERS = 3;
const TAG_SYSTEM = 'urn:fhirgate:test:crash';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function batchBundle(batch) {
  const entry = [];
  for (let i = 0; i < BATCH; i++) {
    entry.push({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(batch * 1000 + i).padStart(12, '0')}`,
      resource: {
        resourceType: 'Observation',
        meta: { tag: [{ system: TAG_SYSTEM, code: `b${batch}` }] },
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: 'Patient/crash-patient' },
        effectiveDateTime: '2026-01-01T10:00:00Z',
        valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      },
      request: { method: 'POST', url: 'Observation' },
    });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
}

async function countTagged(srv, code) {
  const tag = code ? `${TAG_SYSTEM}|${code}` : `${TAG_SYSTEM}|`;
  const r = await srv.request({
    path: `/fhir/Observation?_tag=${encodeURIComponent(tag)}&_summary=count`,
  });
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

describe('crash consistency', () => {
  it('keeps every acknowledged transaction whole and no partial one after SIGKILL', async () => {
    const srv = await startServer({ args: ['--access-log', 'off'] });
    const acked = new Set();
    const sent = new Set();
    let next = 0;
    let stop = false;
    let refused = null; // a batch the server refused: the test cannot go on

    async function writer() {
      while (!stop) {
        const batch = next++;
        sent.add(batch);
        try {
          const r = await srv.request({
            method: 'POST',
            path: '/fhir',
            headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal' },
            body: batchBundle(batch),
          });
          if (r.status === 200) acked.add(batch);
          else {
            refused = `batch ${batch}: HTTP ${r.status} ${r.text.slice(0, 300)}`;
            return;
          }
        } catch {
          return; // the connection died with the server
        }
      }
    }

    const writers = Array.from({ length: WRITERS }, writer);
    // Let a good number of transactions commit, then kill mid-stream.
    while (acked.size < 12 && !refused) await sleep(20);
    if (refused) {
      await srv.stop();
      assert.fail(refused);
    }
    await srv.kill();
    stop = true;
    await Promise.all(writers);
    assert.ok(sent.size > acked.size, 'some transactions were still in flight at the kill');

    const again = await startServer({ db: srv.dbPath, args: ['--access-log', 'off'] });
    try {
      let whole = 0;
      for (const batch of sent) {
        const n = await countTagged(again, `b${batch}`);
        if (acked.has(batch)) {
          assert.equal(n, BATCH, `acknowledged batch ${batch} has ${n} of ${BATCH} resources`);
        } else {
          assert.ok(n === 0 || n === BATCH, `unacknowledged batch ${batch} is half-written: ${n}`);
        }
        if (n === BATCH) whole++;
      }
      assert.equal(await countTagged(again, ''), whole * BATCH, 'resources outside any whole batch');
      // The store still takes writes after the crash.
      const r = await again.request({
        method: 'POST',
        path: '/fhir',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: batchBundle(100000),
      });
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.equal(await countTagged(again, 'b100000'), BATCH);
    } finally {
      await again.stop();
      srv.cleanup();
    }
  });
});
