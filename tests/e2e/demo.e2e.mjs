// demo.e2e.mjs - the demo app (gateway/demo/, served by fhirgate at /demo)
// in a real browser: a SMART standalone launch with PKCE from browser
// JavaScript, then the patient's name, conditions and latest vital signs on
// the page. Served by fhirgate itself (same origin) and by another origin
// (the token endpoint and the FHIR API then answer through CORS, which the
// browser enforces: an unregistered origin cannot read them).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser, signIn, pickPatient, deny } from './lib/portal.mjs';
import { startFixture, cli, PASSWORD } from './lib/app.mjs';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/patients');

/** What the fixtures hold for a patient: name, condition texts, vital-sign code texts. */
function expected(patient) {
  const dir = path.join(FIXTURES, patient);
  const all = readdirSync(dir).filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')).entry.map((e) => e.resource));
  const conditions = all.filter((r) => r.resourceType === 'Condition').map((c) => c.code.text);
  const vitals = new Set(all
    .filter((r) => r.resourceType === 'Observation' && r.category?.some((c) => c.coding?.some((x) => x.code === 'vital-signs')))
    .map((o) => o.code.text));
  const p = all.find((r) => r.resourceType === 'Patient');
  const n = p.name.find((x) => x.use === 'official') ?? p.name[0];
  return { name: n.text ?? [...(n.given ?? []), n.family].join(' '), conditions, vitals };
}

