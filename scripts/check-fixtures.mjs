#!/usr/bin/env node
// check-fixtures.mjs - checks the synthetic patients in fixtures/ (run by make test).
//
// Substitutes the relative-date placeholders (fixtures/README.md) the same way
// gateway/seed.c does, then checks, one check per rule per file:
//   bundle      a transaction Bundle of PUT entries whose url is Type/id of the resource
//   placeholder every placeholder is well formed and none is left after substitution
//   profile     every resource has meta.profile
//   references  every Reference.reference (and Binary url) resolves within the fixture set
//   provenance  every resource except Provenance is the target of a Provenance
//   json        no null, empty string, empty array or empty object (FHIR JSON forbids them)
// and once for the whole set: unique ids, patients amy/daniel/lily/max, their ages
// (Lily 8, Max 15, Amy and Daniel adults, on several load days), the clinical-note
// rules of checklist M-5, valid NPIs, and the US Core content rules: every Must
// Support element, slice and extension of every required profile shown (M-2, from
// conformance/uscore_kit.json), two patients per patient-level profile,
// data-absent-reason (M-4), screening/assessment categories (M-6), a referenced
// Practitioner with a full address (M-7).
// Usage: node scripts/check-fixtures.mjs [--now YYYY-MM-DD] [--dir fixtures]
// Prints "fixtures: N passed, N failed"; exits 1 on any failure.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const dir = opt('--dir', join(repo, 'fixtures'));

// ---------------------------------------------------------------- placeholders

const pad = (n, w = 2) => String(n).padStart(w, '0');
const daysIn = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-based

// Applies "+1y-3m+2d..." left to right to {y, m, d}; months clamp the day.
export function applyOffset(base, off) {
    let { y, m, d } = base;
    if (off === '0') return { y, m, d };
    if (off === '') throw new Error('empty offset');
    const re = /([+-])(\d{1,5})([ymwd])/gy;
    let pos = 0, mt;
    while (pos < off.length) {
        re.lastIndex = pos;
        if (!(mt = re.exec(off))) throw new Error(`bad offset "${off}"`);
        pos = re.lastIndex;
        const n = (mt[1] === '-' ? -1 : 1) * Number(mt[2]);
        if (mt[3] === 'y' || mt[3] === 'm') {
            const total = y * 12 + (m - 1) + (mt[3] === 'y' ? n * 12 : n);
            y = Math.floor(total / 12);
            m = total - y * 12 + 1;
            d = Math.min(d, daysIn(y, m));
        } else {
            const t = new Date(Date.UTC(y, m - 1, d) + (mt[3] === 'w' ? 7 * n : n) * 86400000);
            y = t.getUTCFullYear(); m = t.getUTCMonth() + 1; d = t.getUTCDate();
        }
    }
    if (y < 1 || y > 9999) throw new Error(`offset "${off}" leaves years 1..9999`);
    return { y, m, d };
}

export function expand(kind, spec, today) {
    const at = spec.indexOf('@');
    const off = at < 0 ? spec : spec.slice(0, at);
    const time = at < 0 ? null : spec.slice(at + 1);
    const { y, m, d } = applyOffset(today, off);
    const ymd = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
    if (kind === 'date') {
        if (time !== null) throw new Error('date takes no @time');
        return ymd;
    }
    if (kind !== 'datetime' && kind !== 'instant') throw new Error(`unknown placeholder kind "${kind}"`);
    let hh = 0, mi = 0, ss = 0;
    if (time !== null) {
        const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
        if (!t || +t[1] > 23 || +t[2] > 59 || (t[3] !== undefined && +t[3] > 59)) throw new Error(`bad time "${time}"`);
        [hh, mi, ss] = [+t[1], +t[2], t[3] === undefined ? 0 : +t[3]];
    }
    const hms = `${pad(hh)}:${pad(mi)}:${pad(ss)}`;
    return kind === 'datetime' ? `${ymd}T${hms}Z` : `${ymd}T${hms}.000Z`;
}

// Substitutes every ${kind:spec}; "$${" is a literal "${". Throws on a bad placeholder.
export function substitute(text, today) {
    let out = '';
    let i = 0;
    for (;;) {
        const j = text.indexOf('${', i);
        if (j < 0) return out + text.slice(i);
        if (j > 0 && text[j - 1] === '$') {
            out += text.slice(i, j - 1) + '${';
            i = j + 2;
            continue;
        }
        const end = text.indexOf('}', j);
        if (end < 0 || end - j + 1 > 64) throw new Error(`unterminated placeholder near "${text.slice(j, j + 24)}"`);
        const body = text.slice(j + 2, end);
        const colon = body.indexOf(':');
        if (colon < 0) throw new Error(`placeholder "\${${body}}" has no kind`);
        try {
            out += text.slice(i, j) + expand(body.slice(0, colon), body.slice(colon + 1), today);
        } catch (e) {
            throw new Error(`placeholder "\${${body}}": ${e.message}`);
        }
        i = end + 1;
    }
}

