// bulk-export.test.mjs - FHIR Bulk Data Access 2.0 export with a real SMART
// Backend Services client (private_key_jwt client assertions signed RS384
// and ES384 in node; one client's JWKS registered by URL), checklist
// section 3 (B-1..B-10, V-5): token, CapabilityStatement, kick-off, polling,
// NDJSON downloads, Group content, cancel, _outputFormat, _type, _since,
// _typeFilter, _elements, patient;
// plus jobs owned by their client (other client 404, no token 401),
// granular scopes and the portal rules (a teen's proxy never gets
// confidential resources through Patient/$export), and the audit log.
//
// Ground truth for contents comes from the fixture files, not the server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const LOAD = '2026-11-23';
const NOW = '2026-11-23T12:00:00Z';
const NOW_S = Date.parse(NOW) / 1000;
const GROUP = 'fixture-patients';
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function walk(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.json') ? [p] : [];
  });
}
const fixtures = new Map(); // "Type/id" -> {resource, owner}
for (const file of walk(fixturesDir)) {
  const rel = path.relative(fixturesDir, file).split(path.sep);
  for (const e of JSON.parse(readFileSync(file, 'utf8')).entry ?? [])
    fixtures.set(`${e.resource.resourceType}/${e.resource.id}`, { resource: e.resource, owner: rel[0] === 'shared' ? 'shared' : rel[1] });
}
const groupMembers = fixtures.get(`Group/${GROUP}`).resource.member.map((m) => m.entity.reference.split('/')[1]).sort();

