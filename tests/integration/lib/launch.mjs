// launch.mjs - drive the SMART standalone launch over plain HTTP (no
// browser): the cookie-jar "browser" and hidden fields of lib/browser.mjs
// (re-exported), the scope checkboxes and patient radios of the pages, PKCE,
// and launch() = authorize (GET or POST) -> sign-in -> [picker] -> consent -> code.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { browser, hidden } from './browser.mjs';

export { browser, hidden };
export const PASSWORD = 'Demo-pass-2026';

export const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The scope values of the consent page's checkboxes. */
export const checkboxes = (html) => [...html.matchAll(/<input type="checkbox" name="scope" id="s\d+" value="([^"]*)"/g)]
  .map((m) => unescape(m[1]));
/** The patient ids the picker page offers. */
export const radios = (html) => [...html.matchAll(/<input type="radio" name="patient" id="p\d+" value="([^"]*)"/g)]
  .map((m) => m[1]);

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
