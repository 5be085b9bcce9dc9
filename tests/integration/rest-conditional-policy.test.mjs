// rest-conditional-policy.test.mjs - conditional update and delete
// (R4 http.html#cond-update, #cdelete) find their match as the caller's
// search would show it: a resource the caller's scopes hide (here granular
// scopes on two parameters, which the store cannot apply by itself) is no
// match, so it is neither deleted nor overwritten, and its existence is not
// revealed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './lib/server.mjs';

const SYS = 'urn:fhirgate:test:cpol';
const CAT = 'urn:fhirgate:test:cpol-category';

function observation(id, category, code) {
  return {
    resourceType: 'Observation', id, status: 'final',
    category: [{ coding: [{ system: CAT, code: category }] }],
    code: { coding: [{ system: 'urn:fhirgate:test:code', code }] },
    subject: { reference: 'Patient/cpol-p' },
    identifier: [{ system: SYS, value: id }],
  };
}

describe('conditional update and delete under the policy', () => {
  let srv;
  let token;
  const put = async (res) => {
    const r = await srv.request({
      method: 'PUT', path: `/fhir/${res.resourceType}/${res.id}`,
      headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(res),
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  };
  const byIdentifier = (id) => `/fhir/Observation?identifier=${encodeURIComponent(`${SYS}|${id}`)}`;
  const stored = async (id) => (await srv.request({ path: `/fhir/Observation/${id}` }));

  before(async () => {
    srv = await startServer();
    await put({ resourceType: 'Patient', id: 'cpol-p', gender: 'unknown', name: [{ family: 'Pol' }], identifier: [{ system: SYS, value: 'p' }] });
    await put(observation('cpol-survey', 'shown', 's1'));
    await put(observation('cpol-lab', 'hidden', 'l1'));
    await put(observation('cpol-lab2', 'hidden', 'l2'));
    // Survey entries and code l2 only: two parameters, so the store is not
    // narrowed exactly and the policy filters what it finds.
    token = (await srv.tokenResponse({
      scope: `system/Observation.cruds?category=${CAT}|shown system/Observation.cruds?code=urn:fhirgate:test:code|l2`,
    })).access_token;
  });
  after(async () => {
    const stop = await srv.stop();
    srv.cleanup();
    assert.ok(stop.exitedZero, srv.stderr().slice(-2000));
  });

  it('a conditional delete does not delete what the scopes hide (404, still there)', async () => {
    const r = await srv.request({ method: 'DELETE', path: byIdentifier('cpol-lab'), auth: token });
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.resourceType, 'OperationOutcome');
    assert.equal((await stored('cpol-lab')).status, 200);
  });

  it('a conditional delete deletes the one visible match', async () => {
    const r = await srv.request({ method: 'DELETE', path: byIdentifier('cpol-lab2'), auth: token });
    assert.equal(r.status, 200, r.text);
    assert.equal((await stored('cpol-lab2')).status, 410);
  });

  it('a conditional update does not overwrite what the scopes hide', async () => {
    const body = observation('cpol-new', 'shown', 's9');
    delete body.id;
    body.identifier = [{ system: SYS, value: 'cpol-lab' }];
    const r = await srv.request({
      method: 'PUT', path: byIdentifier('cpol-lab'), auth: token,
      headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body),
    });
    // No visible match: a new resource is created, the hidden one is untouched.
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.json.id, 'cpol-lab');
    const lab = (await stored('cpol-lab')).json;
    assert.equal(lab.meta.versionId, '1');
    assert.equal(lab.category[0].coding[0].code, 'hidden');
  });

  it('a conditional update updates the one visible match', async () => {
    const body = observation('cpol-survey', 'shown', 's2');
    const r = await srv.request({
      method: 'PUT', path: byIdentifier('cpol-survey'), auth: token,
      headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, 'cpol-survey');
    assert.equal(r.json.meta.versionId, '2');
  });
});