const b64u = (b) => Buffer.from(b).toString('base64url');
function makeKey(kind, kid) {
  const { publicKey, privateKey } = kind === 'RS384'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return { kind, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: kind, use: 'sig' } };
}
function assertion(key, claims) {
  const input = `${b64u(JSON.stringify({ alg: key.kind, kid: key.kid, typ: 'JWT' }))}.${b64u(JSON.stringify(claims))}`;
  const sig = key.kind === 'RS384'
    ? sign('sha384', Buffer.from(input), key.privateKey)
    : sign('sha384', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}

const SYSTEM_SCOPES = `system/*.rs system/*.read system/Group.rs system/Patient.rs system/Observation.rs system/Observation.rs?category=${LAB}`;

describe('Bulk Data export', { concurrency: false }, () => {
  let srv, dir, jwksSrv;
  const clients = {}; // kind -> {id, key}
  const tokens = {};

  const pathOf = (url) => { const u = new URL(url); return u.pathname + u.search; };
  const req = (p, token, o = {}) => srv.request({ path: p, auth: token ?? false, ...o });

  /** B-1: a client_credentials token by private_key_jwt. */
  async function backendToken(c, scope, extra = {}) {
    const claims = { iss: c.id, sub: c.id, aud: `${srv.base}/auth/token`, exp: NOW_S + 240, jti: randomUUID(), ...extra };
    return srv.request({
      method: 'POST', path: '/auth/token', auth: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion(c.key, claims),
      }).toString(),
    });
  }
  async function tokenFor(kind, scope) {
    const r = await backendToken(clients[kind], scope);
    assert.equal(r.status, 200, r.text);
    return r.json.access_token;
  }

  async function kickoff(p, token, { headers = {}, method = 'GET', body } = {}) {
    return req(p, token, {
      method, body,
      headers: { Accept: 'application/fhir+json', Prefer: 'respond-async', ...(body ? { 'Content-Type': 'application/fhir+json' } : {}), ...headers },
    });
  }
  /** Polls a status URL until the manifest (200), honouring Retry-After. */
  async function manifestOf(statusUrl, token) {
    for (let i = 0; i < 400; i++) {
      const r = await req(pathOf(statusUrl), token, { headers: { Accept: 'application/json' } });
      if (r.status === 200) return r;
      assert.equal(r.status, 202, `poll: ${r.status} ${r.text}`);
      assert.ok(r.headers['x-progress'], 'X-Progress while running');
      assert.match(r.headers['retry-after'], /^\d+$/);
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the export did not finish');
  }
  async function exportAll(p, token, opts) {
    const k = await kickoff(p, token, opts);
    assert.equal(k.status, 202, `${p}: ${k.text}`);
    const m = await manifestOf(k.headers['content-location'], token);
    return { kick: k, status: m, manifest: m.json, statusUrl: k.headers['content-location'] };
  }
  /** Every resource of a manifest's files: "Type/id" -> resource. */
  async function contents(manifest, token) {
    const out = new Map();
    for (const o of manifest.output) {
      const r = await req(pathOf(o.url), token, { headers: { Accept: 'application/fhir+ndjson' } });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers['content-type'], /^application\/fhir\+ndjson/);
      const lines = r.text.split('\n').filter((l) => l);
      assert.equal(lines.length, o.count, `${o.type}: count`);
      assert.ok(r.text.endsWith('\n'));
      for (const l of lines) {
        const res = JSON.parse(l);
        assert.equal(res.resourceType, o.type);
        out.set(`${res.resourceType}/${res.id}`, res);
      }
    }
    return out;
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-bulk-'));
    const db = path.join(dir, 'fhirgate.db');
    const seeded = await runCli(['seed', '--db', db, '--fixtures', fixturesDir, '--now', LOAD], { timeoutMs: 120000 });
    assert.equal(seeded.code, 0, seeded.stderr);
    srv = await startServer({ db, now: NOW });
    const cli = (...a) => runCli([...a, '--auth-db', srv.authDbPath, '--base-url', srv.fhirBase]);
    // RS384 with an inline JWKS; ES384 by JWKS URL (checklist B-1); a third client for ownership
    const rs = makeKey('RS384', 'bulk-rs');
    const es = makeKey('ES384', 'bulk-es');
    const other = makeKey('ES384', 'bulk-other');
    jwksSrv = http.createServer((q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' });
      res.end(JSON.stringify({ keys: [es.jwk] }));
    });
    await new Promise((r) => jwksSrv.listen(0, '127.0.0.1', r));
    const file = path.join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [rs.jwk] }));
    const otherFile = path.join(dir, 'jwks-other.json');
    writeFileSync(otherFile, JSON.stringify({ keys: [other.jwk] }));
    for (const [kind, key, src] of [['rs', rs, ['--jwks', file]], ['es', es, ['--jwks-uri', `http://127.0.0.1:${jwksSrv.address().port}/jwks.json`]],
      ['other', other, ['--jwks', otherFile]]]) {
      const r = await cli('client', 'add', '--name', `bulk ${kind}`, '--redirect-uri', 'https://bulk.example/cb',
        '--type', 'confidential-asymmetric', ...src, '--scope', SYSTEM_SCOPES);
      assert.equal(r.code, 0, r.stderr);
      clients[kind] = { id: JSON.parse(r.stdout).client_id, key };
    }
    tokens.rs = await tokenFor('rs', 'system/*.rs');
    tokens.es = await tokenFor('es', 'system/*.read');
    tokens.other = await tokenFor('other', 'system/*.rs');
  });
  after(async () => {
    jwksSrv?.close();
    const stop = await srv.stop();
    srv.cleanup();
    rmSync(dir, { recursive: true, force: true });
    assert.ok(stop.exitedZero, srv.stderr().slice(-2000));
  });

  it('B-1/B-2: client_credentials by RS384 and ES384 assertions; bad requests refused', async () => {
    for (const kind of ['rs', 'es']) {
      const r = await backendToken(clients[kind], 'system/*.rs');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.token_type.toLowerCase(), 'bearer');
      assert.equal(typeof r.json.expires_in, 'number');
      assert.ok(r.json.expires_in > 0 && r.json.expires_in <= 300, `expires_in ${r.json.expires_in}`);
      assert.ok(r.json.scope.split(' ').includes('system/*.rs'), r.json.scope);
    }
    const c = clients.rs;
    const bad = await srv.request({
      method: 'POST', path: '/auth/token', auth: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'not_a_grant_type', scope: 'system/*.rs',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion(c.key, { iss: c.id, sub: c.id, aud: `${srv.base}/auth/token`, exp: NOW_S + 60, jti: randomUUID() }) }).toString(),
    });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error, 'unsupported_grant_type');
    const badType = await srv.request({
      method: 'POST', path: '/auth/token', auth: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: 'not_an_assertion_type',
        client_assertion: assertion(c.key, { iss: c.id, sub: c.id, aud: `${srv.base}/auth/token`, exp: NOW_S + 60, jti: randomUUID() }) }).toString(),
    });
    assert.ok([400, 401].includes(badType.status), badType.text);
    const badJwt = await backendToken(c, 'system/*.rs', { aud: 'https://elsewhere.example/token' });
    assert.ok([400, 401].includes(badJwt.status), badJwt.text);
  });

  it('B-4: the CapabilityStatement declares the export operations and instantiates bulk-data', async () => {
    const r = await req('/fhir/metadata');
    assert.equal(r.status, 200);
    assert.ok(r.json.instantiates.includes('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'));
    const rest = r.json.rest[0];
    const op = (e) => (e.operation ?? []).find((o) => o.name === 'export')?.definition;
    assert.equal(op(rest.resource.find((x) => x.type === 'Group')), 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export');
    assert.equal(op(rest.resource.find((x) => x.type === 'Patient')), 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export');
    assert.equal(op(rest), 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export');
  });

  it('B-5: kick-off needs a token and Prefer: respond-async; answers 202 with an absolute Content-Location', async () => {
    const none = await kickoff(`/fhir/Group/${GROUP}/$export`, undefined);
    assert.equal(none.status, 401);
    assert.equal(none.json.resourceType, 'OperationOutcome');
    const sync = await req(`/fhir/Group/${GROUP}/$export`, tokens.rs, { headers: { Accept: 'application/fhir+json' } });
    assert.equal(sync.status, 400);
    assert.equal(sync.json.resourceType, 'OperationOutcome');
    assert.match(sync.json.issue[0].diagnostics, /respond-async/);
    const head = await req('/fhir/$export', tokens.rs, { method: 'HEAD', headers: { Prefer: 'respond-async' } });
    assert.equal(head.status, 405, 'HEAD starts nothing');
    const unknown = await kickoff('/fhir/Group/no-such-group/$export', tokens.rs);
    assert.equal(unknown.status, 404);
    const k = await kickoff(`/fhir/Group/${GROUP}/$export`, tokens.rs);
    assert.equal(k.status, 202, k.text);
    const loc = new URL(k.headers['content-location']);
    assert.equal(loc.origin, srv.base);
  });

  describe('B-6..B-8: a Group export', () => {
    let run, files;
    before(async () => {
      run = await exportAll(`/fhir/Group/${GROUP}/$export`, tokens.rs);
      files = await contents(run.manifest, tokens.rs);
    });

    it('B-6: the manifest', () => {
      const m = run.manifest;
      assert.match(run.status.headers['content-type'], /^application\/json/);
      assert.equal(m.transactionTime, '2026-11-23T12:00:00.000Z');
      assert.equal(m.request, `${srv.fhirBase}/Group/${GROUP}/$export`);
      assert.equal(m.requiresAccessToken, true);
      assert.deepEqual(m.error, []);
      assert.ok(m.output.length > 10);
      for (const o of m.output) {
        assert.equal(typeof o.type, 'string');
        assert.equal(new URL(o.url).origin, srv.base, 'absolute url');
        assert.ok(o.count > 0);
      }
      assert.equal(new Set(m.output.map((o) => o.type)).size, m.output.length, 'one file per type');
    });

    it('B-7: files need the token that started the job (401 without, 404 for another client)', async () => {
      const url = pathOf(run.manifest.output[0].url);
      assert.equal((await req(url, undefined)).status, 401);
      const other = await req(url, tokens.other);
      assert.equal(other.status, 404);
      assert.equal(other.json.resourceType, 'OperationOutcome');
      assert.equal((await req(pathOf(run.statusUrl), tokens.other)).status, 404, 'status of another client\'s job');
      assert.equal((await req(pathOf(run.statusUrl), undefined)).status, 401);
      // a backend client's next token (its first expires in 5 minutes) still reaches its job
      const fresh = await tokenFor('rs', 'system/*.rs');
      assert.notEqual(fresh, tokens.rs);
      assert.equal((await req(pathOf(run.statusUrl), fresh)).status, 200);
      assert.equal((await req(url, fresh)).status, 200);
      assert.equal((await req(`${url.replace(/[^/]+$/, '')}..%2Fjob.json`, tokens.rs)).status >= 400, true);
      assert.equal((await req(url.replace(/[^/]+$/, 'job.json'), tokens.rs)).status, 404, 'only listed outputs are served');
    });

    it('B-8: the members\' Patients and records, and the Practitioners, Organizations and Locations they refer to', () => {
      const patients = [...files.keys()].filter((k) => k.startsWith('Patient/')).map((k) => k.slice(8)).sort();
      assert.deepEqual(patients, groupMembers);
      assert.ok(patients.length >= 2);
      const types = new Set([...files.keys()].map((k) => k.split('/')[0]));
      for (const t of ['AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'DiagnosticReport', 'DocumentReference',
        'Encounter', 'Goal', 'Immunization', 'MedicationRequest', 'Observation', 'Procedure', 'Organization', 'Practitioner', 'Location', 'Medication'])
        assert.ok(types.has(t), `${t} exported`);
      // every clinical resource of every member is there (ground truth: the fixture files)
      for (const [k, f] of fixtures) {
        if (groupMembers.includes(f.owner) && !['Provenance', 'Binary'].includes(k.split('/')[0]))
          assert.ok(files.has(k), `${k} missing`);
      }
      // every referenced Practitioner / Organization / Location resolves in the export
      for (const res of files.values()) {
        for (const m of JSON.stringify(res).matchAll(/"reference":"((Practitioner|Organization|Location)\/[^"]+)"/g))
          assert.ok(files.has(m[1]), `${m[1]} referenced by ${res.resourceType}/${res.id}`);
      }
      // the content is what is stored
      const amy = files.get('Patient/amy');
      assert.equal(amy.name[0].family, fixtures.get('Patient/amy').resource.name[0].family);
    });
  });

  it('B-9: DELETE of the status URL answers 202, then the job is gone (404 OperationOutcome)', async () => {
    const run = await exportAll('/fhir/Patient/$export', tokens.rs);
    const file = pathOf(run.manifest.output[0].url);
    assert.equal((await req(pathOf(run.statusUrl), tokens.other, { method: 'DELETE' })).status, 404, 'not someone else\'s to delete');
    const del = await req(pathOf(run.statusUrl), tokens.rs, { method: 'DELETE' });
    assert.equal(del.status, 202, del.text);
    const after = await req(pathOf(run.statusUrl), tokens.rs);
    assert.equal(after.status, 404);
    assert.equal(after.json.resourceType, 'OperationOutcome');
    assert.equal((await req(file, tokens.rs)).status, 404, 'its files are gone');
    assert.equal((await req(pathOf(run.statusUrl), tokens.rs, { method: 'DELETE' })).status, 404);
    // a queued job cancelled before it ran
    const k = await kickoff('/fhir/$export', tokens.rs);
    assert.equal(k.status, 202);
    assert.equal((await req(pathOf(k.headers['content-location']), tokens.rs, { method: 'DELETE' })).status, 202);
    assert.equal((await req(pathOf(k.headers['content-location']), tokens.rs)).status, 404);
  });

  it('B-6: while jobs wait or run, polls answer 202 with X-Progress and Retry-After', async () => {
    const kicks = [];
    for (let i = 0; i < 3; i++) kicks.push(await kickoff('/fhir/$export', tokens.es));
    for (const k of kicks) assert.equal(k.status, 202, k.text);
    const last = await req(pathOf(kicks[2].headers['content-location']), tokens.es);
    assert.equal(last.status, 202, 'the third job waits for the first two');
    assert.ok(last.headers['x-progress']);
    assert.equal(last.headers['retry-after'], '1');
    for (const k of kicks) await manifestOf(k.headers['content-location'], tokens.es);
  });

  it('B-10: every NDJSON _outputFormat spelling is accepted; others and bad parameters are refused', async () => {
    for (const f of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) {
      const k = await kickoff(`/fhir/Patient/$export?_outputFormat=${encodeURIComponent(f)}&_type=Patient`, tokens.rs);
      assert.equal(k.status, 202, `${f}: ${k.text}`);
      await manifestOf(k.headers['content-location'], tokens.rs);
    }
    const csv = await kickoff('/fhir/$export?_outputFormat=text%2Fcsv', tokens.rs);
    assert.equal(csv.status, 400);
    assert.deepEqual(csv.json.issue[0].expression, ['_outputFormat']);
    const assoc = await kickoff('/fhir/$export?includeAssociatedData=LatestProvenanceResources', tokens.rs);
    assert.equal(assoc.status, 400);
    assert.equal(assoc.json.issue[0].code, 'not-supported');
    assert.match(assoc.json.issue[0].diagnostics, /includeAssociatedData/);
    const since = await kickoff('/fhir/$export?_since=2026-11-20', tokens.rs);
    assert.equal(since.status, 400, 'a date is not an instant');
    const type = await kickoff('/fhir/$export?_type=Observaton', tokens.rs);
    assert.equal(type.status, 400);
  });

  it('_type: only the named types, also from a POSTed Parameters body', async () => {
    const get = await exportAll('/fhir/Patient/$export?_type=Patient,Condition', tokens.rs);
    assert.deepEqual(get.manifest.output.map((o) => o.type).sort(), ['Condition', 'Patient']);
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [
      { name: '_type', valueString: 'Immunization' }, { name: '_outputFormat', valueString: 'application/fhir+ndjson' }] });
    const post = await exportAll('/fhir/$export', tokens.rs, { method: 'POST', body });
    assert.deepEqual(post.manifest.output.map((o) => o.type), ['Immunization']);
    const want = [...fixtures.keys()].filter((k) => k.startsWith('Immunization/')).length;
    assert.equal(post.manifest.output[0].count, want);
  });

  const ndjsonLines = async (manifest, token) => {
    const out = {};
    for (const o of manifest.output) {
      const r = await req(pathOf(o.url), token);
      assert.equal(r.status, 200, r.text);
      out[o.type] = r.text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
    }
    return out;
  };
  const hasCategory = (r, sc) => (r.category ?? []).some((c) => (c.coding ?? []).some((x) => `${x.system}|${x.code}` === sc));
  const hasCode = (r, code) => (r.code?.coding ?? []).some((x) => x.code === code);

  it('_typeFilter: per type, ORed when repeated, ANDed with the scopes; bad filters are 400 naming it', async () => {
    const HR = '8867-4';
    const q = [`_type=Observation,Condition`, `_typeFilter=${encodeURIComponent(`Observation?category=${LAB}`)}`,
      `_typeFilter=${encodeURIComponent(`Observation?code=http://loinc.org|${HR}`)}`].join('&');
    const run = await exportAll(`/fhir/Group/${GROUP}/$export?${q}`, tokens.rs);
    const got = await ndjsonLines(run.manifest, tokens.rs);
    const fromFixtures = (pred) => [...fixtures.entries()].filter(([k, f]) => groupMembers.includes(f.owner) && pred(k, f.resource)).map(([k]) => k).sort();
    const wantObs = fromFixtures((k, r) => k.startsWith('Observation/') && (hasCategory(r, LAB) || hasCode(r, HR)));
    assert.ok(wantObs.some((k) => hasCode(fixtures.get(k).resource, HR)) && wantObs.some((k) => hasCategory(fixtures.get(k).resource, LAB)));
    const obsIds = got.Observation.map((r) => `Observation/${r.id}`);
    assert.equal(new Set(obsIds).size, obsIds.length, 'a resource two filters find is written once');
    assert.deepEqual(obsIds.sort(), wantObs);
    assert.deepEqual(got.Condition.map((r) => `Condition/${r.id}`).sort(), fromFixtures((k) => k.startsWith('Condition/')), 'no filter: the whole type');
    // ANDed with the access: a lab-only token's heart-rate filter finds nothing
    const labOnly = await tokenFor('rs', `system/Group.rs system/Patient.rs system/Observation.rs?category=${LAB}`);
    const none = await exportAll(`/fhir/Group/${GROUP}/$export?_type=Observation&_typeFilter=${encodeURIComponent(`Observation?code=http://loinc.org|${HR}`)}`, labOnly);
    assert.deepEqual(none.manifest.output, []);
    // bad filters: 400 naming _typeFilter; lenient ignores unknown search parameters
    for (const bad of ['Observation?frobnicate=1', 'Observaton?code=x', 'Observation', 'Observation?_count=5', 'Observation?date=notadate']) {
      const k = await kickoff(`/fhir/$export?_typeFilter=${encodeURIComponent(bad)}`, tokens.rs);
      assert.equal(k.status, 400, `${bad}: ${k.text}`);
      assert.deepEqual(k.json.issue[0].expression, ['_typeFilter'], bad);
    }
    const outside = await kickoff(`/fhir/$export?_type=Patient&_typeFilter=${encodeURIComponent('Observation?code=x')}`, tokens.rs);
    assert.equal(outside.status, 400, 'a filter of a type _type leaves out');
    const lenient = await kickoff(`/fhir/$export?_type=Observation&_typeFilter=${encodeURIComponent('Observation?frobnicate=1')}`, tokens.rs,
      { headers: { Prefer: 'respond-async, handling=lenient' } });
    assert.equal(lenient.status, 202, lenient.text);
    await manifestOf(lenient.headers['content-location'], tokens.rs);
    // from a POSTed Parameters body too
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'Observation' },
      { name: '_typeFilter', valueString: `Observation?code=http://loinc.org|${HR}` }] });
    const post = await exportAll(`/fhir/Group/${GROUP}/$export`, tokens.rs, { method: 'POST', body });
    const hr = (await ndjsonLines(post.manifest, tokens.rs)).Observation;
    assert.deepEqual(hr.map((r) => `Observation/${r.id}`).sort(), fromFixtures((k, r) => k.startsWith('Observation/') && hasCode(r, HR)));
  });

  it('_elements: only the named top-level elements (plus id, meta), marked SUBSETTED; bad names 400', async () => {
    const run = await exportAll(`/fhir/Group/${GROUP}/$export?_type=Patient,Observation,Condition&_elements=Patient.name,Observation.status,code`, tokens.rs);
    const got = await ndjsonLines(run.manifest, tokens.rs);
    const SUBSETTED = (r) => (r.meta?.tag ?? []).some((t) => t.code === 'SUBSETTED' && t.system === 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue');
    const allowed = { Patient: ['name'], Observation: ['status', 'code'], Condition: ['code'] };
    for (const [type, list] of Object.entries(got)) {
      assert.ok(list.length > 0, type);
      for (const r of list) {
        const extra = Object.keys(r).filter((k) => !['resourceType', 'id', 'meta', ...allowed[type]].includes(k));
        assert.deepEqual(extra, [], `${type}/${r.id} keeps ${extra}`);
        assert.ok(SUBSETTED(r), `${type}/${r.id} is not marked SUBSETTED`);
        const full = fixtures.get(`${type}/${r.id}`).resource;
        for (const k of allowed[type]) assert.equal(k in r, k in full, `${type}/${r.id}.${k}`); // (fixture dates are placeholders)
      }
    }
    const whole = await ndjsonLines((await exportAll(`/fhir/Group/${GROUP}/$export?_type=Patient`, tokens.rs)).manifest, tokens.rs);
    assert.ok(whole.Patient.every((r) => r.gender && !SUBSETTED(r)), 'without _elements: whole resources');
    for (const bad of ['name.given', 'Patinet.name', 'na-me']) {
      const k = await kickoff(`/fhir/$export?_elements=${encodeURIComponent(bad)}`, tokens.rs);
      assert.equal(k.status, 400, `${bad}: ${k.text}`);
      assert.deepEqual(k.json.issue[0].expression, ['_elements'], bad);
    }
  });

  it('patient: a Patient or Group export confined to the listed patients the client reaches', async () => {
    const params = (...refs) => JSON.stringify({ resourceType: 'Parameters', parameter: [
      { name: '_type', valueString: 'Patient,Condition,Immunization' },
      ...refs.map((reference) => ({ name: 'patient', valueReference: { reference } }))] });
    const owners = (got) => [...new Set(Object.values(got).flat().map((r) => fixtures.get(`${r.resourceType}/${r.id}`)?.owner))].sort();
    const two = await exportAll('/fhir/Patient/$export', tokens.rs, { method: 'POST', body: params('Patient/amy', `${srv.fhirBase}/Patient/lily`) });
    const got = await ndjsonLines(two.manifest, tokens.rs);
    assert.deepEqual(got.Patient.map((r) => r.id).sort(), ['amy', 'lily']);
    assert.deepEqual(owners(got), ['amy', 'lily']);
    const wantCond = [...fixtures.entries()].filter(([k, f]) => k.startsWith('Condition/') && ['amy', 'lily'].includes(f.owner)).length;
    assert.equal(got.Condition.length, wantCond);
    // Group: the members among the listed patients
    const grp = await ndjsonLines((await exportAll(`/fhir/Group/${GROUP}/$export`, tokens.rs, { method: 'POST', body: params('Patient/lily') })).manifest, tokens.rs);
    assert.deepEqual(owners(grp), ['lily']);
    // refused: unknown patient, not a Patient, a system export; lenient leaves unknown ones out
    for (const [path, body] of [['/fhir/Patient/$export', params('Patient/nobody')], ['/fhir/Patient/$export', params('Group/fixture-patients')],
      ['/fhir/$export', params('Patient/amy')]]) {
      const k = await kickoff(path, tokens.rs, { method: 'POST', body });
      assert.equal(k.status, 400, `${path} ${body}: ${k.text}`);
      assert.deepEqual(k.json.issue[0].expression, ['patient']);
    }
    const lenient = await exportAll('/fhir/Patient/$export', tokens.rs, { method: 'POST', body: params('Patient/nobody', 'Patient/max'), headers: { Prefer: 'respond-async, handling=lenient' } });
    assert.deepEqual(owners(await ndjsonLines(lenient.manifest, tokens.rs)), ['max']);
    // a patient token reaches only its patient: another is not known to it
    const amy = await srv.token({ scope: 'launch/patient patient/*.rs', patient: 'amy' });
    const other = await kickoff('/fhir/Patient/$export', amy, { method: 'POST', body: params('Patient/daniel') });
    assert.equal(other.status, 400, other.text);
    assert.deepEqual(other.json.issue[0].expression, ['patient']);
    const own = await ndjsonLines((await exportAll('/fhir/Patient/$export', amy, { method: 'POST', body: params('Patient/amy') })).manifest, amy);
    assert.deepEqual(own.Patient.map((r) => r.id), ['amy']);
  });

  it('_since (V-5): only what changed after the instant', async () => {
    const before = await exportAll('/fhir/$export?_since=2026-11-23T06:00:00Z', tokens.rs);
    assert.deepEqual(before.manifest.output, [], 'the fixtures were loaded at midnight');
    const obs = { resourceType: 'Observation', id: 'bulk-since-1', status: 'final', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/amy' }, effectiveDateTime: '2026-11-23T11:00:00Z',
      valueQuantity: { value: 61, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } };
    const put = await srv.request({ method: 'PUT', path: '/fhir/Observation/bulk-since-1', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(obs) });
    assert.ok([200, 201].includes(put.status), put.text);
    const after = await exportAll('/fhir/Patient/$export?_since=2026-11-23T06:00:00Z', tokens.rs);
    assert.deepEqual(after.manifest.output.map((o) => [o.type, o.count]), [['Observation', 1]]);
    const got = await contents(after.manifest, tokens.rs);
    assert.deepEqual([...got.keys()], ['Observation/bulk-since-1']);
    const all = await exportAll('/fhir/Patient/$export?_type=Observation', tokens.rs);
    assert.ok(all.manifest.output[0].count > 100, 'without _since: everything');
  });

  it('V-5: scopes decide: per-type system scopes, granular categories, a type not granted is 403', async () => {
    const noGroup = await tokenFor('rs', 'system/Patient.rs system/Observation.rs');
    const g = await kickoff(`/fhir/Group/${GROUP}/$export`, noGroup);
    assert.equal(g.status, 403, 'a Group export reads the Group: it needs Group read');
    const t = await tokenFor('rs', `system/Group.rs system/Patient.rs system/Observation.rs?category=${LAB}`);
    const run = await exportAll(`/fhir/Group/${GROUP}/$export`, t);
    assert.deepEqual(run.manifest.output.map((o) => o.type).sort(), ['Group', 'Observation', 'Patient']);
    const got = await contents(run.manifest, t);
    const obs = [...got.values()].filter((r) => r.resourceType === 'Observation');
    assert.ok(obs.length > 0);
    for (const o of obs)
      assert.ok(o.category.some((c) => c.coding.some((x) => `${x.system}|${x.code}` === LAB)), `Observation/${o.id} is not a lab`);
    const labs = [...fixtures.values()].filter((f) => f.resource.resourceType === 'Observation' && groupMembers.includes(f.owner)
      && (f.resource.category ?? []).some((c) => (c.coding ?? []).some((x) => `${x.system}|${x.code}` === LAB)));
    assert.equal(obs.length, labs.length);
    const refused = await kickoff('/fhir/$export?_type=Condition', t);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json.resourceType, 'OperationOutcome');
  });

  it('a patient token exports only its patient; a teen\'s proxy never gets confidential resources', async () => {
    const amy = await srv.token({ scope: 'launch/patient patient/*.rs', patient: 'amy' });
    const own = await exportAll('/fhir/Patient/$export', amy);
    const got = await contents(own.manifest, amy);
    // only what is in Amy's compartment: her record, and the family's Coverage she subscribes to
    const foreign = [...got.keys()].filter((k) => !['amy', 'shared', undefined].includes(fixtures.get(k)?.owner));
    for (const k of foreign) {
      const r = fixtures.get(k).resource;
      assert.ok(r.resourceType === 'Coverage' && r.subscriber?.reference === 'Patient/amy', `${k} is not in Amy's compartment`);
    }
    assert.ok([...got.keys()].filter((k) => fixtures.get(k)?.owner === 'amy').length > 100);
    assert.ok(got.has('Patient/amy') && !got.has('Patient/daniel'));
    // a Group export with Amy's token still reaches only Amy
    const grp = await contents((await exportAll(`/fhir/Group/${GROUP}/$export`, amy)).manifest, amy);
    assert.deepEqual([...grp.keys()].filter((k) => k.startsWith('Patient/')), ['Patient/amy']);

    const db = ['--auth-db', srv.authDbPath];
    const add = await runCli(['account', 'add', ...db, '--now', '2026-01-01', '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin'], { input: 'Demo-pass-2026\n' });
    assert.equal(add.code, 0, add.stderr);
    const px = await runCli(['account', 'proxy', 'add', ...db, '--now', '2026-01-01', '--user', 'danielshaw', '--patient', 'max', '--kind', 'parent']);
    assert.equal(px.code, 0, px.stderr);
    const proxy = await srv.token({ scope: 'launch/patient patient/*.rs', patient: 'max', user: 'danielshaw' });
    const teen = await contents((await exportAll('/fhir/Patient/$export', proxy)).manifest, proxy);
    const confidential = [...fixtures.entries()].filter(([, f]) => f.owner === 'max' && (f.resource.meta?.security ?? []).length).map(([k]) => k);
    assert.ok(confidential.length >= 5);
    for (const k of confidential) assert.ok(!teen.has(k), `the proxy's export carries ${k}`);
    const text = JSON.stringify([...teen.values()]);
    for (const k of confidential) assert.ok(!text.includes(`"${k}"`), `the proxy's export refers to ${k}`);
    assert.ok(teen.has('Patient/max') && teen.has('AllergyIntolerance/max-allergy-latex'), 'the limited view is there');
    assert.ok(!teen.has('Observation/max-bp-2'), 'a blood pressure is not in the limited view');
    // the operator sees them: the test can fail
    const op = await exportAll('/fhir/Group/' + GROUP + '/$export?_type=Condition,Encounter', tokens.rs);
    const all = await contents(op.manifest, tokens.rs);
    for (const k of confidential.filter((x) => /^(Condition|Encounter)\//.test(x))) assert.ok(all.has(k), `${k} exists`);
  });

  it('a practitioner\'s user/ scopes export every patient, only the granted types', async () => {
    const db = ['--auth-db', srv.authDbPath];
    const add = await runCli(['account', 'add', ...db, '--user', 'drokafor', '--practitioner', 'pr-nora-okafor', '--password-stdin'], { input: 'Demo-pass-2026\n' });
    assert.equal(add.code, 0, add.stderr);
    const t = await srv.token({ scope: 'user/Patient.rs user/Immunization.rs', user: 'drokafor' });
    const run = await exportAll('/fhir/Patient/$export', t);
    assert.deepEqual(run.manifest.output.map((o) => o.type).sort(), ['Immunization', 'Patient']);
    const got = await contents(run.manifest, t);
    assert.deepEqual([...got.keys()].filter((k) => k.startsWith('Patient/')).map((k) => k.slice(8)).sort(), groupMembers);
    assert.equal((await kickoff('/fhir/Patient/$export?_type=Condition', t)).status, 403);
  });

  it('kick-offs and downloads are in the audit log', async () => {
    const run = await exportAll('/fhir/Patient/$export?_type=Patient', tokens.es);
    const d = await req(pathOf(run.manifest.output[0].url), tokens.es);
    assert.equal(d.status, 200);
    let events = [];
    for (let i = 0; i < 40 && events.length < 2; i++) {
      const r = await srv.request({ path: '/fhir/AuditEvent?_count=200' });
      assert.equal(r.status, 200, r.text);
      events = (r.json.entry ?? []).map((e) => e.resource).filter((e) => JSON.stringify(e).includes(clients.es.id)
        && (e.entity ?? []).some((x) => x.description?.includes('$export')));
      await new Promise((res) => setTimeout(res, 100));
    }
    const described = events.map((e) => e.entity.find((x) => x.description?.includes('$export')).description);
    assert.ok(described.some((x) => x.includes('$export?_type=Patient')), described.join('; '));
    assert.ok(described.some((x) => x.includes('$export-file') && x.includes('Patient.ndjson')), described.join('; '));
  });

  it('another process sharing the store and bulk_dir answers a finished job\'s status and serves its files', async () => {
    const run = await exportAll('/fhir/Patient/$export?_type=Patient', tokens.rs);
    const twin = await startServer({ db: srv.dbPath, authDb: srv.authDbPath, now: NOW });
    try {
      const s = await twin.request({ path: pathOf(run.statusUrl), auth: tokens.rs });
      assert.equal(s.status, 200, s.text);
      assert.deepEqual(s.json, run.manifest);
      const f = await twin.request({ path: pathOf(run.manifest.output[0].url), auth: tokens.rs });
      assert.equal(f.status, 200, f.text);
      assert.equal(f.text.split('\n').filter((l) => l).length, run.manifest.output[0].count);
      assert.equal((await twin.request({ path: pathOf(run.statusUrl), auth: tokens.other })).status, 404);
      assert.equal((await twin.request({ path: pathOf(run.manifest.output[0].url), auth: tokens.other })).status, 404);
    } finally {
      const st = await twin.stop();
      twin.cleanup();
      assert.ok(st.exitedZero, twin.stderr().slice(-2000));
    }
  });

  it('files are written under bulk_dir beside the db, never half-written, and expire', async () => {
    const bulkDir = path.join(path.dirname(srv.dbPath), 'bulk');
    assert.ok(existsSync(bulkDir));
    for (const job of readdirSync(bulkDir)) {
      for (const f of readdirSync(path.join(bulkDir, job))) assert.ok(!f.startsWith('.'), `${job}/${f} left behind`);
    }
    // a server with a real clock and a 1 s lifetime deletes them
    const quick = await startServer({ db: srv.dbPath, args: ['--bulk-dir', path.join(dir, 'quick'), '--bulk-file-ttl', '1'] });
    try {
      const t = await quick.token({ scope: 'system/*.rs' });
      const k = await quick.request({ path: '/fhir/Patient/$export?_type=Patient', auth: t, headers: { Prefer: 'respond-async' } });
      assert.equal(k.status, 202, k.text);
      let m;
      for (let i = 0; i < 100; i++) {
        m = await quick.request({ path: pathOf(k.headers['content-location']), auth: t });
        if (m.status === 200) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(m.status, 200);
      const job = readdirSync(path.join(dir, 'quick'))[0];
      assert.ok(existsSync(path.join(dir, 'quick', job, 'Patient.ndjson')));
      let gone = false;
      for (let i = 0; i < 60 && !gone; i++) {
        await new Promise((res) => setTimeout(res, 100));
        gone = (await quick.request({ path: pathOf(k.headers['content-location']), auth: t })).status === 404;
      }
      assert.ok(gone, 'expired');
      for (let i = 0; i < 30 && existsSync(path.join(dir, 'quick', job)); i++) await new Promise((res) => setTimeout(res, 100));
      assert.ok(!existsSync(path.join(dir, 'quick', job)), 'files removed');
    } finally {
      const s = await quick.stop();
      quick.cleanup();
      assert.ok(s.exitedZero, quick.stderr().slice(-2000));
    }
  });
});
