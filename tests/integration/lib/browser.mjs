// browser.mjs - a cookie-keeping HTML client for the /auth pages (no
// JavaScript needed: the pages are plain forms), and helpers to read forms.

/** A browser against base: go(url, {method, form, lang}) follows nothing, keeps cookies. */
export function browser(base, { lang } = {}) {
  const jar = new Map();
  return {
    jar,
    async go(url, { method = 'GET', form } = {}) {
      const headers = { accept: 'text/html' };
      if (lang) headers['accept-language'] = lang;
      if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      let body;
      if (form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = (form instanceof URLSearchParams ? form : new URLSearchParams(form)).toString();
      }
      const res = await fetch(new URL(url, base), { method, headers, body, redirect: 'manual' });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
    },
  };
}

/** The hidden inputs of html's forms, by name (forms() keeps the forms apart). */
export function hidden(html) {
  const out = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = m[2];
  return out;
}

/** Every form of the page as {action value, fields}. */
export function forms(html) {
  const out = [];
  for (const f of html.matchAll(/<form method="post" action="[^"]*">([\s\S]*?)<\/form>/g)) {
    const fields = {};
    for (const m of f[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2];
    const action = /name="action" value="([^"]+)"/.exec(f[1]);
    out.push({ action: action ? action[1] : null, fields, html: f[1] });
  }
  return out;
}
