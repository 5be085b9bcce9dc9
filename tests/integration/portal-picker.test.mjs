// portal-picker.test.mjs - the authorize flow's patient picker offers only the
// patients the signed-in account may act for today: Daniel's child proxy for
// Owen ends on Owen's 18th birthday (the load day), so the picker offers Owen
// the minute before midnight and not the minute after, and a forged pick of
// Owen is refused. Nora (13 that day) stays, with the limited view.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, startServer, cliSync } from './lib/server.mjs';
import { browser, hidden, pkce, radios, PASSWORD } from './lib/launch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, '..', '..', 'fixtures');
const REDIRECT = 'https://app.example/cb';

const cli = (args, input) => cliSync(args, { input });

describe('patient picker by age', { concurrency: false }, () => {
  let dir, app;
  const srv = {};

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-picker-'));
    const db = path.join(dir, 'fhirgate.db');
    const authDb = path.join(dir, 'auth.db');
    const seeded = await runCli(['seed', '--db', db, '--fixtures', fixturesDir, '--now', '2026-11-23'], { timeoutMs: 120000 });
    assert.equal(seeded.code, 0, seeded.stderr);
    cli(['account', 'add', '--auth-db', authDb, '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin'], `${PASSWORD}\n`);
    for (const p of ['nora', 'owen'])
      cli(['account', 'proxy', 'add', '--auth-db', authDb, '--now', '2026-01-01', '--user', 'danielshaw', '--patient', p, '--kind', 'parent']);
    app = JSON.parse(cli(['client', 'add', '--auth-db', authDb, '--name', 'Picker app', '--redirect-uri', REDIRECT,
      '--type', 'public', '--scope', 'launch/patient patient/*.rs']));
    srv.before = await startServer({ db, authDb, now: '2026-11-22T23:59:00Z' });
    srv.after = await startServer({ db, authDb, now: '2026-11-23T00:01:00Z' });
  });
  after(async () => {
    for (const s of Object.values(srv)) {
      await s.stop();
      s.cleanup();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Signs in as Daniel; returns the browser and the picker page. */
  async function picker(s) {
    const { go } = browser(s.base);
    const { challenge } = pkce();
    const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT,
      scope: 'launch/patient patient/*.rs', state: 'st', aud: s.fhirBase, code_challenge: challenge, code_challenge_method: 'S256' });
    const start = await go(`/auth/authorize?${q}`);
    assert.equal(start.status, 303, start.text.slice(0, 300));
    const page = await go(start.location);
    const signin = await go('/auth/authorize', { method: 'POST', form: {
      ...hidden(page.text), action: 'signin', username: 'danielshaw', password: PASSWORD } });
    assert.equal(signin.status, 303, signin.text.slice(0, 300));
    return { go, page: await go(signin.location) };
  }

  it('offers Owen the minute before his 18th birthday', async () => {
    const { page } = await picker(srv.before);
    assert.equal(page.status, 200);
    assert.deepEqual(radios(page.text), ['daniel', 'nora', 'owen']);
  });

  it('no longer offers Owen the minute after, and refuses a forged pick', async () => {
    const { go, page } = await picker(srv.after);
    assert.deepEqual(radios(page.text), ['daniel', 'nora']);
    const forged = await go('/auth/authorize', { method: 'POST', form: {
      ...hidden(page.text), action: 'pick', patient: 'owen' } });
    assert.equal(forged.status, 400);
    assert.deepEqual(radios(forged.text), ['daniel', 'nora']);
  });
});