const parseDay = (s) => {
    const t = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!t) throw new Error(`--now wants YYYY-MM-DD, got "${s}"`);
    return { y: +t[1], m: +t[2], d: +t[3] };
};

// ---------------------------------------------------------------- checks

let passed = 0, failed = 0;
function check(name, where, problems) {
    if (problems.length === 0) {
        passed++;
        return;
    }
    failed++;
    console.log(`FAIL ${name} ${where}`);
    for (const p of problems.slice(0, 10)) console.log(`    ${p}`);
    if (problems.length > 10) console.log(`    ... and ${problems.length - 10} more`);
}

function listFiles() {
    const out = [];
    const walk = (d) => {
        for (const f of readdirSync(d).sort()) {
            const p = join(d, f);
            if (statSync(p).isDirectory()) walk(p);
            else if (f.endsWith('.json')) out.push(p);
        }
    };
    // shared first, then each patient directory (the seed order)
    walk(join(dir, 'shared'));
    walk(join(dir, 'patients'));
    return out;
}

function collectRefs(node, path, out) {
    if (Array.isArray(node)) node.forEach((v, i) => collectRefs(v, `${path}[${i}]`, out));
    else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
            if (k === 'reference' && typeof v === 'string') out.push([`${path}.reference`, v]);
            else if (k === 'url' && typeof v === 'string' && v.startsWith('Binary/')) out.push([`${path}.url`, v]);
            else collectRefs(v, `${path}.${k}`, out);
        }
    }
}

function emptyValues(node, path, out) {
    if (node === null || node === '') out.push(`${path} is ${JSON.stringify(node)}`);
    else if (Array.isArray(node)) {
        if (node.length === 0) out.push(`${path} is []`);
        node.forEach((v, i) => emptyValues(v, `${path}[${i}]`, out));
    } else if (typeof node === 'object') {
        if (Object.keys(node).length === 0) out.push(`${path} is {}`);
        for (const [k, v] of Object.entries(node)) emptyValues(v, `${path}.${k}`, out);
    }
}

function ageOn(birth, day) {
    let age = day.y - birth.y;
    if (day.m < birth.m || (day.m === birth.m && day.d < birth.d)) age--;
    return age;
}

function luhnNpi(v) {
    const s = '80840' + v;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
        let d = Number(s[s.length - 1 - i]);
        if (i % 2 === 1) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return /^\d{10}$/.test(v) && sum % 10 === 0;
}

function load(today, files) {
    const parsed = [];
    for (const f of files) {
        const raw = readFileSync(f, 'utf8');
        let text = null, json = null, err = null;
        try {
            text = substitute(raw, today);
            json = JSON.parse(text);
        } catch (e) {
            err = e.message;
        }
        parsed.push({ file: relative(repo, f), raw, text, json, err });
    }
    return parsed;
}

// ---------------------------------------------------------------- US Core (checklist §4.4)

// Does a resource show a Must Support item of conformance/uscore_kit.json
// (steps below the resource; a step's match: alternatives one of which the
// child must contain; fixed: the last value)? Written apart from the C
// walker (conformance/st_match.c) so the two check each other.
function contains(value, pattern) {
    if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((p) => value.some((v) => contains(v, p)));
    if (pattern && typeof pattern === 'object') {
        return !!value && typeof value === 'object' && !Array.isArray(value)
            && Object.entries(pattern).every(([k, p]) => contains(value[k], p));
    }
    return value === pattern;
}

export function msShown(resource, item) {
    let nodes = [resource];
    for (const st of item.steps) {
        const any = st.name.endsWith('[x]');
        const base = any ? st.name.slice(0, -3) : st.name;
        const next = [];
        for (const n of nodes) {
            for (const [k, v] of Object.entries(n && typeof n === 'object' ? n : {})) {
                if (any ? !(k.startsWith(base) && /^[A-Z]/.test(k.slice(base.length))) : k !== base) continue;
                for (const x of [].concat(v)) if (!st.match || st.match.some((alt) => contains(x, alt))) next.push(x);
            }
        }
        nodes = next;
    }
    return item.fixed === null ? nodes.length > 0 : nodes.some((n) => JSON.stringify(n) === JSON.stringify(item.fixed));
}

const codesOf = (cc) => [].concat(cc || []).flatMap((c) => (c.coding || []).map((x) => x.code));

