// demo.js - the fhirgate demo app: a SMART App Launch 2.2 public client
// (PKCE S256), launched standalone or by the EHR, then three FHIR reads.
//
// Standalone: open it as /demo/?client_id=ID (`make run` registers the app
// and prints the URL); ?iss=FHIR_BASE launches against another server
// (default: this origin's /fhir). EHR launch: the EHR (fhirgate's portal or
// `fhirgate launch`) opens the registered launch URI,
// /demo/?client_id=ID&iss=FHIR_BASE&launch=ID; the page then goes straight
// to authorization with the `launch` parameter and scope (the patient comes
// from the launch, not a picker). Only this origin's /fhir or the server the
// page was last opened for standalone is trusted as iss: a launch from
// anywhere else is refused (the app would hand its sign-in to that server).
// The redirect URI is this page's own address (origin + path), so it must be
// registered exactly so. Plain browser JavaScript (no build step, no
// library): fetch, WebCrypto and sessionStorage.
'use strict';

const DATA_SCOPES = 'openid fhirUser patient/Patient.rs patient/Condition.rs patient/Observation.rs';
const SCOPE = `launch/patient ${DATA_SCOPES}`;
const EHR_SCOPE = `launch ${DATA_SCOPES}`;
const STORE = 'fhirgate-demo';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

const $ = (id) => document.getElementById(id);

function status(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.className = isError ? 'status-error' : '';
}

function base64url(bytes) {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(nBytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(nBytes)));
}

async function s256(text) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function redirectUri() {
  return location.origin + location.pathname;
}

async function getJson(url, token) {
  const headers = { Accept: 'application/fhir+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(url, { headers });
  const body = await r.json().catch(() => null);
  return { status: r.status, body };
}

/* Discovery, PKCE, state; then off to the authorization server. With
 * ehrLaunch (the EHR's launch id) the request carries it and the `launch`
 * scope. */
async function launch(clientId, iss, ehrLaunch) {
  status('Finding the authorization server…');
  const conf = await fetch(`${iss}/.well-known/smart-configuration`, { headers: { Accept: 'application/json' } });
  if (!conf.ok) throw new Error(`discovery failed (${conf.status})`);
  const smart = await conf.json();
  if (!(smart.code_challenge_methods_supported || []).includes('S256'))
    throw new Error('the server does not support PKCE S256');
  const verifier = randomString(48);
  const state = randomString(24);
  sessionStorage.setItem(STORE, JSON.stringify({
    clientId, iss, state, verifier, tokenEndpoint: smart.token_endpoint, redirectUri: redirectUri(),
  }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri(),
    scope: ehrLaunch ? EHR_SCOPE : SCOPE,
    state, aud: iss, code_challenge: await s256(verifier), code_challenge_method: 'S256',
  });
  if (ehrLaunch) q.set('launch', ehrLaunch);
  location.assign(`${smart.authorization_endpoint}?${q}`);
}

/* Back from the authorization server: check state, exchange the code. */
async function finish(params) {
  const saved = JSON.parse(sessionStorage.getItem(STORE) || 'null');
  sessionStorage.removeItem(STORE);
  history.replaceState(null, '', location.pathname); // the code leaves the address bar
  if (!saved || params.get('state') !== saved.state)
    throw new Error('this answer does not belong to a launch started here (state mismatch)');
  if (params.get('error')) {
    const why = params.get('error') === 'access_denied' ? 'You did not allow access.' : params.get('error');
    throw new Error(`Authorization ended: ${why}`);
  }
  status('Getting a token…');
  const r = await fetch(saved.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: params.get('code'), redirect_uri: saved.redirectUri,
      client_id: saved.clientId, code_verifier: saved.verifier,
    }),
  });
  const token = await r.json().catch(() => ({}));
  if (!r.ok || !token.access_token) throw new Error(`token request failed: ${token.error || r.status}`);
  if (!token.patient) throw new Error('no patient was chosen');
  await show(saved.iss, token);
}

function text(cc) {
  if (!cc) return '';
  return cc.text || (cc.coding || []).map((c) => c.display || c.code).find(Boolean) || '';
}

function humanName(p) {
  const n = (p.name || []).find((x) => x.use === 'official') || (p.name || [])[0];
  if (!n) return `Patient ${p.id}`;
  return n.text || [...(n.given || []), n.family].filter(Boolean).join(' ');
}

function quantity(q) {
  if (!q || q.value === undefined) return '';
  return `${q.value} ${q.unit || q.code || ''}`.trim();
}

