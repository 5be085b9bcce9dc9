#!/usr/bin/env node
// gen-uscore-kit.mjs - derives the US Core 7.0.0 search and capability table
// (facts only) from two sources in ../shared/conformance/us-core:
//   - search-and-must-support-7.0.0.yml (the ONC (g)(10) test kit's metadata):
//     per profile group the searches it runs (SHALL combinations), the
//     parameters' element paths, types, SHALL comparators, the fixed values it
//     iterates over, multiple-OR, the _include / _revinclude values and the
//     Must Support reference paths;
//   - CapabilityStatement-us-core-server.json in the US Core 7.0.0 package:
//     per resource type the supportedProfile list, every search parameter and
//     combination with its expectation, searchInclude / searchRevInclude and
//     the operations.
// Writes conformance/uscore_kit.json (read by tests/integration) and
// conformance/uscore_kit.c with its parts conformance/uscore_kit/*.inc
// (shapes: conformance/uscore_kit.h), and the package's $docref
// OperationDefinition (fg_kit_docref_opdef). All committed, so a checkout
// builds and tests without ../shared.
//
//   node scripts/gen-uscore-kit.mjs [US_CORE_DIR] [--out-root DIR]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { outRoot, positionalArgs, splitTable, writeFiles } from './lib/gen-split.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usDir = positionalArgs()[0] || join(root, '..', 'shared', 'conformance', 'us-core');

// Groups the g10 kit does not require (checklist §4.3 "optional groups"; the
// sexual-orientation profile is out under ONC enforcement discretion).
const OPTIONAL = new Set([
  'us_core_simple_observation', 'us_core_questionnaireresponse', 'us_core_practitionerrole',
  'us_core_observation_sexual_orientation',
]);
const CMP = ['gt', 'ge', 'lt', 'le'];

function loadCapability() {
  const tmp = mkdtempSync(join(tmpdir(), 'uscore-'));
  try {
    execFileSync('tar', ['xzf', join(usDir, 'hl7.fhir.us.core-7.0.0.tgz'), '-C', tmp,
      'package/CapabilityStatement-us-core-server.json', 'package/OperationDefinition-docref.json']);
    const cs = JSON.parse(readFileSync(join(tmp, 'package', 'CapabilityStatement-us-core-server.json'), 'utf8'));
    const od = JSON.parse(readFileSync(join(tmp, 'package', 'OperationDefinition-docref.json'), 'utf8'));
    return { cs, od };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const strip = (k) => k.replace(/^:/, '');
const expectation = (node) => (node?.extension || []).find((e) => e.url.endsWith('capabilitystatement-expectation'))?.valueCode || 'MAY';

// ---- Must Support items as steps a walker can follow --------------------------------------
// Each item: {label, steps: [{name, match}], fixed, choice}. A step names a
// child element ("effective[x]" = any effective<Type>); match, when set, is
// a JSON array of alternative patterns one of which the child must contain
// (a slice's discriminator). fixed: the JSON value the last step must equal.
// choice: items with the same number count as shown when any of them is.

function setPath(obj, path, value) {
  const segs = path.split('.').filter(Boolean);
  if (!segs.length) return Object.assign(obj, value);
  let cur = obj;
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    const next = last ? value : {};
    if (seg === 'coding') {
      cur[seg] ??= [{}];
      if (last) Object.assign(cur[seg][0], value); else cur = cur[seg][0];
    } else {
      if (last) cur[seg] = typeof value === 'object' ? Object.assign(cur[seg] || {}, value) : value;
      else cur = (cur[seg] ??= next);
    }
  });
  return obj;
}

