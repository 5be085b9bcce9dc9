// conformance-selftest.test.mjs - `fhirgate conformance` (the US Core
// single-patient self-test, conformance/selftest.h):
//   - against fhirgate with the fixtures: zero fails, zero skips (its time, < 10 s, is measured by
//     scripts/bench-conformance.sh in `make bench`, never here);
//   - against an empty fhirgate: it runs to the end and reports skips with reasons;
//   - against a server we did not write (a stub answering wrong, odd or
//     broken things): it reports failures and never crashes.
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { runCli, startServer } from './lib/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOW = '2026-11-23';
const PATIENTS = ['amy', 'daniel', 'lily', 'max', 'ruth'];

/** Parses the result lines: [{result, id, rest}]. */
function lines(stdout) {
  return stdout.split('\n').filter((l) => /^(PASS|FAIL|SKIP) /.test(l))
    .map((l) => ({ result: l.slice(0, 4), id: l.slice(6, 11).trim(), rest: l.slice(12) }));
}

/** The token option once the server needs one (server.token exists after bearer enforcement). */
async function tokenArgs(server) {
  if (typeof server.token !== 'function') return [];
  const t = await server.token({ scope: 'system/*.rs' });
  return ['--token', t.access_token ?? t];
}

test('against fhirgate with the fixtures: every check passes, nothing skipped', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-conf-'));
  const db = path.join(dir, 'fhirgate.db');
  const seeded = await runCli(['seed', '--db', db, '--fixtures', path.join(root, 'fixtures'), '--now', NOW], { timeoutMs: 60000 });
  assert.equal(seeded.code, 0, seeded.stderr);
  const server = await startServer({ db, now: NOW });
  try {
    const args = ['conformance', server.fhirBase, ...PATIENTS.flatMap((p) => ['--patient', p]), '--require-all', ...(await tokenArgs(server))];
    const t0 = Date.now();
    const r = await runCli(args, { timeoutMs: 60000 });
    const elapsed = Date.now() - t0;
    const res = lines(r.stdout);
    assert.deepEqual(res.filter((x) => x.result !== 'PASS').map((x) => `${x.result} ${x.id} ${x.rest}`), []);
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    assert.match(r.stdout, /conformance: \d+ passed, 0 failed, 0 skipped/);
    // every family of checks ran
    for (const id of ['C-1', 'C-2', 'S-2', 'S-3', 'S-4', 'S-5', 'S-6', 'S-7', 'S-9', 'S-10', 'S-11', 'M-1', 'M-2', 'M-3', 'M-4', 'M-5', 'M-6', 'M-7', 'U-1']) {
      assert.ok(res.some((x) => x.id === id), `no ${id} line`);
    }
    assert.ok(res.length > 400, `only ${res.length} checks`);
    t.diagnostic(`self-test took ${elapsed} ms (timed in make bench)`);
  } finally {
    const st = await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
    assert.ok(st.exitedZero);
  }
});

test('against an empty fhirgate: runs to the end, skips with reasons, exit 1 under --require-all', async () => {
  const server = await startServer({ now: NOW });
  try {
    const r = await runCli(['conformance', server.fhirBase, '--patient', 'nobody', '--require-all', ...(await tokenArgs(server))], { timeoutMs: 60000 });
    assert.equal(r.code, 1, r.stderr);
    const res = lines(r.stdout);
    assert.ok(res.find((x) => x.id === 'C-1' && x.result === 'PASS'));
    const skips = res.filter((x) => x.result === 'SKIP');
    assert.ok(skips.length > 20);
    assert.ok(skips.every((x) => /\d+ ms  \S/.test(x.rest)), 'every skip says why');
    assert.match(r.stdout, /conformance: \d+ passed, \d+ failed, [1-9]\d* skipped/);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

/** A FHIR server we did not write: answers searches with resources that do not match, odd bodies, errors. */
function startStub() {
  const obs = { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '0000-0' }] }, subject: { reference: 'Patient/p1' } };
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body, type = 'application/fhir+json') => { res.writeHead(status, { 'Content-Type': type }); res.end(typeof body === 'string' ? body : JSON.stringify(body)); };
    if (url.pathname === '/fhir/metadata') return send(200, { resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', format: ['json'], rest: [{ resource: [{ type: 'Patient', supportedProfile: [{}] }] }] });
    if (url.pathname.startsWith('/fhir/Patient')) return send(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Patient', id: 'p1' } }, { resource: 'not an object' }], link: [{ relation: 'next', url: 'http://127.0.0.1:1/fhir/Patient?page=2' }] });
    if (url.pathname.startsWith('/fhir/Observation')) return send(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: obs }, { fullUrl: 'x' }] });
    if (url.pathname.startsWith('/fhir/MedicationRequest')) {
      const mr = { resourceType: 'MedicationRequest', id: 'mr1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' }, medicationReference: { reference: 'Medication/m1' } };
      return send(200, { resourceType: 'Bundle', type: 'searchset', entry: url.searchParams.get('intent')?.split(',').includes('order') ? [{ resource: mr, search: { mode: 'match' } }] : [] });
    }
    if (url.pathname.startsWith('/fhir/Condition')) return send(400, '<html>no</html>', 'text/html');
    if (url.pathname.startsWith('/fhir/Encounter')) return send(200, '{"resourceType":"Bundle","type":"searchset","entry":[');
    if (url.pathname.startsWith('/fhir/CarePlan')) { req.socket.destroy(); return undefined; }
    return send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

