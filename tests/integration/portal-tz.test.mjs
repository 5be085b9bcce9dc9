// portal-tz.test.mjs - with portal_time_zone the portal's "today" is the
// calendar day in a tz-database zone, daylight saving time included: a
// patient born on 4 July turns 13 (or 18) at midnight in Chicago, which in
// July is 05:00 UTC (CDT, -5 h) - not at UTC midnight, and not at 06:00 UTC
// as the fixed offset -360 (CST) would have it.
//
// One record store and auth database; servers pinned on both sides of the
// local midnight, each issuing its own tokens (the view is derived per
// request, so the same grant changes view at the birthday).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runCli, startServer } from './lib/server.mjs';

const PASSWORD = 'Demo-pass-2026';
const SCOPE = 'launch/patient patient/*.rs openid fhirUser';
const ZONE = ['--portal-time-zone', 'America/Chicago'];
// name → [pinned clock, extra flags]
const SERVERS = {
  utcMidnightPassed: ['2026-07-04T04:59:59Z', ZONE], // Chicago: 3 July, 23:59:59 CDT
  localMidnight: ['2026-07-04T05:00:00Z', ZONE],     // Chicago: 4 July, 00:00:00 CDT
  fixedOffset: ['2026-07-04T05:00:00Z', ['--portal-utc-offset', '-360']], // 23:00 at -6 h
};
// What the parent's app sees at each server: nora turns 13 (limited view:
// immunizations yes, conditions no), owen turns 18 (child proxy ends).
const EXPECT = [
  { server: 'utcMidnightPassed', ref: 'Condition/tz-nora-cond', status: 200 },
  { server: 'utcMidnightPassed', ref: 'Immunization/tz-nora-imm', status: 200 },
  { server: 'utcMidnightPassed', ref: 'Immunization/tz-owen-imm', status: 200 },
  { server: 'utcMidnightPassed', ref: 'Condition/tz-owen-cond', status: 404 },
  { server: 'localMidnight', ref: 'Condition/tz-nora-cond', status: 404 },
  { server: 'localMidnight', ref: 'Immunization/tz-nora-imm', status: 200 },
  { server: 'localMidnight', ref: 'Immunization/tz-owen-imm', status: 403 },
  { server: 'localMidnight', ref: 'Condition/tz-owen-cond', status: 403 },
  { server: 'fixedOffset', ref: 'Condition/tz-nora-cond', status: 200 },
  { server: 'fixedOffset', ref: 'Immunization/tz-owen-imm', status: 200 },
];

const patient = (id, birthDate) => ({
  resourceType: 'Patient', id, birthDate, gender: 'unknown',
  identifier: [{ system: 'urn:fhirgate:test', value: id }],
  name: [{ family: 'Zone', given: [id] }],
});
const immunization = (id, p) => ({
  resourceType: 'Immunization', id, status: 'completed', patient: { reference: `Patient/${p}` },
  occurrenceDateTime: '2025-10-01',
  vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '141', display: 'Influenza, seasonal' }] },
  primarySource: true,
});
const condition = (id, p) => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${p}` },
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
  code: { coding: [{ system: 'http://snomed.info/sct', code: '11381005', display: 'Acne' }] },
});

describe('portal_time_zone: birthdays at local midnight, daylight saving time included', { concurrency: false }, () => {
  let dir;
  let db;
  let authDb;
  const srv = {};

  const cli = async (args, input) => {
    const r = await runCli([...args, '--auth-db', authDb, '--now', '2026-07-01'], { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-tz-'));
    db = path.join(dir, 'fhirgate.db');
    authDb = path.join(dir, 'auth.db');
    const writer = await startServer({ db, authDb, now: '2026-07-01' });
    const resources = [
      patient('tz-parent', '1985-03-02'), patient('tz-nora', '2013-07-04'), patient('tz-owen', '2008-07-04'),
      immunization('tz-nora-imm', 'tz-nora'), condition('tz-nora-cond', 'tz-nora'),
      immunization('tz-owen-imm', 'tz-owen'), condition('tz-owen-cond', 'tz-owen'),
    ];
    for (const r of resources) {
      const w = await writer.request({ method: 'PUT', path: `/fhir/${r.resourceType}/${r.id}`, body: JSON.stringify(r),
        headers: { 'Content-Type': 'application/fhir+json' } });
      assert.ok(w.status === 200 || w.status === 201, `${r.id}: ${w.status} ${w.text.slice(0, 300)}`);
    }
    assert.ok((await writer.stop()).exitedZero, writer.stderr().slice(-2000));
    await cli(['account', 'add', '--user', 'tzparent', '--patient', 'tz-parent', '--password-stdin'], `${PASSWORD}\n`);
    for (const p of ['tz-nora', 'tz-owen'])
      await cli(['account', 'proxy', 'add', '--user', 'tzparent', '--patient', p, '--kind', 'parent']);
    const app = JSON.parse(await cli(['client', 'add', '--name', 'Family app', '--redirect-uri', 'https://app.example/cb',
      '--type', 'public', '--scope', SCOPE])).client_id;
    for (const [name, [now, args]] of Object.entries(SERVERS)) {
      const s = await startServer({ db, authDb, now, args });
      srv[name] = s;
      s.tokens = {};
      for (const p of ['tz-nora', 'tz-owen'])
        s.tokens[p] = (await s.tokenResponse({ client: app, user: 'tzparent', patient: p, scope: SCOPE })).access_token;
    }
  });
  after(async () => {
    for (const s of Object.values(srv)) {
      const stop = await s.stop();
      assert.ok(stop.exitedZero, s.stderr().slice(-2000));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const e of EXPECT) {
    it(`${e.server}: ${e.ref} → ${e.status}`, async () => {
      const s = srv[e.server];
      const p = e.ref.includes('nora') ? 'tz-nora' : 'tz-owen';
      const r = await s.request({ path: `/fhir/${e.ref}`, headers: { Authorization: `Bearer ${s.tokens[p]}` } });
      assert.equal(r.status, e.status, r.text.slice(0, 300));
    });
  }

  it('a zone and a fixed offset together, a bad name or an unknown zone stop the server with the reason', async () => {
    const cases = [
      [['--portal-time-zone', 'America/Chicago', '--portal-utc-offset', '0'], /portal_time_zone and portal_utc_offset/],
      [['--portal-time-zone', '../../etc/passwd'], /not a time zone name/],
      [['--portal-time-zone', 'Mars/Olympus_Mons'], /portal_time_zone "Mars\/Olympus_Mons": no such zone/],
      [['--portal-time-zone', 'zone1970.tab'], /not a valid zone name or TZif/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['serve', '--port', '0', '--db', db, '--auth-db', authDb, '--access-log', 'off', ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re);
    }
  });
});
