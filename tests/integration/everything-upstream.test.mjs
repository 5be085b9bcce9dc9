// everything-upstream.test.mjs - Patient/{id}/$everything in upstream mode
// (--upstream, fhir/store_upstream*.c) in front of the Medplum test server:
// the same per-type searches go to the upstream (the compartment as its
// subject/patient parameter, includes by named reference parameters, since
// the upstream refuses `_include=Type:*`), paged with the upstream's own
// paging state, and the policy still decides what comes back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './lib/server.mjs';
import { fixtureSubset, startUpstream } from '../upstream/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const NOW = '2026-11-23';

function keysOf(patient) {
  const dir = path.join(fixturesDir, 'patients', patient);
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')))
    for (const e of JSON.parse(readFileSync(path.join(dir, f), 'utf8')).entry) out.push(`${e.resource.resourceType}/${e.resource.id}`);
  return out;
}
const refs = (b, mode) => (b.entry ?? []).filter((e) => !mode || e.search?.mode === mode)
  .map((e) => `${e.resource.resourceType}/${e.resource.id}`);

describe('Patient $everything in upstream mode', { concurrency: false }, () => {
  let up;
  let gw;
  const amy = keysOf('amy').filter((k) => !k.startsWith('Binary/'));
  const max = new Set(keysOf('max'));

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
    assert.ok(stopped?.exitedZero, gw?.stderr().slice(-2000));
  });

  async function walk(first, auth) {
    const pages = [];
    let p = first;
    while (p && pages.length < 100) {
      const r = await gw.request({ path: p, auth, timeoutMs: 60000 });
      assert.equal(r.status, 200, r.text.slice(0, 300));
      pages.push(r.json);
      const next = r.json.link?.find((l) => l.relation === 'next')?.url;
      p = next ? next.replace(gw.base, '') : null;
    }
    return pages;
  }

  it("a patient token pages through Amy's whole record from the upstream, nothing of Max", async () => {
    const t = await gw.token({ patient: 'amy', scope: 'launch/patient patient/*.rs' });
    const pages = await walk('/fhir/Patient/amy/$everything?_count=25', t);
    assert.ok(pages.length > 2, `${pages.length} pages`);
    const matches = pages.flatMap((p) => refs(p, 'match'));
    assert.equal(new Set(matches).size, matches.length, 'no match on two pages');
    for (const k of amy) assert.ok(matches.includes(k) || pages.some((p) => refs(p, 'include').includes(k)), `${k} from the upstream`);
    for (const p of pages) for (const k of refs(p)) assert.ok(!max.has(k) && k !== 'Patient/max', `${k} is Max's`);
    const incl = new Set(pages.flatMap((p) => refs(p, 'include')));
    assert.ok([...incl].some((k) => k.startsWith('Practitioner/')), 'referenced practitioners');
    assert.ok([...incl].some((k) => k.startsWith('Medication/')), 'referenced medications');
  });

  it("another patient's record is 404; _type and the granular scopes apply as in the embedded store", async () => {
    const t = await gw.token({ patient: 'amy', scope: 'launch/patient patient/*.rs' });
    assert.equal((await gw.request({ path: '/fhir/Patient/max/$everything', auth: t })).status, 404);
    const g = await gw.token({ patient: 'amy', scope: 'launch/patient patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs' });
    const r = await gw.request({ path: '/fhir/Patient/amy/$everything?_count=1000', auth: g, timeoutMs: 60000 });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.ok(r.json.entry.length > 0);
    for (const e of r.json.entry) {
      assert.equal(e.resource.resourceType, 'Observation');
      assert.ok(e.resource.category.some((c) => c.coding.some((x) => x.code === 'vital-signs')), e.resource.id);
    }
    const c = await gw.request({ path: '/fhir/Patient/amy/$everything?_type=Condition&_count=1000', timeoutMs: 60000 });
    assert.deepEqual(refs(c.json).sort(), amy.filter((k) => k.startsWith('Condition/')).sort());
  });
});