test('against a server we did not write: failures are reported, nothing crashes', async () => {
  const stub = await startStub();
  try {
    const base = `http://127.0.0.1:${stub.address().port}/fhir`;
    const r = await runCli(['conformance', base, '--token', 'anything'], { timeoutMs: 60000 });
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 1, r.stderr);
    const res = lines(r.stdout);
    assert.match(r.stdout, /patient\(s\): p1/);
    assert.ok(res.find((x) => x.id === 'C-2' && x.result === 'FAIL'), 'C-2 fails: no US Core profiles');
    assert.ok(res.find((x) => x.id === 'S-2' && x.result === 'FAIL' && /does not match code=/.test(x.rest)),
      'an Observation that does not match its search is caught');
    assert.ok(res.find((x) => x.id === 'S-2' && x.result === 'FAIL' && /status 400/.test(x.rest)), '400 without OperationOutcome');
    assert.ok(res.find((x) => x.id === 'S-10' && x.result === 'FAIL' && /Medication\/m1 not included/.test(x.rest)), 'a missing _include is caught');
    assert.ok(res.find((x) => x.id === 'S-9' && x.result === 'SKIP' && /no Provenance/.test(x.rest)), 'no Provenance: a skip, as the kit does');
    assert.match(r.stdout, /conformance: \d+ passed, [1-9]\d* failed/);
  } finally {
    stub.close();
  }
});

test('--client-id/--key: the token comes by client_credentials with a private_key_jwt assertion', async () => {
  // no --now: the assertion's exp is checked against the server's clock
  const server = await startServer();
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jwks = path.join(server.dir, 'jwks.json'), key = path.join(server.dir, 'key.json');
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'st', alg: 'ES384' }] }));
    writeFileSync(key, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'st', alg: 'ES384' }));
    const add = await runCli(['client', 'add', '--auth-db', server.authDbPath, '--name', 'selftest', '--redirect-uri', 'https://x.example/cb',
      '--type', 'confidential-asymmetric', '--jwks', jwks, '--scope', 'system/*.rs']);
    assert.equal(add.code, 0, add.stderr);
    const id = JSON.parse(add.stdout).client_id;
    const r = await runCli(['conformance', server.fhirBase, '--client-id', id, '--key', key, '--patient', 'nobody'], { timeoutMs: 60000 });
    assert.match(r.stdout, new RegExp(`^token: client_credentials for ${id} \\(scope system/\\*\\.rs\\)`, 'm'), r.stderr);
    assert.match(r.stdout, /conformance: \d+ passed/);
    // a public key is no private JWK; an unknown client gets no token
    const nokey = await runCli(['conformance', server.fhirBase, '--client-id', id, '--key', jwks]);
    assert.equal(nokey.code, 1);
    assert.match(nokey.stderr, /no private JWK/);
    const unknown = await runCli(['conformance', server.fhirBase, '--client-id', 'nope', '--key', key]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /refused: invalid_client/);
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('TLS: the certificate is verified (C-1 fails on a self-signed one) unless --insecure', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-conf-tls-'));
  const tls = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', tls.key, '-out', tls.cert], { stdio: 'ignore' });
  const server = await startServer({ tls });
  try {
    const c1 = (out) => lines(out).find((x) => x.id === 'C-1');
    const strict = await runCli(['conformance', server.fhirBase, '--patient', 'nobody'], { timeoutMs: 60000 });
    assert.equal(c1(strict.stdout)?.result, 'FAIL', strict.stdout.slice(0, 500));
    const loose = await runCli(['conformance', server.fhirBase, '--patient', 'nobody', '--insecure', ...(await tokenArgs(server))], { timeoutMs: 60000 });
    assert.equal(c1(loose.stdout)?.result, 'PASS', loose.stdout.slice(0, 500));
  } finally {
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Someone else's data: the US Core 7.0.0 package's own examples (not written
// for fhirgate), loaded by a batch, then the self-test over its example
// patients. Every search behaviour must pass; what the examples do not show
// (Provenance, some Must Support elements) may fail or skip. The package lives
// in ../shared (not part of the repository): without it the test is skipped.
const usCoreTgz = path.join(root, '..', 'shared', 'conformance', 'us-core', 'hl7.fhir.us.core-7.0.0.tgz');
test('the US Core package examples: every search, capability and $docref check passes', { skip: !existsSync(usCoreTgz) && 'no ../shared/conformance/us-core package' }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-uscore-ex-'));
  const server = await startServer();
  try {
    execFileSync('tar', ['xzf', usCoreTgz, '-C', dir]);
    const exDir = path.join(dir, 'package', 'example');
    const entry = readdirSync(exDir).filter((f) => f.endsWith('.json')).sort()
      .map((f) => JSON.parse(readFileSync(path.join(exDir, f), 'utf8')))
      .filter((r) => r.id && r.resourceType !== 'Bundle' && r.resourceType !== 'Parameters')
      .map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } }));
    const load = await server.request({ method: 'POST', path: '/fhir', headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }) });
    assert.equal(load.status, 200, load.text.slice(0, 500));
    assert.ok(entry.length > 200 && load.json.entry.every((e) => /^20[01]/.test(e.response.status)));
    const r = await runCli(['conformance', server.fhirBase, '--patient', 'example', '--patient', 'child-example', '--patient', 'infant-example',
      ...(await tokenArgs(server))], { timeoutMs: 60000 });
    const res = lines(r.stdout);
    assert.equal(r.signal, null);
    assert.deepEqual(res.filter((x) => x.result === 'FAIL' && /^[CSU]-/.test(x.id)).map((x) => `${x.id} ${x.rest}`), []);
    assert.ok(res.filter((x) => x.result === 'PASS' && x.id.startsWith('S-')).length > 250);
    assert.ok(res.find((x) => x.id === 'U-1' && x.result === 'PASS'));
  } finally {
    await server.stop();
    server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad usage: no base URL is exit 2', async () => {
  const r = await runCli(['conformance', '--patient', 'amy']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /BASE_URL/);
});
