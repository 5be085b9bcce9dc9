// cases.mjs - the data-driven integration runner.
//
// A case file tests/integration/cases/<area>/<name>.json is
//   {"description": "...",
//    "server": {"args": ["--max-body-bytes", "16"], "now": "2026-01-01"},   (optional)
//    "steps": [{"request": {"method", "path", "headers", "body" | "bodyBase64"},
//               "expect": {"status": 200 | [200, 201],
//                          "headers": {"name": "regex" | null (absent)},
//                          "json": {partial deep match},
//                          "jsonAbsent": ["$.path", ...],
//                          "bodyRegex": "regex"},
//               "capture": {"name": "$.json.path" | "header:Name"},
//               "auth": false | "<token name>"}],                          (optional)
//    "tokens": {"<name>": {"scope": "...", "patient": "amy", "user": "..."}}}  (optional)
// Requests carry the server's full-access operator token unless the step
// says "auth": false (no Authorization header) or names one of the case's
// "tokens" (minted with `fhirgate token issue` before the first step; also
// available as ${token_<name>}). An Authorization header in the step wins.
// A body that is an object is sent as JSON (Content-Type application/fhir+json
// unless given); a string is sent as is. "${base}" (http://host:port),
// "${fhirBase}" and captured "${name}" are substituted in requests and
// expectations. In "json", a string "re:<regex>" matches by regex.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';


/** Every case file under dir, sorted. */
export function findCaseFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findCaseFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

export function loadCase(file) {
  const c = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(c.steps) || c.steps.length === 0) throw new Error(`${file}: no steps`);
  if (typeof c.description !== 'string') throw new Error(`${file}: no description`);
  return c;
}

/** Replaces ${name} in every string inside v. Unknown names are an error. */
export function substitute(v, vars) {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, k) => {
      if (!(k in vars)) throw new Error(`unknown variable \${${k}}`);
      return String(vars[k]);
    });
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, vars));
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = substitute(x, vars);
    return o;
  }
  return v;
}

/** Evaluates "$.a.b[0].c" against a value; undefined when absent. */
export function jsonPath(value, p) {
  if (!p.startsWith('$')) throw new Error(`bad JSON path ${p}`);
  const tokens = [...p.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)];
  const consumed = tokens.map((t) => t[0]).join('');
  if (consumed !== p.slice(1)) throw new Error(`bad JSON path ${p}`);
  let cur = value;
  for (const t of tokens) {
    if (cur === undefined || cur === null) return undefined;
    cur = t[1] !== undefined ? cur[t[1]] : cur[Number(t[2])];
  }
  return cur;
}

/** Asserts that actual contains expected (objects: listed keys; arrays: listed items, in order). */
export function partialMatch(actual, expected, where = '$') {
  if (typeof expected === 'string' && expected.startsWith('re:')) {
    assert.equal(typeof actual, 'string', `${where}: expected a string matching ${expected}`);
    assert.match(actual, new RegExp(expected.slice(3)), `${where}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`);
    assert.ok(actual.length >= expected.length, `${where}: expected at least ${expected.length} items, got ${actual.length}`);
    expected.forEach((e, i) => partialMatch(actual[i], e, `${where}[${i}]`));
    return;
  }
  if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual),
      `${where}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, e] of Object.entries(expected)) partialMatch(actual[k], e, `${where}.${k}`);
    return;
  }
  assert.deepEqual(actual, expected, `${where}`);
}

function buildRequest(req) {
  const headers = { ...(req.headers ?? {}) };
  let body = req.body;
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    const hasCt = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    if (!hasCt) headers['Content-Type'] = 'application/fhir+json';
  }
  // "bodyBase64" sends exact bytes (invalid UTF-8 and other real bad bytes).
  if (req.bodyBase64 !== undefined) body = Buffer.from(req.bodyBase64, 'base64');
  return { method: req.method ?? 'GET', path: req.path, headers, body };
}

function checkExpect(res, expect, label) {
  const ctx = `${label}: ${res.status} ${res.text.slice(0, 400)}`;
  if (expect.status !== undefined) {
    const ok = Array.isArray(expect.status) ? expect.status.includes(res.status) : res.status === expect.status;
    assert.ok(ok, `status ${res.status}, want ${JSON.stringify(expect.status)} (${ctx})`);
  }
  for (const [name, re] of Object.entries(expect.headers ?? {})) {
    const v = res.headers[name.toLowerCase()];
    if (re === null) { assert.equal(v, undefined, `header ${name} should be absent (${ctx})`); continue; }
    assert.ok(v !== undefined, `header ${name} missing (${ctx})`);
    assert.match(String(v), new RegExp(re), `header ${name} (${ctx})`);
  }
  if (expect.json !== undefined) {
    assert.ok(res.json !== undefined, `body is not JSON (${ctx})`);
    partialMatch(res.json, expect.json);
  }
  for (const p of expect.jsonAbsent ?? []) {
    assert.equal(jsonPath(res.json, p), undefined, `${p} should be absent (${ctx})`);
  }
  if (expect.bodyRegex !== undefined) assert.match(res.text, new RegExp(expect.bodyRegex), ctx);
}

/** Runs all steps of a case against a started server. */
export async function runCase(c, server, file = '') {
  const vars = { base: server.base, fhirBase: server.fhirBase };
  const tokens = {};
  for (const [name, t] of Object.entries(c.tokens ?? {})) {
    tokens[name] = await server.token(t);
    vars[`token_${name}`] = tokens[name];
  }
  for (const [i, step] of c.steps.entries()) {
    const label = `${path.basename(file)} step ${i + 1}`;
    const req = buildRequest(substitute(step.request, vars));
    if (step.auth === false) req.auth = false;
    else if (typeof step.auth === 'string') {
      if (!(step.auth in tokens)) throw new Error(`${label}: no token named ${step.auth}`);
      req.auth = tokens[step.auth];
    }
    const res = await server.request(req);
    if (step.expect) checkExpect(res, substitute(step.expect, vars), label);
    for (const [name, from] of Object.entries(step.capture ?? {})) {
      const v = from.startsWith('header:') ? res.headers[from.slice(7).toLowerCase()] : jsonPath(res.json, from);
      assert.ok(v !== undefined, `${label}: nothing to capture at ${from}`);
      vars[name] = v;
    }
  }
}