function usCoreChecks(all) {
    const kit = JSON.parse(readFileSync(join(repo, 'conformance', 'uscore_kit.json'), 'utf8'));
    const patientOf = (r) => (r.resourceType === 'Patient' ? r.id
        : ['subject', 'patient', 'beneficiary'].map((k) => r[k]?.reference).find((x) => x?.startsWith('Patient/'))?.slice(8));
    const twoProbs = [];
    for (const g of kit.groups.filter((x) => x.required)) {
        const rs = all.filter((r) => r.resourceType === g.resource && (r.meta?.profile || []).includes(g.profile));
        // M-2: every Must Support element, slice and extension at least once (a choice counts once)
        const shown = g.mustSupport.map((it) => rs.some((r) => msShown(r, it)));
        g.mustSupport.forEach((it, i) => {
            if (!shown[i] && it.choice !== null) shown[i] = g.mustSupport.some((o, j) => o.choice === it.choice && shown[j]);
        });
        // meta.lastUpdated is the server's to set (fhirgate conformance sees it served)
        check('must-support', g.name, rs.length ? g.mustSupport.filter((it, i) => !shown[i] && it.label !== 'meta.lastUpdated').map((it) => `${it.label} not shown`)
            : [`no resource claims ${g.profile}`]);
        // at least two patients per patient-level profile
        const pats = new Set(rs.map(patientOf).filter(Boolean));
        if (!g.delayed && pats.size < 2) twoProbs.push(`${g.name}: ${pats.size} patient(s)`);
    }
    check('two-patients', 'fixtures', twoProbs);

    // M-4: a data-absent-reason extension and a data-absent-reason|unknown coding
    const text = JSON.stringify(all);
    check('data-absent', 'fixtures', [
        ...(text.includes('"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason"') ? [] : ['no data-absent-reason extension']),
        ...(/"system":"http:\/\/terminology\.hl7\.org\/CodeSystem\/data-absent-reason","code":"unknown"/.test(text) ? [] : ['no data-absent-reason|unknown coding']),
    ]);
    // M-6: SDOH health concerns / problems; screening and assessment categories
    const conds = all.filter((r) => (r.meta?.profile || []).some((u) => u.endsWith('us-core-condition-problems-health-concerns')));
    const screens = all.filter((r) => (r.meta?.profile || []).some((u) => u.endsWith('us-core-observation-screening-assessment')));
    const cats = new Set(screens.flatMap((r) => codesOf(r.category)));
    check('screening', 'fixtures', [
        ...(conds.some((r) => codesOf(r.category).includes('sdoh')) ? [] : ['no problem/health concern with category sdoh']),
        ...['survey', 'sdoh', 'functional-status', 'disability-status', 'cognitive-status', 'activity', 'social-history']
            .filter((c) => !cats.has(c)).map((c) => `no screening/assessment Observation of category ${c}`),
    ]);
    // M-7: a referenced Practitioner with a full address
    const referenced = new Set(text.match(/"Practitioner\/[^"]+"/g)?.map((x) => x.slice(1, -1)) || []);
    const full = all.filter((r) => r.resourceType === 'Practitioner' && referenced.has(`Practitioner/${r.id}`)
        && (r.address || []).some((a) => a.line && a.city && a.state && a.postalCode && a.country));
    check('practitioner-address', 'fixtures', full.length ? [] : ['no referenced Practitioner with line, city, state, postalCode and country']);
}

function main() {
    const now = new Date();
    const today = args.includes('--now') ? parseDay(opt('--now'))
        : { y: now.getUTCFullYear(), m: now.getUTCMonth() + 1, d: now.getUTCDate() };
    const files = listFiles();
    const parsed = load(today, files);

    const byKey = new Map();
    const dupes = [];
    const provTargets = new Set();
    for (const p of parsed) {
        for (const e of p.json?.entry || []) {
            const r = e.resource;
            if (!r?.resourceType || !r.id) continue;
            const key = `${r.resourceType}/${r.id}`;
            if (byKey.has(key)) dupes.push(`${key} in ${byKey.get(key).file} and ${p.file}`);
            byKey.set(key, { file: p.file, r });
            if (r.resourceType === 'Provenance') for (const t of r.target || []) provTargets.add(t.reference);
        }
    }

    for (const p of parsed) {
        check('placeholder', p.file, p.err ? [p.err]
            : (p.text.includes('${') ? ['a placeholder is left after substitution'] : []));
        if (!p.json) continue;
        const b = p.json, probs = [];
        if (b.resourceType !== 'Bundle' || b.type !== 'transaction') probs.push('not a transaction Bundle');
        if (!Array.isArray(b.entry) || b.entry.length === 0) probs.push('no entries');
        (b.entry || []).forEach((e, i) => {
            const r = e.resource || {};
            if (e.request?.method !== 'PUT') probs.push(`entry[${i}]: request.method is not PUT`);
            if (e.request?.url !== `${r.resourceType}/${r.id}`) probs.push(`entry[${i}]: request.url ${e.request?.url} != ${r.resourceType}/${r.id}`);
            if (!/^[A-Za-z0-9\-.]{1,64}$/.test(r.id || '')) probs.push(`entry[${i}]: bad id ${r.id}`);
        });
        check('bundle', p.file, probs);
        const resources = (b.entry || []).map((e) => e.resource).filter(Boolean);
        check('profile', p.file, resources.filter((r) => !(r.meta?.profile?.length > 0)).map((r) => `${r.resourceType}/${r.id} has no meta.profile`));
        const unresolved = [];
        for (const r of resources) {
            const refs = [];
            collectRefs(r, `${r.resourceType}/${r.id}`, refs);
            for (const [path, v] of refs) if (!byKey.has(v)) unresolved.push(`${path} -> ${v}`);
        }
        check('references', p.file, unresolved);
        const empties = [];
        for (const r of resources) emptyValues(r, `${r.resourceType}/${r.id}`, empties);
        check('json', p.file, empties);
        check('provenance', p.file, resources.filter((r) => r.resourceType !== 'Provenance' && !provTargets.has(`${r.resourceType}/${r.id}`))
            .map((r) => `${r.resourceType}/${r.id} has no Provenance`));
    }

    check('unique-ids', 'fixtures', dupes);
    check('patients', 'fixtures', ['amy', 'daniel', 'lily', 'max'].filter((id) => !byKey.has(`Patient/${id}`)).map((id) => `Patient/${id} missing`));

    // Ages must hold on any load day: today plus leap-day and year-edge days.
    const ageProbs = [];
    const want = { lily: [8, 8], max: [15, 15], amy: [18, 200], daniel: [18, 200] };
    const days = [today, { y: 2028, m: 2, d: 29 }, { y: 2027, m: 1, d: 1 }, { y: 2026, m: 12, d: 31 }, { y: 2030, m: 3, d: 1 }];
    const patientFiles = files.filter((f) => /[/\\]01-patient\.json$/.test(f));
    for (const day of days) {
        for (const p of load(day, patientFiles)) {
            const pt = p.json?.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
            if (!pt || !want[pt.id]) continue;
            const birth = parseDay(pt.birthDate);
            const age = ageOn(birth, day);
            const dayStr = `${day.y}-${pad(day.m)}-${pad(day.d)}`;
            if (age < want[pt.id][0] || age > want[pt.id][1]) ageProbs.push(`${pt.id} is ${age} on ${dayStr}`);
            if ((pt.id === 'lily' || pt.id === 'max') && birth.m === day.m && birth.d === day.d) ageProbs.push(`${pt.id} has a birthday on ${dayStr}`);
        }
    }
    check('ages', 'fixtures', ageProbs);

    // Checklist M-5: note types, report categories, shared attachment urls.
    const all = [...byKey.values()].map((v) => v.r);
    const docs = all.filter((r) => r.resourceType === 'DocumentReference');
    const docUrls = new Set(docs.flatMap((d) => (d.content || []).map((c) => c.attachment?.url).filter(Boolean)));
    const noteProbs = [];
    for (const t of ['11488-4', '18842-5', '34117-2', '28570-0', '11506-3', '18748-4', '11502-2', '11526-1']) {
        if (!docs.some((d) => d.subject?.reference === 'Patient/amy' && d.type?.coding?.some((c) => c.code === t))) noteProbs.push(`amy has no DocumentReference of type ${t}`);
    }
    const notes = all.filter((r) => r.resourceType === 'DiagnosticReport' && r.meta?.profile?.some((u) => u.endsWith('us-core-diagnosticreport-note')));
    for (const c of ['LP29708-2', 'LP7839-6', 'LP29684-5']) {
        if (!notes.some((r) => r.category?.some((cc) => cc.coding?.some((x) => x.code === c)))) noteProbs.push(`no note DiagnosticReport of category ${c}`);
    }
    for (const r of notes) for (const f of r.presentedForm || []) if (!docUrls.has(f.url)) noteProbs.push(`DiagnosticReport/${r.id} presentedForm.url ${f.url} is no DocumentReference attachment url`);
    check('clinical-notes', 'fixtures', noteProbs);

    usCoreChecks(all);

    const npiProbs = [];
    for (const r of all) for (const id of [].concat(r.identifier || [])) {
        if (id.system === 'http://hl7.org/fhir/sid/us-npi' && !luhnNpi(id.value)) npiProbs.push(`${r.resourceType}/${r.id} NPI ${id.value} fails the check digit`);
    }
    check('npi', 'fixtures', npiProbs);

    console.log(`fixtures: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
