// linked-apps.e2e.mjs - issue 5 in a real browser (Debian's chromium driven
// by playwright-core): the patient signs in at the management endpoint,
// finds the app under "Linked apps" and presses "Revoke access". Then, with
// no waiting: the app's access token gets 401 on its very next FHIR request,
// its refresh token 400 invalid_grant, introspection {"active": false}; a
// second app of the same patient keeps working; the app is listed under
// "Revoked" with the date.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { launchBrowser, signIn } from './lib/portal.mjs';
import { startServer, binaryPath } from '../integration/lib/server.mjs';

const PASSWORD = 'Demo-pass-2026';
const SCOPE = 'launch/patient offline_access patient/Patient.rs patient/Observation.rs';

function cli(args, input = '') {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
  const r = spawnSync(binaryPath(), args, { input, env, encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 3, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('linked apps: revoke in the browser', () => {
  let srv, browser, steps, diary, tSteps, tDiary;

  before(async () => {
    srv = await startServer();
    const db = ['--auth-db', srv.authDbPath];
    const add = (name) => JSON.parse(cli(['client', 'add', ...db, '--name', name, '--redirect-uri',
      'https://app.example/cb', '--type', 'confidential-symmetric', '--scope', SCOPE]));
    steps = add('Step Counter');
    diary = add('Blood Pressure Diary');
    cli(['account', 'add', ...db, '--user', 'amyshaw', '--patient', 'amy', '--password-stdin'], `${PASSWORD}\n`);
    const put = await srv.request({ method: 'PUT', path: '/fhir/Patient/amy', headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'amy', identifier: [{ system: 'urn:fhirgate:test', value: 'amy' }], gender: 'female', birthDate: '1980-04-02', name: [{ family: 'Shaw', given: ['Amy'] }] }) });
    assert.ok(put.status === 200 || put.status === 201, put.text);
    const issue = (c) => JSON.parse(cli(['token', 'issue', ...db, '--base-url', srv.fhirBase, '--client', c.client_id,
      '--patient', 'amy', '--user', 'amyshaw', '--scope', SCOPE]));
    tSteps = issue(steps);
    tDiary = issue(diary);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
    srv?.cleanup();
  });

  const read = (t) => srv.request({ path: '/fhir/Patient/amy', headers: { Authorization: `Bearer ${t.access_token}` } });
  const basic = (c) => `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`;
  const form = (o, c) => ({ method: 'POST', body: new URLSearchParams(o).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(c) } });

  it('Revoke access stops the app at once; the other app keeps working', async () => {
    assert.equal((await read(tSteps)).status, 200);
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${srv.base}/auth/apps`);
    await signIn(page, 'amyshaw', PASSWORD);
    await page.waitForURL(/\/auth\/apps$/);
    assert.equal(await page.locator('h1').textContent(), 'Linked apps');
    const app = page.locator('section.app', { hasText: 'Step Counter' });
    assert.match(await app.textContent(), /Read your name, birth date and contact details/);
    assert.match(await app.textContent(), /Last used/);
    await app.getByRole('button', { name: 'Revoke access' }).click();
    await page.waitForURL(/done=revoked/);
    // the very next requests, no waiting
    const next = await read(tSteps);
    assert.equal(next.status, 401);
    const refresh = await srv.request({ path: '/auth/token', ...form({ grant_type: 'refresh_token', refresh_token: tSteps.refresh_token }, steps) });
    assert.equal(refresh.status, 400);
    assert.equal(refresh.json.error, 'invalid_grant');
    const intro = await srv.request({ path: '/auth/introspect', ...form({ token: tSteps.access_token }, steps) });
    assert.deepEqual(intro.json, { active: false });
    assert.equal((await read(tDiary)).status, 200);
    // listed under Revoked with the date; no longer among the active apps
    assert.equal(await page.locator('section.app', { hasText: 'Step Counter' }).count(), 0);
    assert.match(await page.locator('ul.revoked').textContent(), /Step Counter — revoked on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    await context.close();
  });
});
