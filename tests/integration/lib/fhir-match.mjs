// fhir-match.mjs - an independent (JavaScript) reading of FHIR R4 search
// semantics, used to check that every entry a search returns really matches
// (checklist S-2): element values at the kit's paths, token / string /
// reference / date matching with FHIR range semantics.
// http://hl7.org/fhir/R4/search.html

/** Values at a dotted path below a resource; "effective" also finds effectiveDateTime/Period. */
export function valuesAt(resource, path) {
  // The kit's FHIRPath for asserted-date: extension.where(url='...').value
  const where = /^extension\.where\(url='([^']+)'\)\.value$/.exec(path);
  if (where) {
    return (resource.extension || []).filter((e) => e.url === where[1])
      .flatMap((e) => Object.entries(e).filter(([k]) => k.startsWith('value')).map(([, v]) => v));
  }
  let nodes = [resource];
  for (const step of path.split('.')) {
    const next = [];
    for (const n of nodes) {
      if (!n || typeof n !== 'object') continue;
      const keys = step in n ? [step]
        : Object.keys(n).filter((k) => k.startsWith(step) && /^[A-Z]/.test(k.slice(step.length)));
      for (const k of keys) next.push(...[].concat(n[k]));
    }
    nodes = next;
  }
  return nodes.filter((v) => v !== undefined && v !== null);
}

const lower = (s) => String(s).toLowerCase();
const norm = (s) => lower(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/** Token: "code", "system|code", "system|", "|code" against a CodeableConcept, Coding, code or Identifier. */
export function tokenMatches(value, token) {
  const bar = token.indexOf('|');
  const sys = bar < 0 ? null : token.slice(0, bar);
  const code = bar < 0 ? token : token.slice(bar + 1);
  const one = (system, c) => (sys === null || sys === (system ?? '')) && (code === '' || (c !== undefined && lower(c) === lower(code)));
  if (typeof value === 'string' || typeof value === 'boolean') return sys === null && lower(value) === lower(code);
  if (value.coding) return value.coding.some((c) => one(c.system, c.code));
  if ('code' in value || 'system' in value && !('value' in value)) return one(value.system, value.code);
  if ('value' in value) return one(value.system, value.value); // Identifier
  return false;
}

/** String: starts-with, case- and accent-insensitive, over the parts of a HumanName / Address / string. */
export function stringMatches(value, s) {
  const parts = typeof value === 'string' ? [value]
    : [value.text, value.family, ...(value.given || []), ...(value.prefix || []), ...(value.suffix || []),
      ...(value.line || []), value.city, value.district, value.state, value.postalCode, value.country].filter(Boolean);
  return parts.some((p) => norm(p).startsWith(norm(s)));
}

/** Reference: "id", "Type/id" or an absolute url ending in Type/id. */
export function referenceMatches(value, ref, targetType) {
  const r = value.reference || '';
  const want = ref.includes('/') ? ref.replace(/^.*\/([A-Za-z]+\/[^/]+)$/, '$1') : `${targetType}/${ref}`;
  return r === want || r.endsWith(`/${want}`);
}

/** [lo, hi) in ms of a FHIR date / dateTime / instant at its precision. */
export function dateRange(s) {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(s);
  if (!m) throw new Error(`not a FHIR date: ${s}`);
  const [, y, mo, d, hh, mi, ss, frac, tz] = m;
  if (hh === undefined) {
    const lo = Date.UTC(+y, mo ? +mo - 1 : 0, d ? +d : 1);
    const hi = d ? lo + 86400000 : mo ? Date.UTC(+y, +mo, 1) : Date.UTC(+y + 1, 0, 1);
    return [lo, hi];
  }
  const lo = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}${frac ?? ''}${tz ?? 'Z'}`);
  const step = ss === undefined ? 60000 : frac ? 1 : 1000;
  return [lo, lo + step];
}

/** Range of an element value: a date string or a Period. */
export function valueRange(v) {
  if (typeof v === 'string') return dateRange(v);
  if (v.start || v.end) {
    return [v.start ? dateRange(v.start)[0] : -Infinity, v.end ? dateRange(v.end)[1] : Infinity];
  }
  return null;
}

/** The FHIR R4 prefix semantics (search.html#prefix) of one search date against one value. */
export function dateMatches(value, search) {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(search);
  const prefix = m[1] || 'eq';
  const [slo, shi] = dateRange(m[2]);
  const r = valueRange(value);
  if (!r) return false;
  const [lo, hi] = r;
  const contains = lo >= slo && hi <= shi;
  switch (prefix) {
    case 'eq': return contains;
    case 'ne': return !contains;
    case 'gt': return hi > shi;
    case 'lt': return lo < slo;
    case 'ge': return hi > slo; // overlaps [value, +inf): ranges are half-open here
    case 'le': return lo < shi; // overlaps (-inf, value]
    case 'sa': return lo >= shi;
    case 'eb': return hi <= slo;
    default: return hi > slo && lo < shi; // ap: overlap
  }
}

const DATE_TYPES = new Set(['date', 'dateTime', 'instant', 'Period']);
const STRING_TYPES = new Set(['HumanName', 'Address', 'string', 'http://hl7.org/fhirpath/System.String']);

/**
 * Does resource match one kit parameter for a search value (comma list = OR)?
 * param: {name, type, paths} from conformance/uscore_kit.json.
 */
export function paramMatches(resource, param, value) {
  if (param.name === '_id') return value.split(',').includes(resource.id);
  const vals = param.paths.flatMap((p) => valuesAt(resource, p));
  return value.split(',').some((alt) => vals.some((v) => {
    if (param.type === 'Reference') return referenceMatches(v, alt, param.name === 'patient' ? 'Patient' : '');
    if (DATE_TYPES.has(param.type)) return dateMatches(v, alt);
    if (STRING_TYPES.has(param.type)) return stringMatches(v, alt);
    return tokenMatches(v, alt);
  }));
}

export const isDateParam = (param) => DATE_TYPES.has(param.type);
export const isStringParam = (param) => STRING_TYPES.has(param.type);
