// app.mjs - the fixture a browser e2e test runs against: fhirgate with the
// synthetic patients seeded and the demo portal accounts, and a tiny "app"
// web server on another loopback origin that receives the authorization
// redirects (and serves the demo page's files, as a third-party app would).
import { readFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { spawnSync } from 'node:child_process';

import { startServer, binaryPath } from '../../integration/lib/server.mjs';

export const PASSWORD = 'Demo-pass-2026';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEMO_DIR = path.join(ROOT, 'gateway/demo');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** Runs the binary (stdin = input) with no FHIRGATE_* variables; returns stdout. */
export function cli(args, input = '') {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FHIRGATE_')) env[k] = v;
  const r = spawnSync(binaryPath(), args, { input, env, encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`fhirgate ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Serves /callback (a plain page) and /demo/* (the repository's demo files). */
function startApp() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://app');
    if (url.pathname === '/callback') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>app</title><p>back at the app</p>');
      return;
    }
    if (url.pathname.startsWith('/demo/')) {
      const name = url.pathname.slice('/demo/'.length) || 'index.html';
      if (/^[a-z0-9-]+\.(html|js|css)$/.test(name)) {
        try {
          const body = readFileSync(path.join(DEMO_DIR, name));
          res.writeHead(200, { 'content-type': TYPES[path.extname(name)] });
          res.end(body);
          return;
        } catch { /* fall through to 404 */ }
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Starts the app server and fhirgate (seeded, with amyshaw, danielshaw (proxy
 * for lily and max) and maxshaw). Returns {srv, app, appBase, addClient, close}.
 */
export async function startFixture(serverOpts = {}) {
  const app = await startApp();
  const appBase = `http://127.0.0.1:${app.address().port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-e2e-'));
  const db = path.join(dir, 'fhirgate.db');
  const authDb = path.join(dir, 'fhirgate-auth.db');
  cli(['seed', '--db', db, '--fixtures', path.join(ROOT, 'fixtures')]);
  const adb = ['--auth-db', authDb];
  for (const [user, patient] of [['amyshaw', 'amy'], ['danielshaw', 'daniel'], ['maxshaw', 'max']])
    cli(['account', 'add', ...adb, '--user', user, '--patient', patient, '--password-stdin'], `${PASSWORD}\n`);
  for (const p of ['lily', 'max'])
    cli(['account', 'proxy', ...adb, '--user', 'danielshaw', '--patient', p, '--kind', 'parent']);
  const srv = await startServer({ db, authDb, ...serverOpts });
  return {
    srv, app, appBase, dir,
    /** `fhirgate client add`; returns the printed client JSON. */
    async addClient(name, type, redirectUris) {
      const args = ['client', 'add', ...adb, '--name', name, '--type', type];
      for (const u of redirectUris) args.push('--redirect-uri', u);
      return JSON.parse(cli(args));
    },
    async close() {
      await srv.stop();
      srv.cleanup();
      await new Promise((r) => app.close(r));
    },
  };
}
