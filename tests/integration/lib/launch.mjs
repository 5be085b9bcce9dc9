// launch.mjs - drive the SMART standalone launch over plain HTTP (no
// browser): a cookie-jar "browser", the hidden fields and scope checkboxes
// of the pages, and launch() = authorize (GET or POST) -> sign-in ->
// [picker] -> consent -> code.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

export const PASSWORD = 'Demo-pass-2026';

/** A cookie jar + fetch that never follows redirects. */
export function browser(base) {
  const jar = new Map();
  return {
    jar,
    async go(url, { method = 'GET', form } = {}) {
      const headers = { accept: 'text/html' };
      if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      let body;
      if (form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(form).toString();
      }
      const res = await fetch(new URL(url, base), { method, headers, body, redirect: 'manual' });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return { status: res.status, location: res.headers.get('location'), text: await res.text() };
    },
  };
}

/** The hidden fields of a page's form. */
export function hidden(html) {
  const out = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = m[2];
  return out;
}
export const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The scope values of the consent page's checkboxes. */
export const checkboxes = (html) => [...html.matchAll(/<input type="checkbox" name="scope" id="s\d+" value="([^"]*)"/g)]
  .map((m) => unescape(m[1]));

export function pkce() {
  const verifier = crypto.randomBytes(48).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * Runs one launch as `user`. `choose(boxes)` picks the scopes to approve
 * (default: every offered box that was requested). `method: 'POST'` sends the
 * authorization request as a form (authorize-post). Returns {code, verifier,
 * state, boxes, consent}.
 */
export async function launch(srv, { clientId, redirect, scope, user = 'amyshaw', method = 'GET', choose, patient }) {
  const { verifier, challenge } = pkce();
  const state = crypto.randomUUID();
  const params = {
    response_type: 'code', client_id: clientId, redirect_uri: redirect, state,
    aud: srv.fhirBase, scope, code_challenge: challenge, code_challenge_method: 'S256',
  };
  const b = browser(srv.base);
  const start = method === 'POST'
    ? await b.go('/auth/authorize', { method: 'POST', form: params })
    : await b.go(`/auth/authorize?${new URLSearchParams(params)}`);
  assert.equal(start.status, 303, start.text);
  const page = await b.go(start.location);
  let next = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(page.text), action: 'signin', username: user, password: PASSWORD } });
  assert.equal(next.status, 303, next.text);
  let consent = await b.go(next.location);
  assert.equal(consent.status, 200);
  if (/type="radio" name="patient"/.test(consent.text)) {
    next = await b.go('/auth/authorize', { method: 'POST', form: { ...hidden(consent.text), action: 'pick', patient } });
    assert.equal(next.status, 303, next.text);
    consent = await b.go(next.location);
  }
  const boxes = checkboxes(consent.text);
  const wanted = scope.split(' ');
  const chosen = choose ? choose(boxes) : boxes.filter((s) => wanted.includes(s));
  const form = new URLSearchParams({ ...hidden(consent.text), action: 'allow' });
  for (const s of chosen) form.append('scope', s);
  const r = await b.go('/auth/authorize', { method: 'POST', form });
  assert.equal(r.status, 302, r.text);
  const loc = new URL(r.location);
  assert.equal(`${loc.origin}${loc.pathname}`, redirect);
  assert.equal(loc.searchParams.get('state'), state);
  assert.equal(loc.searchParams.get('error'), null);
  return { code: loc.searchParams.get('code'), verifier, state, boxes, chosen, consent: consent.text };
}