function observationValue(o) {
  if (o.valueQuantity) return quantity(o.valueQuantity);
  if (o.component) return o.component.map((c) => quantity(c.valueQuantity)).filter(Boolean).join(' / ');
  if (o.valueCodeableConcept) return text(o.valueCodeableConcept);
  return o.valueString || '';
}

function effectiveDate(o) {
  const when = o.effectiveDateTime || (o.effectivePeriod || {}).start || o.effectiveInstant || o.issued || '';
  return when.slice(0, 10);
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.append(td);
  }
  return tr;
}

function item(textContent, cls) {
  const li = document.createElement('li');
  li.textContent = textContent;
  if (cls) li.className = cls;
  return li;
}

function entries(bundle, type) {
  return ((bundle && bundle.entry) || []).map((e) => e.resource).filter((r) => r && r.resourceType === type);
}

/* What the token response says about the launch, in words. */
function launchContext(token) {
  if (!(token.scope || '').split(' ').includes('launch')) return 'Standalone launch.';
  const refs = [token.encounter && `Encounter/${token.encounter}`,
    ...(token.fhirContext || []).map((c) => c.reference)].filter(Boolean);
  return `Launched by the EHR${refs.length ? ` in the context of ${[...new Set(refs)].join(', ')}` : ''}.`;
}

async function show(iss, token) {
  status('Reading the record…');
  const t = token.access_token;
  const pid = encodeURIComponent(token.patient);
  const [patient, conditions, vitals] = await Promise.all([
    getJson(`${iss}/Patient/${pid}`, t),
    getJson(`${iss}/Condition?patient=${pid}&_count=100`, t),
    getJson(`${iss}/Observation?patient=${pid}&category=${encodeURIComponent(VITALS)}&_sort=-date&_count=200`, t),
  ]);
  if (patient.status !== 200) throw new Error(`cannot read the patient (${patient.status})`);
  const p = patient.body;
  $('patient-name').textContent = humanName(p);
  $('patient-details').textContent = [p.gender, p.birthDate && `born ${p.birthDate}`].filter(Boolean).join(', ');

  const ul = $('conditions');
  ul.replaceChildren();
  if (conditions.status !== 200) ul.append(item('Not shared with this app.', 'muted'));
  else {
    const list = entries(conditions.body, 'Condition');
    for (const c of list) {
      const clinical = text(c.clinicalStatus) || ((c.clinicalStatus || {}).coding || [{}])[0].code || '';
      ul.append(item(clinical ? `${text(c.code)} (${clinical})` : text(c.code)));
    }
    if (!list.length) ul.append(item('None recorded.', 'muted'));
  }

  const tbody = $('vitals').tBodies[0];
  tbody.replaceChildren();
  if (vitals.status !== 200) tbody.append(row(['Not shared with this app.', '', '']));
  else {
    const latest = new Map(); // newest first (sorted by the server): keep the first per code
    for (const o of entries(vitals.body, 'Observation')) {
      const key = ((o.code || {}).coding || []).map((c) => `${c.system}|${c.code}`).join(',') || text(o.code);
      if (!latest.has(key)) latest.set(key, o);
    }
    for (const o of latest.values())
      tbody.append(row([text(o.code), observationValue(o), effectiveDate(o)]));
    if (!latest.size) tbody.append(row(['None recorded.', '', '']));
  }
  $('granted').textContent = token.scope || '';
  $('context').textContent = launchContext(token);
  $('record').hidden = false;
  status('');
}

async function main() {
  const params = new URLSearchParams(location.search);
  $('again').addEventListener('click', () => { location.assign(location.pathname); });
  if (params.has('code') || params.has('error')) {
    await finish(params);
    return;
  }
  const clientId = params.get('client_id') || localStorage.getItem(`${STORE}-client`);
  const savedIss = localStorage.getItem(`${STORE}-iss`);
  if (!clientId) {
    status('Open this page with ?client_id=… (`make run` registers the demo app and prints the address).', true);
    return;
  }
  if (params.has('launch')) { // EHR launch: no button, straight to authorization
    const iss = params.get('iss') || '';
    if (![`${location.origin}/fhir`, savedIss].includes(iss))
      throw new Error(`EHR launch from an unknown server (${iss || 'no iss'}): not started`);
    localStorage.setItem(`${STORE}-client`, clientId);
    await launch(clientId, iss, params.get('launch'));
    return;
  }
  const iss = params.get('iss') || savedIss || `${location.origin}/fhir`;
  localStorage.setItem(`${STORE}-client`, clientId);
  localStorage.setItem(`${STORE}-iss`, iss);
  $('start').hidden = false;
  $('connect').addEventListener('click', () => {
    launch(clientId, iss).catch((e) => status(e.message, true));
  });
}

main().catch((e) => status(e.message, true));
