// validator-crosscheck.test.mjs - fhirgate's C validator (`fhirgate validate
// --json`) against an independent one (@medplum/core's validateResource with
// the US Core 7.0.0 StructureDefinitions loaded): both must agree, resource by
// resource, on valid / invalid, over the hand-made cases in
// tests/integration/validator/ and every resource of the fixtures.
//
// A hand-made case may name a known gap of the other validator
// ("medplumMisses": why); there the two must disagree the expected way, so a
// change on either side shows up.
//
// The US Core package comes from ../shared/conformance/us-core (not part of
// the repository); without it the test is skipped with the reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const usCoreTgz = path.join(root, '..', 'shared', 'conformance', 'us-core', 'hl7.fhir.us.core-7.0.0.tgz');
const r4Dir = path.join(root, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');
const FIXED_DATE = '2024-06-01';

function binary() {
  return path.resolve(process.env.FHIRGATE_BIN || path.join(root, 'build', 'fhirgate'));
}

/** @medplum/core with the R4 base and the US Core profiles; returns {core, profiles, unloadable}. */
async function loadMedplum() {
  // @medplum/core touches WebSocket at import time (its client); the validator does not use it.
  globalThis.WebSocket ??= class {};
  const core = await import('@medplum/core');
  core.indexStructureDefinitionBundle(JSON.parse(readFileSync(path.join(r4Dir, 'profiles-types.json'), 'utf8')));
  core.indexStructureDefinitionBundle(JSON.parse(readFileSync(path.join(r4Dir, 'profiles-resources.json'), 'utf8')));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'uscore-'));
  const profiles = new Map();
  const unloadable = [];
  try {
    execFileSync('tar', ['xzf', usCoreTgz, '-C', tmp]);
    const dir = path.join(tmp, 'package');
    for (const f of readdirSync(dir).sort()) {
      if (!f.startsWith('StructureDefinition-')) continue;
      const sd = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
      try {
        core.loadDataType(sd);
        profiles.set(sd.url, sd);
      } catch (e) {
        unloadable.push(`${sd.id}: ${e.message}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { core, profiles, unloadable };
}

/** Fixture placeholders ${date:..}, ${datetime:..}, ${instant:..} with one fixed day. */
function substitute(text) {
  return text
    .replace(/\$\{date:[^}]*\}/g, FIXED_DATE)
    .replace(/\$\{datetime:[^}]*\}/g, `${FIXED_DATE}T10:00:00Z`)
    .replace(/\$\{instant:[^}]*\}/g, `${FIXED_DATE}T10:00:00.000Z`);
}

/** [{name, resource, expectValid?}] from the hand-made cases and the fixtures. */
function collectResources() {
  const out = [];
  const caseDir = path.join(root, 'tests', 'integration', 'validator');
  for (const f of readdirSync(caseDir).sort()) {
    if (!f.endsWith('.json')) continue;
    const c = JSON.parse(readFileSync(path.join(caseDir, f), 'utf8'));
    out.push({ name: `case ${f}`, resource: c.resource, expectValid: c.expectValid, medplumMisses: c.medplumMisses });
  }
  const fixtureFiles = [];
  const fx = path.join(root, 'fixtures');
  if (existsSync(path.join(fx, 'shared')))
    for (const f of readdirSync(path.join(fx, 'shared')).sort()) fixtureFiles.push(path.join(fx, 'shared', f));
  if (existsSync(path.join(fx, 'patients')))
    for (const p of readdirSync(path.join(fx, 'patients')).sort())
      for (const f of readdirSync(path.join(fx, 'patients', p)).sort()) fixtureFiles.push(path.join(fx, 'patients', p, f));
  for (const file of fixtureFiles.filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(substitute(readFileSync(file, 'utf8')));
    const list = doc.resourceType === 'Bundle' ? (doc.entry || []).map((e) => e.resource) : [doc];
    for (const r of list) out.push({ name: `${path.relative(root, file)} ${r.resourceType}/${r.id}`, resource: r });
  }
  return out;
}

/** Runs `fhirgate validate --json` over all resources at once; one report per resource. */
function validateWithFhirgate(resources) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fg-validate-'));
  try {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: resources.map((r) => ({ resource: r.resource })) };
    const file = path.join(tmp, 'all.json');
    writeFileSync(file, JSON.stringify(bundle));
    const run = spawnSync(binary(), ['validate', '--json', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
    assert.ok(run.status === 0 || run.status === 1, `fhirgate validate exit ${run.status}: ${run.stderr}`);
    const reports = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(reports.length, resources.length, 'one report per resource');
    return reports;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function medplumErrors(core, resource, sd) {
  try {
    return core.validateResource(resource, sd ? { profile: sd } : undefined).filter((i) => i.severity === 'error');
  } catch (e) {
    return e.outcome?.issue?.filter((i) => i.severity === 'error') ?? [{ details: { text: e.message } }];
  }
}

const brief = (issues) =>
  issues.map((i) => `${(i.expression || []).join(',')}: ${i.details?.text ?? i.diagnostics}`).slice(0, 4).join(' | ');

test('the C validator and @medplum/core agree on valid / invalid', { skip: !existsSync(usCoreTgz) && `no US Core package at ${usCoreTgz}` }, async () => {
  const { core, profiles, unloadable } = await loadMedplum();
  const resources = collectResources();
  const reports = validateWithFhirgate(resources);
  const disagreements = [];
  const wrong = [];
  const knownGaps = [];
  let fgInvalid = 0;
  let compared = 0;
  let baseOnly = 0;
  resources.forEach((r, i) => {
    const rep = reports[i];
    const fgValid = rep.errors === 0;
    if (!fgValid) fgInvalid++;
    if (r.expectValid !== undefined && r.expectValid !== fgValid)
      wrong.push(`${r.name}: fhirgate says ${fgValid ? 'valid' : 'invalid'}, expected ${r.expectValid ? 'valid' : 'invalid'}`);
    // Both validate against the same profile: the one fhirgate chose (claimed or implied).
    // A profile medplum cannot load (listed below): it checks the base definition only there.
    if (rep.profile && !profiles.has(rep.profile)) baseOnly++;
    compared++;
    const mp = medplumErrors(core, r.resource, profiles.get(rep.profile));
    const mpValid = mp.length === 0;
    if (r.medplumMisses) {
      if (!(mpValid && !fgValid))
        disagreements.push(`${r.name}: expected the known gap (${r.medplumMisses}), got fhirgate ${fgValid}, medplum ${mpValid}`);
      else knownGaps.push(`${r.name}: ${r.medplumMisses}`);
      return;
    }
    if (mpValid !== fgValid) {
      const fgIssues = (rep.outcome.issue || []).filter((x) => x.severity === 'error');
      disagreements.push(
        `${r.name} [${rep.profile || 'base'}]: fhirgate ${fgValid ? 'valid' : 'invalid'} (${brief(fgIssues)}), ` +
          `medplum ${mpValid ? 'valid' : 'invalid'} (${brief(mp)})`
      );
    }
  });
  console.log(
    `validator cross-check: ${resources.length} resources, ${compared} compared (${baseOnly} base-only on medplum's side), fhirgate found ${fgInvalid} invalid; ` +
      `${disagreements.length} disagreement(s), ${knownGaps.length} known medplum gap(s); ` +
      `profiles medplum cannot load: ${unloadable.length}`
  );
  for (const g of knownGaps) console.log(`  known gap ${g}`);
  for (const u of unloadable) console.log(`  medplum cannot load ${u}`);
  for (const d of disagreements) console.log(`  DISAGREE ${d}`);
  assert.deepEqual(wrong, [], 'hand-made cases have the expected validity');
  assert.deepEqual(disagreements, [], 'both validators agree');
});

// Runtime writes are checked against the profile "their code implies" when
// they claim none: over the fixtures (which all claim theirs), dropping
// meta.profile must lead fhirgate to the same profile.
test('without meta.profile, fhirgate implies the profile each fixture claims', () => {
  const fixtures = collectResources().filter((r) => r.expectValid === undefined && r.resource.meta?.profile);
  assert.ok(fixtures.length > 0, 'fixtures with meta.profile');
  const claimed = validateWithFhirgate(fixtures);
  const stripped = fixtures.map((r) => {
    const copy = structuredClone(r.resource);
    delete copy.meta.profile;
    if (Object.keys(copy.meta).length === 0) delete copy.meta;
    return { ...r, resource: copy };
  });
  const implied = validateWithFhirgate(stripped);
  const wrong = [];
  const known = claimed.filter((c) => c.profile).length;
  // US Core's Device profile is for implantable devices only: a Device that claims nothing
  // implies no profile (a wearable is not an implant; conformance/validate_implied.c).
  const NEVER_IMPLIED = new Set(['http://hl7.org/fhir/us/core/StructureDefinition/us-core-implantable-device']);
  fixtures.forEach((r, i) => {
    if (NEVER_IMPLIED.has(claimed[i].profile)) {
      if (implied[i].profile) wrong.push(`${r.name}: implied ${implied[i].profile}, expected none`);
      return;
    }
    if (claimed[i].profile && implied[i].profile !== claimed[i].profile)
      wrong.push(`${r.name}: claims ${claimed[i].profile}, implied ${implied[i].profile || 'none'}`);
  });
  console.log(`implied profiles: ${known - wrong.length} of ${known} fixtures claiming a US Core profile match their claim`);
  assert.deepEqual(wrong, []);
});