function sliceMatch(slice) {
  const d = slice[':discriminator'];
  const path = d[':path'] || '';
  const coding = (sys, code) => ({ ...(sys ? { system: sys } : {}), ...(code ? { code } : {}) });
  switch (d[':type']) {
    case 'value': {
      const o = {};
      for (const v of d[':values']) setPath(o, v[':path'], v[':value']);
      return [o];
    }
    case 'patternCodeableConcept': return [setPath({}, path, { coding: [coding(d[':system'], d[':code'])] })];
    case 'patternCoding': return [setPath({}, path, coding(d[':system'], d[':code']))];
    case 'patternIdentifier': return [setPath({}, path, { system: d[':system'] })];
    case 'requiredBinding': return d[':values'].map((v) => setPath({}, path, { coding: [coding(v[':system'], v[':code'])] }));
    default: return null; // type: handled by naming the typed element
  }
}

function typeName(slice) {
  const last = slice[':path'].split('.').pop().replace(/\[x\]$/, '');
  return last + slice[':discriminator'][':code'].replace(/^./, (c) => c.toUpperCase());
}

/* Steps of a kit path ("component:systolic.valueQuantity.code") below the resource. */
function steps(path, slices) {
  const out = [];
  const done = [];
  for (const seg of path.split('.')) {
    const [name, sliceName] = seg.split(':');
    done.push(name);
    if (!sliceName) {
      out.push({ name, match: null });
      continue;
    }
    const sl = slices.find((x) => x[':slice_name'] === sliceName && x[':path'].split('.').pop() === name)
      || slices.find((x) => x[':slice_name'] === sliceName && x[':discriminator'][':type'] === 'type');
    if (!sl) throw new Error(`no slice ${sliceName} for ${path}`);
    if (sl[':discriminator'][':type'] === 'type') out.push({ name: typeName(sl), match: null });
    else out.push({ name, match: sliceMatch(sl) });
  }
  return out;
}

function mustSupports(m) {
  const slices = m[':slices'] || [];
  const items = [];
  for (const e of m[':elements']) {
    items.push({ label: e[':path'], steps: steps(e[':path'], slices), fixed: e[':fixed_value'] ?? null, choice: null });
  }
  for (const sl of slices) {
    const segs = sl[':path'].split('.');
    const st = segs.map((name) => ({ name, match: null }));
    if (sl[':discriminator'][':type'] === 'type') st[st.length - 1] = { name: typeName(sl), match: null };
    else st[st.length - 1].match = sliceMatch(sl);
    items.push({ label: sl[':slice_id'], steps: st, fixed: null, choice: null });
  }
  for (const x of m[':extensions'] || []) {
    const st = x[':path'].split('.').map((name) => ({ name, match: null }));
    st[st.length - 1].match = [{ url: x[':url'] }];
    items.push({ label: x[':id'], steps: st, fixed: null, choice: null });
  }
  (m[':choices'] || []).forEach((c, i) => {
    const members = [...(c[':paths'] || []), ...(c[':extension_ids'] || [])];
    if (members.length < 1 || !c[':paths']) return;
    for (const it of items) if (members.includes(it.label)) it.choice = i;
  });
  return items;
}

function groups(yml) {
  return yml[':groups'].map((g) => {
    const defs = g[':search_definitions'] || {};
    const params = Object.entries(defs).map(([k, d]) => ({
      name: strip(k),
      type: d[':type'],
      paths: d[':paths'],
      comparators: CMP.filter((c) => d[':comparators']?.[`:${c}`] === 'SHALL'),
      values: (d[':values'] || []).map(String),
      multipleOr: d[':multiple_or'] === 'SHALL',
    }));
    return {
      name: g[':name'],
      resource: g[':resource'],
      profile: g[':profile_url'],
      required: !OPTIONAL.has(g[':name']),
      delayed: !!g[':is_delayed'],
      searches: (g[':searches'] || []).filter((s) => s[':expectation'] === 'SHALL').map((s) => s[':names']),
      params,
      includes: g[':include_params'] || [],
      revincludes: g[':revincludes'] || [],
      operations: (g[':operations'] || []).filter((o) => o[':expectation'] === 'SHALL').map((o) => o[':code']),
      references: (g[':must_supports']?.[':elements'] || []).filter((e) => e[':target_profiles'])
        .map((e) => ({ path: e[':path'], profiles: e[':target_profiles'] })),
      mustSupport: mustSupports(g[':must_supports']),
    };
  });
}

