// server.test.mjs - server behaviour that does not fit a declarative case:
// keep-alive, HEAD on the wire, body limits with real oversize bodies, the
// access log, TLS versions, graceful SIGTERM with a request in flight, CLI.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { startServer, request, runCli, jsonLines } from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens a raw TCP connection and collects everything the server sends. */
function rawConnection(port) {
  const sock = net.connect(port, '127.0.0.1');
  let data = Buffer.alloc(0);
  const waiters = [];
  sock.on('data', (d) => {
    data = Buffer.concat([data, d]);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise((r) => sock.on('close', r));
  sock.on('error', () => {});
  return {
    sock,
    closed,
    text: () => data.toString('latin1'),
    /** Resolves once pred(text) holds, or rejects after ms. */
    async waitFor(pred, ms = 10000) {
      const end = Date.now() + ms;
      while (!pred(data.toString('latin1'))) {
        if (Date.now() > end) throw new Error(`timeout; got: ${data.toString('latin1').slice(0, 500)}`);
        await Promise.race([new Promise((r) => waiters.push(r)), sleep(50)]);
      }
    },
  };
}

async function stopOk(server) {
  const r = await server.stop();
  server.cleanup();
  assert.ok(r.exitedZero, `exit ${JSON.stringify(r)}\n${server.stderr().slice(-3000)}`);
}

describe('server', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await stopOk(srv); });

  it('serves two requests on one keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const a = await request(srv.base, { path: '/healthz', agent });
    const b = await request(srv.base, { path: '/no/such', agent });
    agent.destroy();
    assert.equal(a.status, 200);
    assert.equal(b.status, 404);
    assert.notEqual(a.headers.connection, 'close');
    assert.equal(b.socketReused, true, 'second request should reuse the connection');
    // And on the wire: two requests written on one socket, two answers back.
    const c = rawConnection(srv.port);
    c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor((t) => t.includes('{"status":"ok"}'));
    c.sock.write('GET /_bench/bare HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await c.closed;
    const answers = c.text().match(/HTTP\/1\.1 200/g) ?? [];
    assert.equal(answers.length, 2, c.text());
  });

  it('answers HEAD with the GET headers and no body bytes', async () => {
    const c = rawConnection(srv.port);
    c.sock.write('HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await c.closed;
    const t = c.text();
    assert.match(t, /^HTTP\/1\.1 200/);
    assert.match(t, /Content-Length: 16\r\n/i);
    assert.ok(t.endsWith('\r\n\r\n'), `no body expected after the headers: ${JSON.stringify(t)}`);
  });

  it('gives each request its own id, in the header and in the access log', async () => {
    const a = await request(srv.base, { path: '/healthz' });
    const b = await request(srv.base, { path: '/fhir/Patient/1?secret-param=hunter2&_count=5' });
    const ida = a.headers['x-request-id'];
    const idb = b.headers['x-request-id'];
    assert.match(ida, /^[0-9a-f]{16}$/);
    assert.match(idb, /^[0-9a-f]{16}$/);
    assert.notEqual(ida, idb);
    await sleep(100);
    const log = srv.accessLog();
    const la = log.find((l) => l.request_id === ida);
    const lb = log.find((l) => l.request_id === idb);
    assert.ok(la && lb, `access log lines missing:\n${srv.stdout()}`);
    assert.equal(la.method, 'GET');
    assert.equal(la.path, '/healthz');
    assert.equal(la.status, 200);
    assert.equal(la.bytes, 16);
    assert.ok(Number.isInteger(la.us) && la.us >= 0);
    assert.match(la.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Query values stay out of the log; names remain.
    assert.equal(lb.path, '/fhir/Patient/1?secret-param=&_count=');
    assert.ok(!srv.stdout().includes('hunter2'), 'a query value reached the access log');
  });

  it('refuses a request target longer than the limit with 414', async () => {
    const r = await request(srv.base, { path: `/fhir/Patient?name=${'a'.repeat(9000)}` });
    assert.equal(r.status, 414);
    assert.equal(r.json?.resourceType, 'OperationOutcome');
  });

  it('refuses oversized headers without leaking the request', async () => {
    const r = await request(srv.base, { path: '/healthz', headers: { 'X-Big': 'b'.repeat(40000) } })
      .catch((e) => ({ status: 0, error: e }));
    assert.ok(r.status === 0 || r.status >= 400, `status ${r.status}`);
    const ok = await request(srv.base, { path: '/healthz' });
    assert.equal(ok.status, 200);
  });
});

describe('access log destination', () => {
  it('writes to a file with --access-log FILE and nothing with off', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-log-'));
    try {
      const file = path.join(dir, 'access.log');
      const a = await startServer({ args: ['--access-log', file] });
      const r = await a.request({ path: '/healthz' });
      await stopOk(a);
      const lines = jsonLines(readFileSync(file, 'utf8'));
      const line = lines.find((l) => l.request_id === r.headers['x-request-id']);
      assert.ok(line, `no line for the request in ${file}`);
      assert.equal(a.stdout(), '');
      const b = await startServer({ args: ['--access-log', 'off'] });
      await b.request({ path: '/healthz' });
      await stopOk(b);
      assert.equal(b.accessLog().length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('body limit', () => {
  let srv;
  before(async () => { srv = await startServer({ args: ['--max-body-bytes', '1024'] }); });
  after(async () => { await stopOk(srv); });

  const checkTooBig = (r) => {
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.resourceType, 'OperationOutcome');
    assert.equal(r.json.issue[0].code, 'too-costly');
    assert.match(r.json.issue[0].diagnostics, /1024 bytes/);
  };

  it('answers 413 to a real oversize body with Content-Length', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(4096) });
    checkTooBig(await request(srv.base, {
      method: 'POST', path: '/fhir/Patient', headers: { 'Content-Type': 'application/fhir+json' }, body,
    }));
  });

  it('answers 413 to an oversize chunked body', async () => {
    const c = rawConnection(srv.port);
    c.sock.write('POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n'
      + 'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    for (let i = 0; i < 8; i++) c.sock.write(`200\r\n${'y'.repeat(0x200)}\r\n`);
    c.sock.write('0\r\n\r\n');
    await c.closed;
    assert.match(c.text(), /^HTTP\/1\.1 413/);
    assert.match(c.text(), /too-costly/);
  });

  it('answers 413 before the body when the client expects 100-continue', async () => {
    const c = rawConnection(srv.port);
    c.sock.write('POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n'
      + 'Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n');
    await c.waitFor((t) => t.includes('too-costly'));
    assert.match(c.text(), /^HTTP\/1\.1 413/);
    assert.ok(!c.text().includes('100 Continue'));
    c.sock.destroy();
  });

  it('accepts a body at exactly the limit', async () => {
    const pad = 1024 - JSON.stringify({ resourceType: 'Patient', x: '' }).length;
    const body = JSON.stringify({ resourceType: 'Patient', x: 'z'.repeat(pad) });
    assert.equal(Buffer.byteLength(body), 1024);
    const r = await request(srv.base, {
      method: 'POST', path: '/fhir/Patient', headers: { 'Content-Type': 'application/fhir+json' }, body,
    });
    assert.notEqual(r.status, 413, r.text);
  });
});

describe('graceful stop', () => {
  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const srv = await startServer();
    const body = JSON.stringify({ resourceType: 'Patient', active: true, identifier: [{ system: 'urn:fhirgate:test', value: 'inflight' }], name: [{ family: 'Inflight' }], gender: 'unknown' });
    const half = Math.floor(body.length / 2);
    const c = rawConnection(srv.port);
    c.sock.write(`POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n`
      + `Authorization: Bearer ${srv.operatorToken}\r\n`
      + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`);
    await sleep(300);
    srv.child.kill('SIGTERM');
    await sleep(500);
    assert.equal(srv.child.exitCode, null, 'server must wait for the request in flight');
    c.sock.write(body.slice(half));
    await c.closed;
    assert.match(c.text(), /^HTTP\/1\.1 20[01]/, c.text());
    const r = await srv.stop();
    srv.cleanup();
    assert.ok(r.exitedZero, `exit ${JSON.stringify(r)}\n${srv.stderr()}`);
    const events = jsonLines(srv.stderr()).map((l) => l.event);
    assert.ok(events.includes('stopping') && events.includes('stopped'), srv.stderr());
  });

  it('exits 0 on SIGINT too', async () => {
    const srv = await startServer();
    const r = await srv.stop('SIGINT');
    srv.cleanup();
    assert.ok(r.exitedZero, JSON.stringify(r));
  });
});

describe('tls', () => {
  let dir;
  let tls;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-tls-'));
    tls = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-keyout', tls.key, '-out', tls.cert], { stdio: 'ignore' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const curl = (args) => spawnSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', ...args],
    { encoding: 'utf8', timeout: 20000 });

  it('serves TLS 1.2 and 1.3 and refuses TLS 1.1', async () => {
    const srv = await startServer({ tls });
    try {
      const url = `https://127.0.0.1:${srv.port}/healthz`;
      const v12 = curl(['--tlsv1.2', '--tls-max', '1.2', url]);
      assert.equal(v12.stdout, '200', `TLS 1.2: ${v12.stderr}`);
      const v13 = curl(['--tlsv1.3', url]);
      assert.equal(v13.stdout, '200', `TLS 1.3: ${v13.stderr}`);
      // The client is told it may use TLS 1.1 (security level 0), so a
      // failure comes from the server's refusal.
      const v11 = curl(['--tlsv1.1', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0', url]);
      assert.notEqual(v11.status, 0, 'a TLS 1.1 handshake must fail');
      assert.notEqual(v11.stdout, '200');
      // Plain HTTP on the TLS port gets no HTTP answer.
      const plain = curl([`http://127.0.0.1:${srv.port}/healthz`]);
      assert.notEqual(plain.stdout, '200');
    } finally {
      await stopOk(srv);
    }
  });

  it('refuses to start with only one of --tls-cert and --tls-key', async () => {
    const r = await runCli(['serve', '--port', '0', '--tls-cert', tls.cert]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tls_cert and tls_key/);
  });
});

describe('cli', () => {
  it('prints help and version', async () => {
    const h = await runCli(['help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /serve/);
    assert.match(h.stdout, /version/);
    const sh = await runCli(['serve', '--help']);
    assert.equal(sh.code, 0);
    assert.match(sh.stdout, /--port/);
    assert.match(sh.stdout, /FHIRGATE_PORT/);
    const hs = await runCli(['help', 'serve']);
    assert.equal(hs.code, 0);
    assert.match(hs.stdout, /--base-url/);
    const v = await runCli(['version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^fhirgate \d+\.\d+\.\d+/);
  });

  it('rejects unknown commands, options and bad values with exit 2', async () => {
    const rows = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /usage/],
      [['serve', '--prot', '80'], /unknown option "--prot"/],
      [['serve', '--port', '80x'], /port.*80x/],
      [['serve', '--port'], /needs a value/],
      [['serve', '--threads', '0'], /threads/],
      [['serve', '--now', 'tomorrow'], /now/],
      [['help', 'nope'], /unknown command "nope"/],
    ];
    for (const [args, re] of rows) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });

  it('names file:line for a bad config file, and flags beat env beats file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fhirgate-cfg-'));
    try {
      const bad = path.join(dir, 'bad.conf');
      writeFileSync(bad, '# settings\nport = 8080\nfavourite_colour = blue\n');
      const r = await runCli(['serve', '--config', bad]);
      assert.equal(r.code, 2);
      assert.ok(r.stderr.includes(`${bad}:3`), r.stderr);
      assert.match(r.stderr, /favourite_colour/);
      const good = path.join(dir, 'good.conf');
      writeFileSync(good, 'base_url = http://from-file.example/fhir\nmax_body_bytes = 10\n');
      const srv = await startServer({
        env: { FHIRGATE_CONFIG: good, FHIRGATE_MAX_BODY_BYTES: '20' },
        args: ['--base-url', 'http://from-flag.example/fhir'],
      });
      try {
        const listening = jsonLines(srv.stderr()).find((l) => l.event === 'listening');
        assert.equal(listening.base_url, 'http://from-flag.example/fhir');
        const r20 = await request(srv.base, {
          method: 'POST', path: '/fhir/Patient', headers: { 'Content-Type': 'application/fhir+json' },
          body: '{"resourceType":"Patient"}',
        });
        assert.equal(r20.status, 413);
        assert.match(r20.json.issue[0].diagnostics, /20 bytes/);
      } finally {
        await stopOk(srv);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with a message when the port is taken', async () => {
    const srv = await startServer();
    try {
      const r = await runCli(['serve', '--port', String(srv.port), '--db', path.join(srv.dir, 'x.db')]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /cannot listen/);
    } finally {
      await stopOk(srv);
    }
  });
});
