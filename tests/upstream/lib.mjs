// lib.mjs - start the upstream test FHIR server (server.mjs) from a test.
//
// It runs under the Node 22 that the npm package `node` installs in
// node_modules (@medplum/fhir-router needs Node >= 22.18; the machine's may
// be older). startUpstream() resolves once it listens.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const node22 = path.join(root, 'node_modules/node/bin/node');

function call(base, method, p, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(p, base);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, { method, headers: { 'Content-Type': 'application/json' }, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

/** Starts server.mjs with extra args; resolves {base, fhirBase, requests, reset, mode, get, stop}. */
export async function startUpstream(args = []) {
  const child = spawn(node22, [path.join(root, 'tests/upstream/server.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`upstream did not start:\n${err}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /"port":(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`upstream exited ${code}:\n${err}`)); });
  });
  const base = `${args.includes('--tls-cert') ? 'https' : 'http'}://127.0.0.1:${port}`;
  const exited = new Promise((r) => child.on('exit', r));
  return {
    port, base, fhirBase: `${base}/fhir`, child,
    /** Recorded requests (method, url, headers), oldest first. */
    requests: async () => (await call(base, 'GET', '/_test/requests')).json,
    reset: () => call(base, 'POST', '/_test/reset', {}),
    mode: (m) => call(base, 'POST', '/_test/mode', m),
    /** A direct FHIR GET (no credentials unless given). */
    get: (p, headers = {}) => new Promise((resolve, reject) => {
      const u = new URL(p, base);
      (u.protocol === 'https:' ? https : http).get(u, { headers, rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined }));
      }).on('error', reject);
    }),
    async stop() { child.kill('SIGKILL'); await exited; },
  };
}

/** A fixtures directory with the shared resources and the given patients only. */
export function fixtureSubset(patients) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-fx-'));
  symlinkSync(path.join(root, 'fixtures/shared'), path.join(dir, 'shared'));
  mkdirSync(path.join(dir, 'patients'));
  for (const p of patients) symlinkSync(path.join(root, 'fixtures/patients', p), path.join(dir, 'patients', p));
  return dir;
}
