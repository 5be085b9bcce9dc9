#!/usr/bin/env node
// gen-fixtures.mjs - writes fixtures/ (synthetic US Core 7.0.0 patients) from scripts/fixtures/*.mjs.
//
// The generated JSON is committed; edit the builders here and rerun
//   node scripts/gen-fixtures.mjs
// Every file is a FHIR transaction Bundle of PUTs with fixed ids, ending with a
// Provenance (US Core Provenance) that targets every other resource in it.
// Dates are placeholders relative to the load day (fixtures/README.md).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { amy } from './fixtures/amy.mjs';
import { birthdays } from './fixtures/birthdays.mjs';
import { family } from './fixtures/family.mjs';
import { coding, inst, meta, ref } from './fixtures/lib.mjs';
import { sharedBundles } from './fixtures/shared.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function provenance(id, resources, o) {
    const author = {
        type: { coding: [coding('http://terminology.hl7.org/CodeSystem/provenance-participant-type', 'author', 'Author')] },
        who: o.author,
    };
    if (o.author.reference.startsWith('Practitioner/')) author.onBehalfOf = ref('Organization', o.org);
    const prov = {
        resourceType: 'Provenance', id, meta: meta('us-core-provenance'),
        target: resources.map((r) => ref(r.resourceType, r.id)),
        recorded: inst('-1d', '18:00'),
        agent: [author, {
            type: { coding: [coding('http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type', 'transmitter', 'Transmitter')] },
            who: ref('Organization', o.org),
        }],
    };
    if (o.security) prov.meta.security = o.security;
    return prov;
}

function bundle(id, resources) {
    return {
        resourceType: 'Bundle', id, type: 'transaction',
        entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
    };
}

function write(dir, name, json) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(json, null, 1) + '\n');
}

function clean(dir) {
    try {
        for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f));
    } catch { /* not there yet */ }
}

const records = [amy, ...family, ...birthdays];
const counts = {};
clean(join(root, 'shared'));
for (const f of sharedBundles(records.map((pt) => pt.patient.id))) {
    const prov = provenance(`prov-shared-${f.name.replace(/^\d+-/, '')}`, f.resources,
        { author: ref('Practitioner', 'pr-nora-okafor'), org: 'riverside-clinic' });
    write(join(root, 'shared'), f.name, bundle(`shared-${f.name}`, [...f.resources, prov]));
    counts.shared = (counts.shared || 0) + f.resources.length + 1;
}
for (const pt of records) {
    const dir = join(root, 'patients', pt.patient.id);
    clean(dir);
    for (const f of pt.files) {
        const prov = provenance(`prov-${pt.patient.id}-${f.name.replace(/^\d+-/, '')}`, f.resources, {
            author: f.author || ref('Practitioner', pt.patient.pcp), org: pt.patient.org, security: f.security,
        });
        write(dir, f.name, bundle(`${pt.patient.id}-${f.name}`, [...f.resources, prov]));
        counts[pt.patient.id] = (counts[pt.patient.id] || 0) + f.resources.length + 1;
    }
}
console.log(Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(', '));