describe('the /demo app in chromium', () => {
  let fx, browser;

  before(async () => {
    fx = await startFixture();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  /** Connect -> sign in [-> pick] -> Allow (what the page asks, less `withhold`); returns the page. */
  async function runDemo(context, startUrl, user, patient, withhold = []) {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(startUrl);
    await page.getByRole('button', { name: 'Connect to your health record' }).click();
    await signIn(page, user, PASSWORD);
    if (patient) await pickPatient(page, patient);
    for (const scope of withhold) await page.locator(`input[type=checkbox][name=scope][value="${scope}"]`).uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.locator('#record').waitFor({ state: 'visible', timeout: 15000 });
    assert.deepEqual(errors, []);
    return page;
  }

  it('served by fhirgate: amyshaw launches and sees her name, conditions and latest vitals', async () => {
    const demoUri = `${fx.srv.base}/demo/`;
    const client = await fx.addClient('fhirgate demo', 'public', [demoUri]);
    const context = await browser.newContext();
    try {
      const page = await runDemo(context, `${fx.srv.base}/demo?client_id=${client.client_id}`, 'amyshaw');
      assert.equal(new URL(page.url()).search, '', 'the code is gone from the address bar');
      const want = expected('amy');
      assert.equal(await page.locator('#patient-name').textContent(), want.name);
      const conditions = await page.locator('#conditions li').allTextContents();
      assert.equal(conditions.length, want.conditions.length, conditions.join('; '));
      for (const c of want.conditions) assert.ok(conditions.some((t) => t.startsWith(c)), `condition ${c} shown`);
      const rows = await page.locator('#vitals tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
      assert.equal(rows.length, want.vitals.size, JSON.stringify(rows));
      for (const [name, value, date] of rows) {
        assert.ok(want.vitals.has(name), `vital ${name} is amy's`);
        assert.match(value, /\d/, `${name} has a value`);
        assert.match(date, /^\d{4}-\d{2}-\d{2}$/);
      }
      const granted = (await page.locator('#granted').textContent()).split(' ');
      assert.ok(granted.includes('patient/Condition.rs') && granted.includes('patient/Observation.rs'), granted.join(' '));
    } finally {
      await context.close();
    }
  });

  it('EHR launch: `fhirgate launch` for a practitioner opens the demo, which authorizes with launch= and shows the chart', async () => {
    const adb = ['--auth-db', fx.srv.authDbPath];
    const demoUri = `${fx.srv.base}/demo/`;
    cli(['client', 'add', ...adb, '--client-id', 'demo-ehr', '--name', 'fhirgate demo (EHR)', '--type', 'public',
      '--redirect-uri', demoUri, '--launch-uri', `${demoUri}?client_id=demo-ehr`]);
    cli(['account', 'add', ...adb, '--user', 'drokafor', '--practitioner', 'pr-nora-okafor', '--password-stdin'], `${PASSWORD}\n`);
    const url = cli(['launch', ...adb, '--db', fx.srv.dbPath, '--base-url', fx.srv.fhirBase, '--client', 'demo-ehr',
      '--user', 'drokafor', '--patient', 'amy', '--encounter', 'amy-enc-6']).trim();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url); // no button: the page goes straight to /auth/authorize
      await signIn(page, 'drokafor', PASSWORD);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.locator('#record').waitFor({ state: 'visible', timeout: 15000 });
      assert.deepEqual(errors, []);
      assert.equal(await page.locator('#patient-name').textContent(), expected('amy').name);
      assert.match(await page.locator('#context').textContent(), /Launched by the EHR in the context of Encounter\/amy-enc-6/);
      assert.ok((await page.locator('#granted').textContent()).split(' ').includes('launch'));
    } finally {
      await context.close();
    }
  });

  it('EHR launch from an unknown iss is refused by the demo page', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${fx.srv.base}/demo/?client_id=x&iss=${encodeURIComponent('https://evil.example/fhir')}&launch=abc`);
      await assert.doesNotReject(page.getByText(/EHR launch from an unknown server/).waitFor());
      assert.equal(new URL(page.url()).origin, fx.srv.base, 'the page stayed');
    } finally {
      await context.close();
    }
  });

  it('a permission withheld at consent: the demo shows that part as not shared (403), the rest as usual', async () => {
    const client = await fx.addClient('fhirgate demo (partial)', 'public', [`${fx.srv.base}/demo/`]);
    const context = await browser.newContext();
    try {
      const page = await runDemo(context, `${fx.srv.base}/demo/?client_id=${client.client_id}`, 'maxshaw', null,
        ['patient/Condition.rs']);
      assert.equal(await page.locator('#patient-name').textContent(), expected('max').name);
      assert.deepEqual(await page.locator('#conditions li').allTextContents(), ['Not shared with this app.']);
      assert.ok((await page.locator('#vitals tbody tr').count()) > 0);
      assert.ok(!(await page.locator('#granted').textContent()).includes('Condition'));
    } finally {
      await context.close();
    }
  });

  it('Deny in the portal comes back to the demo as a clear message', async () => {
    const client = await fx.addClient('fhirgate demo (deny)', 'public', [`${fx.srv.base}/demo/`]);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${fx.srv.base}/demo/?client_id=${client.client_id}`);
      await page.getByRole('button', { name: 'Connect to your health record' }).click();
      await signIn(page, 'amyshaw', PASSWORD);
      await deny(page);
      await page.waitForURL((u) => u.pathname === '/demo/' && !u.search);
      await assert.doesNotReject(page.getByText('You did not allow access.').waitFor());
      assert.equal(await page.locator('#record').isVisible(), false);
    } finally {
      await context.close();
    }
  });

  it('served from another origin: token and FHIR calls go through CORS for the registered origin', async () => {
    const demoUri = `${fx.appBase}/demo/`;
    const client = await fx.addClient('demo elsewhere', 'public', [demoUri]);
    const context = await browser.newContext();
    try {
      const start = `${demoUri}?iss=${encodeURIComponent(fx.srv.fhirBase)}&client_id=${client.client_id}`;
      const page = await runDemo(context, start, 'danielshaw', 'Lily');
      assert.equal(new URL(page.url()).origin, fx.appBase);
      assert.equal(await page.locator('#patient-name').textContent(), expected('lily').name);
      assert.ok((await page.locator('#vitals tbody tr').count()) > 0);
    } finally {
      await context.close();
    }
  });

  it('the browser withholds the token endpoint from an unregistered origin, not discovery', async () => {
    const context = await browser.newContext();
    const tryFetch = (page, url, init) => page.evaluate(async ([u, i]) => {
      try { return (await fetch(u, i)).status; } catch (e) { return `blocked: ${e.name}`; }
    }, [url, init]);
    const tokenReq = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=BAD_CODE' };
    try {
      await fx.addClient('registered origin', 'public', [`${fx.appBase}/callback`]);
      const page = await context.newPage();
      // Same server, other host name: http://localhost:P is another origin, never registered.
      await page.goto(`${fx.appBase.replace('127.0.0.1', 'localhost')}/callback`);
      assert.match(String(await tryFetch(page, `${fx.srv.base}/auth/token`, tokenReq)), /^blocked/);
      assert.match(String(await tryFetch(page, `${fx.srv.fhirBase}/Patient/amy`, { headers: { Authorization: 'Bearer x' } })), /^blocked/);
      assert.equal(await tryFetch(page, `${fx.srv.fhirBase}/.well-known/smart-configuration`), 200);
      await page.goto(`${fx.appBase}/callback`);
      const status = await tryFetch(page, `${fx.srv.base}/auth/token`, tokenReq);
      assert.ok(status === 400 || status === 401, `the OAuth error is readable: ${status}`);
    } finally {
      await context.close();
    }
  });
});