function capability(cs) {
  return cs.rest[0].resource.map((r) => ({
    type: r.type,
    expectation: expectation(r),
    profiles: (r.supportedProfile || []).map((p) => p.replace(/\|.*$/, '')),
    params: (r.searchParam || []).map((p) => ({ name: p.name, type: p.type, definition: p.definition, expectation: expectation(p) })),
    combinations: (r.extension || []).filter((e) => e.url.endsWith('capabilitystatement-search-parameter-combination'))
      .map((e) => ({ expectation: expectation(e), params: e.extension.filter((x) => x.url === 'required').map((x) => x.valueString) })),
    includes: r.searchInclude || [],
    revincludes: r.searchRevInclude || [],
    operations: (r.operation || []).map((o) => ({ name: o.name, definition: o.definition, expectation: expectation(o) })),
  }));
}

// ---- C output --------------------------------------------------------------------------
const q = (s) => (s === null || s === undefined ? 'NULL' : JSON.stringify(String(s)));
const words = (a) => q(a.join(' '));
const cid = (s) => s.replace(/[^A-Za-z0-9]/g, '_');

const one = (l) => ({ label: null, lines: [l] });

// The package's $docref OperationDefinition as served at
// [base]/OperationDefinition/docref (url kept: it is US Core's canonical);
// the narrative is left out.
function docrefJson(od) {
  const { text, ...rest } = od;
  return JSON.stringify(rest);
}

function groupDecls(g) {
  const id = cid(g.name);
  const lines = [];
  const p = (s) => lines.push(s);
  if (g.params.length) {
    p(`static const struct fg_kit_param params_${id}[] = {`);
    for (const x of g.params) {
      const cmp = x.comparators.map((c) => `FG_KIT_${c.toUpperCase()}`).join(' | ') || '0';
      p(`    {${q(x.name)}, ${q(x.type)}, ${words(x.paths)}, ${cmp}, ${x.multipleOr ? 1 : 0}, ${words(x.values)}},`);
    }
    p('};');
  }
  g.mustSupport.forEach((m, i) => {
    p(`static const struct fg_kit_ms_step ms_${id}_${i}[] = {`);
    for (const st of m.steps) p(`    {${q(st.name)}, ${st.match ? q(JSON.stringify(st.match)) : 'NULL'}},`);
    p('};');
  });
  if (g.mustSupport.length) {
    p(`static const struct fg_kit_ms ms_${id}[] = {`);
    g.mustSupport.forEach((m, i) => p(`    {${q(m.label)}, ms_${id}_${i}, ${m.steps.length}, ${m.fixed === null ? 'NULL' : q(JSON.stringify(m.fixed))}, ${m.choice === null ? -1 : m.choice}},`));
    p('};');
  }
  if (g.searches.length) {
    p(`static const char *const searches_${id}[] = {`);
    for (const x of g.searches) p(`    ${words(x)},`);
    p('};');
  }
  return { label: g.name, lines };
}

function groupRow(g) {
  const id = cid(g.name);
  return {
    label: g.name,
    lines: [
      `    {${q(g.name)}, ${q(g.resource)}, ${q(g.profile)}, ${g.required ? 1 : 0}, ${g.delayed ? 1 : 0},`,
      `     ${g.searches.length ? `searches_${id}` : 'NULL'}, ${g.searches.length}, ${g.params.length ? `params_${id}` : 'NULL'}, ${g.params.length},`,
      `     ${words(g.includes)}, ${words(g.revincludes)}, ${words(g.operations)},`,
      `     ${words(g.references.map((r) => r.path))},`,
      `     ${g.mustSupport.length ? `ms_${id}` : 'NULL'}, ${g.mustSupport.length}},`,
    ],
  };
}

