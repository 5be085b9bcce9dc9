// wearables-portal.test.mjs - the patient's wearables pages under /auth/wearables: sign-in with
// the portal account (same session as /auth/authorize), manual entry (saved once, refusals
// naming the field), upload of an export as multipart/form-data, CSRF, English and Spanish.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryPath, runCli, startServer } from './lib/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sample = (name) => {
  const shared = path.resolve(root, '../shared/wearable-samples', name);
  return existsSync(shared) ? shared : path.join(root, 'tests/data/wearables', name);
};
const PAGE = '/auth/wearables';

const cookieOf = (res) => {
  const sc = res.headers['set-cookie'];
  const c = (Array.isArray(sc) ? sc : [sc ?? '']).find((v) => v.startsWith('fg_sid='));
  return c ? c.split(';')[0] : null;
};
const csrfOf = (html) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];
const form = (o) => new URLSearchParams(o).toString();

function multipart(fields, file) {
  const b = '----fgtest7MA4YWxkTrZu0gW';
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n`
      + 'Content-Type: application/octet-stream\r\n\r\n'), file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${b}` };
}

describe('/auth/wearables pages', () => {
  let server;
  let cookie;
  let csrf;
  const get = (q = '') => server.request({ path: PAGE + q, headers: cookie ? { Cookie: cookie } : {} });
  const post = (fields, c = cookie) => server.request({
    method: 'POST', path: PAGE, body: form(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(c ? { Cookie: c } : {}) },
  });

  before(async () => {
    server = await startServer({ now: '2026-11-23' });
    assert.equal((await runCli(['seed', '--db', server.dbPath, '--now', '2026-11-23'], { timeoutMs: 60000 })).code, 0);
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
    const a = spawnSync(binaryPath(), ['account', 'add', '--user', 'amyshaw', '--patient', 'amy', '--password-stdin',
      '--auth-db', server.authDbPath], { input: 'Demo-pass-2026\n', env, encoding: 'utf8' });
    assert.equal(a.status, 0, a.stderr);
    // sign in: the first visit gets a session and the sign-in form
    const first = await get();
    assert.equal(first.status, 200);
    assert.match(first.text, /name="password"/);
    assert.doesNotMatch(first.text, /<script/i);
    cookie = cookieOf(first);
    assert.ok(cookie);
    const bad = await post({ csrf: csrfOf(first.text), action: 'signin', username: 'amyshaw', password: 'wrong-pass-1' });
    assert.equal(bad.status, 401);
    const ok = await post({ csrf: csrfOf(first.text), action: 'signin', username: 'amyshaw', password: 'Demo-pass-2026' });
    assert.equal(ok.status, 303);
    const rotated = cookieOf(ok);
    assert.ok(rotated && rotated !== cookie, 'a new session id at sign-in');
    cookie = rotated;
    const page = await get();
    assert.equal(page.status, 200);
    assert.match(page.text, /enctype="multipart\/form-data"/);
    csrf = csrfOf(page.text);
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('saves a hand-typed weight once, as patient-supplied data', async () => {
    const fields = { csrf, action: 'manual', what: 'weight', when: '2026-11-20T08:15', zone: '+01:00', value: '72.4', unit: 'kg' };
    const r1 = await post(fields);
    assert.equal(r1.status, 201, r1.text);
    assert.match(r1.text, /Saved to your record/);
    const r2 = await post(fields);
    assert.equal(r2.status, 200);
    assert.match(r2.text, /already in your record/);
    const s = await server.request({ path: '/fhir/Observation?patient=amy&code=29463-7&_tag=patient-supplied&date=2026-11-20' });
    assert.equal(s.json.entry.length, 1);
    const obs = s.json.entry[0].resource;
    assert.equal(obs.valueQuantity.value, 72.4);
    assert.equal(obs.effectiveDateTime, '2026-11-20T08:15+01:00');
    assert.deepEqual(obs.performer, [{ reference: 'Patient/amy' }]);
    const prov = await server.request({ path: `/fhir/Provenance?target=Observation/${obs.id}` });
    assert.equal(prov.json.entry.length, 1);
  });

  it('saves a blood pressure and daily steps; refuses a bad value naming the field', async () => {
    const bp = await post({ csrf, action: 'manual', what: 'bp', when: '2026-11-21T07:00', zone: 'Z', systolic: '128', diastolic: '82' });
    assert.equal(bp.status, 201, bp.text);
    const steps = await post({ csrf, action: 'manual', what: 'steps', when: '2026-11-21T23:00', value: '8042' });
    assert.equal(steps.status, 201, steps.text);
    const bad = await post({ csrf, action: 'manual', what: 'bp', when: '2026-11-21T07:00', zone: 'Z', systolic: 'high', diastolic: '82' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Please check this field: Systolic/);
    const s = await server.request({ path: '/fhir/Observation?patient=amy&code=85354-9,41950-7&_tag=patient-supplied' });
    assert.equal(s.json.entry.length, 2);
  });

  it('imports an uploaded export, and the same file again adds nothing', async () => {
    const { body, type } = multipart({ csrf, source: 'apple' },
      { name: 'export.xml', data: readFileSync(sample('apple_ahcd_export_bp_correlation.xml')) });
    const send = () => server.request({ method: 'POST', path: `${PAGE}/upload`, body, headers: { 'Content-Type': type, Cookie: cookie } });
    const r1 = await send();
    assert.equal(r1.status, 200, r1.text);
    assert.match(r1.text, /id="created">10</);
    const r2 = await send();
    assert.match(r2.text, /id="created">0</);
    assert.match(r2.text, /id="existing">10</);
    const broken = multipart({ csrf, source: 'apple' }, { name: 'x.xml', data: Buffer.from('<HealthData><Record') });
    const r3 = await server.request({ method: 'POST', path: `${PAGE}/upload`, body: broken.body, headers: { 'Content-Type': broken.type, Cookie: cookie } });
    assert.equal(r3.status, 422);
    assert.match(r3.text, /could not be imported and nothing was added/);
  });

  it('refuses forms without the session CSRF token', async () => {
    const r = await post({ csrf: 'x'.repeat(43), action: 'manual', what: 'weight', when: '2026-11-20T08:15', value: '70', unit: 'kg' });
    assert.equal(r.status, 403);
    const { body, type } = multipart({ csrf: 'nope', source: 'apple' }, { name: 'e.xml', data: Buffer.from('<x/>') });
    const u = await server.request({ method: 'POST', path: `${PAGE}/upload`, body, headers: { 'Content-Type': type, Cookie: cookie } });
    assert.equal(u.status, 403);
  });

  it('does not take a large upload from a browser that is not signed in', async () => {
    const { body, type } = multipart({ csrf: 'x', source: 'apple' }, { name: 'e.xml', data: Buffer.alloc(100 * 1024, 'a') });
    const r = await server.request({ method: 'POST', path: `${PAGE}/upload`, body, headers: { 'Content-Type': type } });
    assert.equal(r.status, 413);
  });

  it('speaks Spanish', async () => {
    const r = await get('?lang=es');
    assert.equal(r.status, 200);
    assert.match(r.text, /<html lang="es"/);
    assert.match(r.text, /Sus dispositivos de salud/);
    assert.match(r.text, /Ingresar una medición a mano/);
    const back = await get('?lang=en');
    assert.match(back.text, /Your health devices/);
  });

  it('signs out', async () => {
    const r = await post({ csrf, action: 'signout' });
    assert.equal(r.status, 303);
    const after = await get();
    assert.match(after.text, /name="password"/);
  });
});

// Proxies (portal-rules.md, "Proxy access"): the page lets a signed-in proxy pick whose record
// (the authorize picker's list) and enter data for a child they see whole; for a teen (13-17)
// the proxy sees only the limited classes, so the policy lets them add growth-chart vitals
// (weight, BMI) and refuses the rest, by hand or in an upload; others' records are refused.
describe('/auth/wearables for a proxy', () => {
  let server;
  let cookie;
  let csrf;
  const NOW = '2026-11-23';
  const send = (fields) => server.request({
    method: 'POST', path: PAGE, body: form(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
  });
  const count = async (patient, code) => {
    const r = await server.request({ path: `/fhir/Observation?patient=${patient}&code=${code}&_tag=patient-supplied` });
    assert.equal(r.status, 200, r.text);
    return (r.json.entry ?? []).length;
  };

  before(async () => {
    server = await startServer({ now: NOW });
    for (const [id, birthDate] of [['pat', '1985-02-01'], ['kid', '2020-05-01'], ['teen', '2011-03-01'], ['other', '2019-01-01']]) {
      const r = await server.request({ method: 'PUT', path: `/fhir/Patient/${id}`, headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', id, birthDate, gender: 'unknown', identifier: [{ system: 'urn:fhirgate:test', value: id }], name: [{ family: 'Lee', given: [id] }] }) });
      assert.ok(r.status === 200 || r.status === 201, r.text);
    }
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
    const cli = (args, input) => spawnSync(binaryPath(), [...args, '--auth-db', server.authDbPath], { input: input ?? '', env, encoding: 'utf8' });
    assert.equal(cli(['account', 'add', '--user', 'patlee', '--patient', 'pat', '--password-stdin'], 'Demo-pass-2026\n').status, 0);
    for (const p of ['kid', 'teen'])
      assert.equal(cli(['account', 'proxy', 'add', '--user', 'patlee', '--patient', p, '--kind', 'parent', '--now', NOW]).status, 0);
    const first = await server.request({ path: PAGE });
    cookie = cookieOf(first);
    const ok = await send({ csrf: csrfOf(first.text), action: 'signin', username: 'patlee', password: 'Demo-pass-2026' });
    assert.equal(ok.status, 303);
    cookie = cookieOf(ok);
    const page = await server.request({ path: PAGE, headers: { Cookie: cookie } });
    assert.equal(page.status, 200);
    csrf = csrfOf(page.text);
  });
  after(async () => {
    await server.stop();
    server.cleanup();
  });

  it('offers the records the account acts for: its own first, then its proxies', async () => {
    const page = await server.request({ path: PAGE, headers: { Cookie: cookie } });
    const selects = [...page.text.matchAll(/<select id="(up-patient|patient)" name="patient">(.*?)<\/select>/g)];
    assert.deepEqual(selects.map((m) => m[1]), ['up-patient', 'patient']); // upload and manual forms
    const options = selects[1][2];
    assert.deepEqual([...options.matchAll(/value="([^"]+)"/g)].map((m) => m[1]), ['pat', 'kid', 'teen']);
    assert.match(options, /value="pat" selected>pat Lee</);
  });

  it("a child's proxy enters any measurement for the child, marked as the proxy's entry", async () => {
    const r = await send({ csrf, action: 'manual', patient: 'kid', what: 'bp', when: '2026-11-21T07:00', zone: 'Z', systolic: '101', diastolic: '64' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.text, /value="kid" selected/);
    assert.equal(await count('kid', '85354-9'), 1);
    assert.equal(await count('pat', '85354-9'), 0);
    const obs = (await server.request({ path: '/fhir/Observation?patient=kid&code=85354-9' })).json.entry[0].resource;
    assert.deepEqual(obs.performer, [{ reference: 'Patient/kid' }]);
    const prov = await server.request({ path: `/fhir/Provenance?target=Observation/${obs.id}` });
    const agents = prov.json.entry[0].resource.agent.map((a) => a.who.display ?? a.who.reference);
    assert.deepEqual(agents, ['Patient/kid', "Typed in by the patient's proxy (patient portal)"]);
  });

  it("a teen's proxy may add a weight (a growth-chart vital) but not a blood pressure", async () => {
    const w = await send({ csrf, action: 'manual', patient: 'teen', what: 'weight', when: '2026-11-20T08:00', zone: 'Z', value: '51.2', unit: 'kg' });
    assert.equal(w.status, 201, w.text);
    assert.equal(await count('teen', '29463-7'), 1);
    const bp = await send({ csrf, action: 'manual', patient: 'teen', what: 'bp', when: '2026-11-20T08:00', zone: 'Z', systolic: '118', diastolic: '70' });
    assert.equal(bp.status, 403, bp.text);
    assert.match(bp.text, /You may not add this kind of measurement to this record/);
    const steps = await send({ csrf, action: 'manual', patient: 'teen', what: 'steps', when: '2026-11-20T23:00', value: '9000' });
    assert.equal(steps.status, 403);
    assert.equal(await count('teen', '85354-9,41950-7'), 0);
  });

  it("an upload for the teen keeps only what the teen's proxy may add", async () => {
    const { body, type } = multipart({ csrf, source: 'apple', patient: 'teen' },
      { name: 'export.xml', data: readFileSync(sample('apple_ahcd_export_bp_correlation.xml')) });
    const r = await server.request({ method: 'POST', path: `${PAGE}/upload`, body, headers: { 'Content-Type': type, Cookie: cookie } });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /id="created">2</); // the two BMI readings (39156-5)
    assert.match(r.text, /id="skipped">8</); // heart rate and blood pressure: refused
    assert.equal(await count('teen', '39156-5'), 2);
    assert.equal(await count('teen', '8867-4'), 0);
  });

  it("refuses a record the account does not act for", async () => {
    const r = await send({ csrf, action: 'manual', patient: 'other', what: 'weight', when: '2026-11-20T08:00', zone: 'Z', value: '20', unit: 'kg' });
    assert.equal(r.status, 403);
    assert.equal(await count('other', '29463-7'), 0);
  });
});
