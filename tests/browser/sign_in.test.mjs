// Staff sign-in in a real browser, as a coordinator at a keyboard: the form is Swedish, labelled and free of WCAG 2.1
// A/AA violations; a wrong password is explained next to the field and in a summary, without losing what was typed;
// the right one opens the admin pages; and a page that needs signing in comes back after signing in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  focused,
  launchBrowser,
  newPage,
  screenshot,
  staff,
  submitWith,
  summaryFocused,
  tabTo,
} from './helpers.mjs';

describe('staff sign-in', { timeout: 150_000 }, () => {
  let browser;
  let page;
  before(async () => {
    browser = await launchBrowser();
    // One fresh context for this file; each test starts signed out by dropping its cookies.
    page = await newPage(browser, { width: 1280 });
  });
  after(async () => {
    await browser?.close();
  });

  async function signedOut(width) {
    await page.context().clearCookies();
    await page.setViewportSize({ width, height: width < 600 ? 640 : 800 });
  }

  test('the sign-in page is Swedish, every field has its label, and it has no WCAG violations', async () => {
    await signedOut(1280);
    const response = await page.goto(`${baseUrl}/sign-in`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'sv');
    assert.match(await page.title(), /^Logga in/);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Logga in');

    // Every visible field is named by a <label> tied to it (for/id), and says what it is for (WCAG 1.3.5).
    const fields = await page.locator('main input:not([type=hidden]), main select, main textarea').evaluateAll(
      (elements) =>
        elements.map((element) => ({
          id: element.id,
          labels: [...(element.labels ?? [])].map((label) => label.textContent.trim()),
          autocomplete: element.getAttribute('autocomplete'),
        })),
    );
    assert.deepEqual(fields, [
      { id: 'email', labels: ['E-postadress'], autocomplete: 'username' },
      { id: 'password', labels: ['Lösenord'], autocomplete: 'current-password' },
    ]);
    assert.equal(await page.getByLabel('E-postadress').getAttribute('type'), 'email');
    assert.equal(await page.getByLabel('Lösenord').getAttribute('type'), 'password');
    assert.equal(await page.getByRole('button', { name: 'Logga in' }).count(), 1);

    await checkA11y(page, 'sign-in page at 1280 px');
    await screenshot(page, 'sign-in-1280');
  });

  test('keyboard only: a wrong password is explained and keeps the e-mail; the right one opens /admin', async () => {
    await signedOut(320);
    await page.goto(`${baseUrl}/sign-in`);

    // Tab from the top of the page to the e-mail field, type, Tab to the password, type a wrong one, press Enter.
    const stops = await tabTo(page, '#email', { max: 5 });
    assert.equal(stops.at(0), 'a "Till innehållet"', 'the first Tab stop is the skip link');
    await page.keyboard.type(staff.email);
    await page.keyboard.press('Tab');
    assert.match((await assertVisibleFocus(page)).description, /^input#password/);
    await page.keyboard.type('Vinternatt-i-Torsby-1737');
    const refused = await submitWith(page, 'Enter');
    assert.equal(refused?.status(), 401);

    // The summary at the top, announced, linking to the field; the same message next to the field, tied to it.
    const summary = page.locator('.error-summary');
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.ok(await summary.isVisible(), 'the error summary is visible');
    assert.ok(await summaryFocused(page), 'focus is on the summary');
    assert.equal((await summary.locator('h2').textContent())?.trim(), 'Något behöver rättas');
    const link = summary.getByRole('link', { name: 'E-postadressen eller lösenordet stämmer inte.' });
    assert.equal(await link.getAttribute('href'), '#email');
    assert.deepEqual(await assertErrorsTiedToFields(page), {
      email: 'E-postadressen eller lösenordet stämmer inte.',
    });
    assert.ok(await page.locator('#email-error').isVisible());
    const email = page.locator('#email');
    assert.equal(await email.inputValue(), staff.email, 'the typed e-mail address is kept');
    assert.equal(await page.locator('#password').inputValue(), '', 'the password is never sent back');

    await assertNoSidewaysScroll(page, 320, 'sign-in error at 320 px');
    await checkA11y(page, 'sign-in page with an error at 320 px');
    await screenshot(page, 'sign-in-error-320');

    // Focus starts on the summary, so the next Tab is its link: follow it to the field, Tab on to the password and
    // sign in with Enter.
    await tabTo(page, '.error-summary a', { max: 1 });
    await page.keyboard.press('Enter');
    assert.match((await assertVisibleFocus(page, 'after the summary link')).description, /^input#email/);
    await page.keyboard.press('Tab');
    assert.match((await focused(page)).description, /^input#password/);
    await page.keyboard.type(staff.password);
    const accepted = await submitWith(page, 'Enter');
    assert.equal(accepted?.status(), 200);
    assert.equal(page.url(), `${baseUrl}/admin`);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Enkäter');
    assert.ok((await page.locator('footer').textContent())?.includes(`Inloggad som ${staff.email}`), 'signed in');

    await assertNoSidewaysScroll(page, 320, '/admin at 320 px');
    await checkA11y(page, '/admin at 320 px');
    await screenshot(page, 'admin-home-320');
    await page.setViewportSize({ width: 1280, height: 800 });
    await checkA11y(page, '/admin at 1280 px');
    await screenshot(page, 'admin-home-1280');
  });

  test('signed out, /admin/users asks to sign in and then opens /admin/users', async () => {
    await signedOut(1280);
    const response = await page.goto(`${baseUrl}/admin/users`);
    assert.equal(page.url(), `${baseUrl}/sign-in?next=%2Fadmin%2Fusers`);
    assert.equal(response?.status(), 200);
    assert.equal(await response?.request().redirectedFrom()?.response().then((r) => r?.status()), 303);
    assert.equal(await page.locator('input[name=next]').inputValue(), '/admin/users');

    await tabTo(page, '#email', { max: 5 });
    await page.keyboard.type(staff.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(staff.password);
    await submitWith(page, 'Enter');
    assert.equal(page.url(), `${baseUrl}/admin/users`);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Användare');
  });
});
