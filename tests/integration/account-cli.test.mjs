// account-cli.test.mjs - `fhirgate account add|proxy`: portal rules with clear
// messages, duplicate names in any letter case, proxies, idempotency exit code 3.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { binaryPath } from './lib/server.mjs';

describe('fhirgate account', () => {
  let dir;
  let db;
  const run = (args, input) => {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
    const r = spawnSync(binaryPath(), ['account', ...args, '--auth-db', db], {
      input: input ?? '', env, encoding: 'utf8', timeout: 20000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fg-account-'));
    db = path.join(dir, 'auth.db');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds an account and refuses the same name in another letter case', () => {
    const a = run(['add', '--user', 'amyshaw', '--patient', 'amy', '--password-stdin'], 'Demo-pass-2026\n');
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /account amyshaw added/);
    const b = run(['add', '--user', 'AmyShaw', '--patient', 'amy', '--password-stdin'], 'Demo-pass-2026\n');
    assert.equal(b.code, 3);
    assert.match(b.err, /taken/);
  });

  for (const [user, pw, msg] of [
    ['amy', 'Demo-pass-2026', /5 to 24/],
    ['amy_shaw', 'Demo-pass-2026', /letters and digits/],
    ['bobby1', 'Short-1', /at least 10/],
    ['bobby1', 'alllowercase-1', /upper-case/],
    ['bobby1', 'xxBobby1xx-Z', /user name/],
  ]) {
    it(`refuses user ${user} / a weak password with a clear message`, () => {
      const r = run(['add', '--user', user, '--password-stdin'], `${pw}\n`);
      assert.equal(r.code, 2);
      assert.match(r.err, msg);
    });
  }

  it('requires the password on standard input', () => {
    const r = run(['add', '--user', 'bobby1']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--password-stdin/);
  });

  it('adds a proxy once; a second time is exit 3; checks kind, user and expiry', () => {
    assert.equal(run(['add', '--user', 'danielshaw', '--patient', 'daniel', '--password-stdin'], 'Demo-pass-2026\n').code, 0);
    const p = run(['proxy', '--user', 'danielshaw', '--patient', 'lily', '--kind', 'parent']);
    assert.equal(p.code, 0, p.err);
    assert.equal(run(['proxy', '--user', 'danielshaw', '--patient', 'lily', '--kind', 'parent']).code, 3);
    assert.equal(run(['proxy', '--user', 'danielshaw', '--patient', 'max', '--kind', 'uncle']).code, 2);
    assert.equal(run(['proxy', '--user', 'danielshaw', '--patient', 'max', '--kind', 'court-guardian']).code, 2);
    assert.equal(run(['proxy', '--user', 'nobody12', '--patient', 'max', '--kind', 'parent']).code, 1);
    assert.equal(run(['proxy', '--user', 'danielshaw', '--patient', 'max', '--kind', 'adult', '--expires', '2001-01-01']).code, 2);
    assert.equal(run(['proxy', '--user', 'danielshaw', '--patient', 'max', '--kind', 'adult', '--expires', '2099-01-01']).code, 0);
  });

  it('proxy add|list|revoke: JSON lines with state, court orders as DocumentReference references', () => {
    assert.equal(run(['add', '--user', 'amyproxy', '--patient', 'amy', '--password-stdin'], 'Demo-pass-2026\n').code, 0);
    const court = run(['proxy', 'add', '--user', 'amyproxy', '--patient', 'ruth', '--kind', 'court-guardian',
      '--court-order', 'DocumentReference/court-order-1', '--now', '2026-11-23']);
    assert.equal(court.code, 0, court.err);
    const id = court.out.match(/proxy (\d+) added/)[1];
    assert.equal(run(['proxy', 'add', '--user', 'amyproxy', '--patient', 'daniel', '--kind', 'court-guardian',
      '--court-order', 'http://court.example/order']).code, 2);
    assert.equal(run(['proxy', 'add', '--user', 'amyproxy', '--patient', 'daniel', '--kind', 'adult',
      '--start', '2026-12-01', '--now', '2026-11-23']).code, 0);
    const list = run(['proxy', 'list', '--user', 'amyproxy', '--now', '2026-11-23']);
    assert.equal(list.code, 0, list.err);
    const rows = list.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => [r.patient, r.kind, r.state]),
      [['ruth', 'court-guardian', 'active'], ['daniel', 'adult', 'pending']]);
    assert.equal(rows[0].courtOrder, 'DocumentReference/court-order-1');
    assert.equal(rows[0].user, 'amyproxy');
    assert.equal(run(['proxy', 'revoke', id, '--now', '2026-11-24']).code, 0);
    assert.equal(run(['proxy', 'revoke', id]).code, 1);
    assert.equal(run(['proxy', 'revoke', 'abc']).code, 2);
    const after = run(['proxy', 'list', '--patient', 'ruth']).out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(after.length, 1);
    assert.equal(after[0].state, 'revoked');
    assert.equal(after[0].revoked, '2026-11-24T00:00:00.000Z');
  });

  it('activation-code: a 15-letter code for one patient, valid 14 days; only its digest is stored', () => {
    const r = run(['activation-code', '--patient', 'max', '--now', '2026-11-23']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.patient, 'max');
    assert.match(out.code, /^[A-HJ-KMNP-TV-Z2-9]{5}-[A-HJ-KMNP-TV-Z2-9]{5}-[A-HJ-KMNP-TV-Z2-9]{5}$/);
    assert.equal(out.expires, '2026-12-07T00:00:00.000Z');
    assert.equal(JSON.parse(run(['activation-code', '--patient', 'max', '--days', '3', '--now', '2026-11-23']).out).expires,
      '2026-11-26T00:00:00.000Z');
    assert.notEqual(JSON.parse(run(['activation-code', '--patient', 'max']).out).code, out.code);
    assert.equal(run(['activation-code']).code, 2);
    assert.equal(run(['activation-code', '--patient', 'max', '--days', '0']).code, 2);
    assert.equal(run(['activation-code', '--patient', 'bad id!']).code, 2);
    for (const f of [db, `${db}-wal`].filter((x) => existsSync(x))) {
      const raw = readFileSync(f);
      assert.ok(raw.includes(Buffer.from('max')), `${f} holds the codes`); // the scan can see them
      assert.ok(!raw.includes(Buffer.from(out.code.replace(/-/g, ''))), `${f}: the code is stored in clear`);
    }
  });
});
