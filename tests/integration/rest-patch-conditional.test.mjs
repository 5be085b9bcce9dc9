// rest-patch-conditional.test.mjs - PATCH [type]?[search] with a JSON Patch
// (R4 http.html#patch, conditional as in #cond-update): no match is 404,
// one match is patched (a new version of that resource), several are 412;
// the search is the caller's (a patient token's search is confined to its
// compartment, so another patient's resource is no match) and the patch then
// goes through the checks of PATCH by id (scopes, write policy).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './lib/server.mjs';

const PATCH_CT = { 'content-type': 'application/json-patch+json' };
const SYS = 'urn:fhirgate:test:cpatch';

function patient(id, family) {
  return {
    resourceType: 'Patient', id, gender: 'unknown', name: [{ family, given: [id] }],
    identifier: [{ system: SYS, value: id }],
  };
}

// source: the app that wrote it (meta.source urn:fhirgate:client:ID): a
// patient app may change only its own Observations, and only to mark them
// entered-in-error (issue 6's app-write rule, PATCH as PUT).
function observation(id, subject, code, source) {
  return {
    resourceType: 'Observation', id, status: 'final', meta: { source },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
    code: { coding: [{ system: 'urn:fhirgate:test:code', code }] },
    subject: { reference: `Patient/${subject}` },
    identifier: [{ system: SYS, value: id }],
  };
}

describe('conditional PATCH', () => {
  let srv;
  const put = async (res) => {
    const r = await srv.request({
      method: 'PUT', path: `/fhir/${res.resourceType}/${res.id}`,
      headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(res),
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  };
  const patch = (path, ops, extra = {}) => srv.request({
    method: 'PATCH', path, headers: { ...PATCH_CT, ...(extra.headers ?? {}) },
    body: JSON.stringify(ops), ...(extra.auth ? { auth: extra.auth } : {}),
  });
  const read = async (path) => (await srv.request({ path })).json;

  before(async () => {
    srv = await startServer();
    await put(patient('cp-a', 'Alpha'));
    await put(patient('cp-b', 'Twin'));
    await put(patient('cp-c', 'Twin'));
    const source = `urn:fhirgate:client:${srv.operatorClient}`;
    await put(observation('cp-oa', 'cp-a', 'x1', source));
    await put(observation('cp-ob', 'cp-b', 'x1', source));
  });
  after(async () => {
    const stop = await srv.stop();
    srv.cleanup();
    assert.ok(stop.exitedZero, srv.stderr().slice(-2000));
  });

  it('one match is patched, a new version of that resource only', async () => {
    const r = await patch(`/fhir/Patient?identifier=${encodeURIComponent(`${SYS}|cp-a`)}`,
      [{ op: 'replace', path: '/gender', value: 'female' }]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, 'cp-a');
    assert.equal(r.json.gender, 'female');
    assert.match(r.headers.etag, /^W\/"2"$/);
    const a = await read('/fhir/Patient/cp-a');
    assert.equal(a.gender, 'female');
    assert.equal(a.meta.versionId, '2');
    for (const id of ['cp-b', 'cp-c']) {
      const o = await read(`/fhir/Patient/${id}`);
      assert.equal(o.gender, 'unknown', id);
      assert.equal(o.meta.versionId, '1', id);
    }
  });

  it('no match is 404, several are 412, and nothing changes', async () => {
    const none = await patch('/fhir/Patient?family=Nobody', [{ op: 'replace', path: '/gender', value: 'male' }]);
    assert.equal(none.status, 404, none.text);
    assert.equal(none.json.resourceType, 'OperationOutcome');
    assert.equal(none.json.issue[0].code, 'not-found');
    const two = await patch('/fhir/Patient?family=Twin', [{ op: 'replace', path: '/gender', value: 'male' }]);
    assert.equal(two.status, 412, two.text);
    assert.equal(two.json.resourceType, 'OperationOutcome');
    for (const id of ['cp-b', 'cp-c']) {
      const o = await read(`/fhir/Patient/${id}`);
      assert.equal(o.gender, 'unknown', id);
      assert.equal(o.meta.versionId, '1', id);
    }
  });

  it('bad input: no search, unknown parameter, wrong content type, a patch of the id', async () => {
    const op = [{ op: 'replace', path: '/gender', value: 'male' }];
    const bare = await patch('/fhir/Patient', op);
    assert.equal(bare.status, 400, bare.text);
    const unknown = await patch('/fhir/Patient?frobnicate=1', op);
    assert.equal(unknown.status, 400, unknown.text);
    assert.match(JSON.stringify(unknown.json), /frobnicate/);
    const ct = await srv.request({
      method: 'PATCH', path: '/fhir/Patient?family=Alpha',
      headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(op),
    });
    assert.equal(ct.status, 415, ct.text);
    const idChange = await patch('/fhir/Patient?family=Alpha', [{ op: 'replace', path: '/id', value: 'cp-z' }]);
    assert.equal(idChange.status, 422, idChange.text);
    const unknownType = await patch('/fhir/Frobnicate?x=1', op);
    assert.equal(unknownType.status, 404, unknownType.text);
    const a = await read('/fhir/Patient/cp-a');
    assert.equal(a.meta.versionId, '2');
  });

  it('If-Match applies to the match: an old version is 412', async () => {
    const r = await patch('/fhir/Patient?family=Alpha', [{ op: 'replace', path: '/gender', value: 'male' }],
      { headers: { 'If-Match': 'W/"1"' } });
    assert.equal(r.status, 412, r.text);
    assert.equal((await read('/fhir/Patient/cp-a')).gender, 'female');
  });

  it('a patient token: its search is confined (another patient\'s resource is no match); scopes apply', async () => {
    const writer = await srv.token({ scope: 'launch/patient patient/Observation.rus', patient: 'cp-a' });
    const op = [{ op: 'replace', path: '/status', value: 'entered-in-error' }];
    // Both Observations carry code x1: the patient token's search finds only its own.
    const own = await patch('/fhir/Observation?code=x1', op, { auth: writer });
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.id, 'cp-oa');
    assert.equal(own.json.status, 'entered-in-error');
    assert.equal((await read('/fhir/Observation/cp-ob')).status, 'final');
    const other = await patch(`/fhir/Observation?identifier=${encodeURIComponent(`${SYS}|cp-ob`)}`, op, { auth: writer });
    assert.equal(other.status, 404, other.text);
    assert.equal((await read('/fhir/Observation/cp-ob')).meta.versionId, '1');
    // search without update: 403, as PATCH by id is
    const reader = await srv.token({ scope: 'launch/patient patient/Observation.rs', patient: 'cp-a' });
    const ro = await patch('/fhir/Observation?code=x1', [{ op: 'add', path: '/valueString', value: 'no' }], { auth: reader });
    assert.equal(ro.status, 403, ro.text);
    const byId = await patch('/fhir/Observation/cp-oa', [{ op: 'add', path: '/valueString', value: 'no' }], { auth: reader });
    assert.equal(byId.status, 403, byId.text);
    // the app-write rule holds for the match: only the status may change
    const more = await patch('/fhir/Observation?code=x1', [{ op: 'add', path: '/valueString', value: 'no' }], { auth: writer });
    assert.equal(more.status, 422, more.text);
    const oa = await read('/fhir/Observation/cp-oa');
    assert.equal(oa.status, 'entered-in-error');
    assert.equal(oa.valueString, undefined);
    assert.equal(oa.meta.versionId, '2');
  });
});
