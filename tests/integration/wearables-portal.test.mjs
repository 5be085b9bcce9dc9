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