function capDecls(r) {
  const id = cid(r.type);
  const lines = [];
  if (r.params.length) {
    lines.push(`static const struct fg_kit_cap_param cap_params_${id}[] = {`);
    for (const x of r.params) lines.push(`    {${q(x.name)}, ${q(x.type)}, ${q(x.definition)}, ${q(x.expectation)}},`);
    lines.push('};');
  }
  if (r.combinations.length) {
    lines.push(`static const struct fg_kit_cap_combo cap_combos_${id}[] = {`);
    for (const x of r.combinations) lines.push(`    {${words(x.params)}, ${q(x.expectation)}},`);
    lines.push('};');
  }
  return { label: r.type, lines };
}

function capRow(r) {
  const id = cid(r.type);
  const op = r.operations[0];
  return {
    label: r.type,
    lines: [
      `    {${q(r.type)}, ${q(r.expectation)}, ${words(r.profiles)},`,
      `     ${r.params.length ? `cap_params_${id}` : 'NULL'}, ${r.params.length}, ${r.combinations.length ? `cap_combos_${id}` : 'NULL'}, ${r.combinations.length},`,
      `     ${words(r.includes)}, ${words(r.revincludes)}, ${op ? q(op.name) : 'NULL'}, ${op ? q(op.definition) : 'NULL'}, ${op ? q(op.expectation) : 'NULL'}},`,
    ],
  };
}

function emitC(table, od) {
  return splitTable({
    index: 'conformance/uscore_kit.c',
    generator: 'scripts/gen-uscore-kit.mjs',
    head: [
      '/* generated by scripts/gen-uscore-kit.mjs \u2014 do not edit */',
      '/* uscore_kit.c - the US Core 7.0.0 searches the ONC (g)(10) kit runs (from its metadata) and',
      ' * the US Core server CapabilityStatement facts. Shapes: conformance/uscore_kit.h.',
      ' * One translation unit: the parts under uscore_kit/ are included here',
      ' * (scripts/lib/gen-split.mjs). */',
      '#include "uscore_kit.h"',
      '',
    ],
    sections: [
      { name: 'group_items', what: "Per kit group: search parameters, Must Support items, SHALL searches", groups: table.groups.map(groupDecls).filter((g) => g.lines.length) },
      {
        name: 'groups',
        what: 'The kit groups',
        array: { type: 'const struct fg_kit_group', name: 'fg_kit_groups', len: 'fg_kit_groups_len' },
        groups: table.groups.map(groupRow),
      },
      { name: 'cap_items', what: 'Per resource type of the US Core server CapabilityStatement: search parameters and combinations', groups: table.capability.map(capDecls).filter((g) => g.lines.length) },
      {
        name: 'cap_resources',
        what: 'The US Core server CapabilityStatement by resource type',
        array: { type: 'const struct fg_kit_cap_resource', name: 'fg_kit_cap_resources', len: 'fg_kit_cap_resources_len' },
        groups: table.capability.map(capRow),
      },
    ],
    tail: [
      `const char fg_kit_cap_url[] = ${q(table.capabilityUrl)};`,
      `const char fg_kit_docref_definition[] = ${q(table.docref)};`,
      `const char fg_kit_docref_opdef[] = ${q(docrefJson(od))};`,
    ],
  });
}

function main() {
  const yml = parse(readFileSync(join(usDir, 'search-and-must-support-7.0.0.yml'), 'utf8'));
  const { cs, od } = loadCapability();
  const table = {
    generatedBy: 'scripts/gen-uscore-kit.mjs',
    version: cs.version,
    capabilityUrl: cs.url,
    docref: od.url,
    docrefParameters: od.parameter.map((x) => ({ name: x.name, use: x.use, min: x.min, max: x.max, type: x.type })),
    groups: groups(yml),
    capability: capability(cs),
  };
  const files = emitC(table, od);
  files.push({ path: 'conformance/uscore_kit.json', text: JSON.stringify(table, null, 1) + '\n' });
  writeFiles(outRoot(root), files);
}

main();
