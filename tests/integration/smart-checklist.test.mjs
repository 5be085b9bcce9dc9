// smart-checklist.test.mjs - the coverage map tests/integration/smart-checklist.md
// against the conformance checklist (../shared/docs/conformance-checklist.md,
// or $FHIRGATE_CHECKLIST): every check id of sections 2 and 5 has exactly one
// line, no line names an id the checklist lacks, every NOT COVERED line gives
// a reason, and every test a line names is declared (it/test/describe) in
// the file it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const CHECKLIST = process.env.FHIRGATE_CHECKLIST
  ?? path.resolve(root, '..', 'shared', 'docs', 'conformance-checklist.md');
const MAP = path.join(here, 'smart-checklist.md');
const SECTIONS = ['2', '5'];
const PREFIXES = new Set(['D', 'A', 'T', 'O', 'F', 'R', 'N', 'I', 'G']);

/** The check ids of the given top-level sections ("- [ ] N-5..N-8" gives N-5, N-6, N-7, N-8). */
export function checklistIds(text, sections = SECTIONS) {
  const ids = [];
  let inSection = false;
  for (const line of text.split('\n')) {
    const h = /^## (\d+)\./.exec(line);
    if (h) inSection = sections.includes(h[1]);
    else if (/^## /.test(line)) inSection = false;
    if (!inSection) continue;
    const m = /^- \[[ xX]\] ([A-Z])-(\d+)(?:\.\.([A-Z])-(\d+))?\s/.exec(line);
    if (!m) continue;
    const last = m[3] ? Number(m[4]) : Number(m[2]);
    if (m[3]) assert.equal(m[3], m[1], `range across prefixes: ${line}`);
    for (let n = Number(m[2]); n <= last; n++) ids.push(`${m[1]}-${n}`);
  }
  return ids;
}

/** The map's lines: id → {notCovered: reason} or {refs: [{file, name}]}. */
export function mapLines(text) {
  const out = new Map();
  const dup = [];
  for (const line of text.split('\n')) {
    const m = /^- ([A-Z]-\d+): (.*)$/.exec(line);
    if (!m) continue;
    if (out.has(m[1])) dup.push(m[1]);
    const body = m[2].trim();
    const nc = /^NOT COVERED:\s*(.*)$/.exec(body);
    if (nc) { out.set(m[1], { notCovered: nc[1].trim() }); continue; }
    const refs = body.split(' ; ').map((r) => {
      const x = /^(\S+\.(?:test\.mjs|mjs|json|c|sh)) › (.+?)(?:\s+\[[^\]]*\])?$/.exec(r.trim());
      return x ? { file: x[1], name: x[2] } : { bad: r };
    });
    out.set(m[1], { refs });
  }
  return { map: out, dup };
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('every check id of checklist sections 2 and 5 has a line in smart-checklist.md, and every named test exists', (t) => {
  assert.ok(existsSync(CHECKLIST), `no checklist at ${CHECKLIST} (set FHIRGATE_CHECKLIST)`);
  const ids = checklistIds(readFileSync(CHECKLIST, 'utf8'));
  assert.ok(ids.length >= 50, `only ${ids.length} check ids parsed from ${CHECKLIST}`);
  for (const id of ids) assert.ok(PREFIXES.has(id[0]), `unexpected check id ${id}`);
  const { map, dup } = mapLines(readFileSync(MAP, 'utf8'));
  assert.deepEqual(dup, [], 'ids with more than one line');
  const missing = ids.filter((id) => !map.has(id));
  assert.deepEqual(missing, [], 'check ids without a line in smart-checklist.md');
  const stale = [...map.keys()].filter((id) => !ids.includes(id));
  assert.deepEqual(stale, [], 'lines for ids the checklist does not have');
  const problems = [];
  let covered = 0;
  for (const [id, v] of map) {
    if (v.notCovered !== undefined) {
      if (v.notCovered.length < 10) problems.push(`${id}: NOT COVERED needs a reason`);
      continue;
    }
    covered++;
    for (const r of v.refs) {
      if (r.bad) { problems.push(`${id}: cannot read "${r.bad}"`); continue; }
      const file = path.join(here, r.file);
      if (!existsSync(file)) { problems.push(`${id}: no file ${r.file}`); continue; }
      const src = readFileSync(file, 'utf8');
      const decl = new RegExp(`\\b(?:it|test|describe)\\(\\s*(['"\`])${escapeRe(r.name)}\\1`);
      if (!decl.test(src)) problems.push(`${id}: ${r.file} declares no test "${r.name}"`);
    }
  }
  assert.deepEqual(problems, []);
  t.diagnostic(`${ids.length} checks: ${covered} covered, ${ids.length - covered} not covered`);
});

test('the parsers: ranges expand, other sections and malformed lines are caught', () => {
  const doc = ['## 1. x', '- [ ] X-1 outside', '## 2. SMART', '### 2.1', '- [ ] D-1 a', '- [ ] N-5..N-7 b',
    '## 3. Bulk', '- [ ] B-1 c', '## 5. essentials', '- [x] G-2 d'].join('\n');
  assert.deepEqual(checklistIds(doc), ['D-1', 'N-5', 'N-6', 'N-7', 'G-2']);
  const { map, dup } = mapLines(['- D-1: a.test.mjs › x ; b.test.mjs › y [note]', '- N-5: NOT COVERED: because',
    '- N-6: free text', '- D-1: NOT COVERED: again'].join('\n'));
  assert.deepEqual(dup, ['D-1']);
  assert.deepEqual(map.get('N-5'), { notCovered: 'because' });
  assert.deepEqual(map.get('N-6').refs, [{ bad: 'free text' }]);
});
