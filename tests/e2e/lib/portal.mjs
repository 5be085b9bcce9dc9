// portal.mjs - what a person does on fhirgate's authorize pages, done in a
// real browser (Debian's chromium driven by playwright-core), found the way
// a person finds them: by label and button text, never by form internals.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Launches headless chromium; each newContext() is a fresh profile (no cookies). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export const TEXT = {
  en: { user: 'User name', password: 'Password', signIn: 'Sign in', continue: 'Continue', allow: 'Allow', deny: 'Deny' },
  es: { user: 'Nombre de usuario', password: 'Contraseña', signIn: 'Iniciar sesión', continue: 'Continuar', allow: 'Permitir', deny: 'Denegar' },
};

/** Fills the sign-in form and submits it. */
export async function signIn(page, user, password, lang = 'en') {
  const t = TEXT[lang];
  await page.getByLabel(t.user, { exact: true }).fill(user);
  await page.getByLabel(t.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: t.signIn }).click();
}

/** On the patient picker: the radio labels (patient names), in order. */
export async function pickerLabels(page) {
  return page.locator('input[type=radio] + label').allTextContents();
}

/** Chooses the patient whose label starts with name, then Continue. */
export async function pickPatient(page, name, lang = 'en') {
  await page.getByLabel(new RegExp(`^${name}\\b`)).check();
  await page.getByRole('button', { name: TEXT[lang].continue }).click();
}

/**
 * On the consent page: ticks exactly the checkboxes whose value is in scopes
 * (each box's value is the scope string it grants), unticks every other one,
 * then presses Allow. Returns every offered scope value.
 */
export async function consent(page, scopes, lang = 'en') {
  const boxes = page.locator('input[type=checkbox][name=scope]');
  const n = await boxes.count();
  const offered = [];
  for (let i = 0; i < n; i++) {
    const box = boxes.nth(i);
    const value = await box.getAttribute('value');
    offered.push(value);
    await box.setChecked(scopes.includes(value));
  }
  await page.getByRole('button', { name: TEXT[lang].allow }).click();
  return offered;
}

export async function deny(page, lang = 'en') {
  await page.getByRole('button', { name: TEXT[lang].deny }).click();
}
