// Account administration in a real browser, signed in as the administrator that tests/api/browser.rs created with
// the command line: the users, account and audit pages meet WCAG 2.1 A/AA at desktop and phone widths without
// sideways scrolling; an administrator creates a coordinator with the keyboard alone (a mistake first), creates an
// API key that is shown once, finds both in the log, and signs out from the header.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  chosenMunicipalities,
  focused,
  launchBrowser,
  newPage,
  pickMunicipalities,
  screenshot,
  signIn,
  submitWith,
  summaryFocused,
  tabTo,
} from './helpers.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const coordinator = { email: `samordnare.${run}@hagfors.se`, name: 'Sara Samordnare' };
const tokenName = `Svarsfrekvens ${run}`;

describe('account administration', { timeout: 180_000 }, () => {
  let browser;
  let page;
  before(async () => {
    browser = await launchBrowser();
    page = await newPage(browser, { width: 1280 });
    await signIn(page);
  });
  after(async () => {
    await browser?.close();
  });

  async function open(path, heading) {
    const response = await page.goto(`${baseUrl}${path}`);
    assert.equal(response?.status(), 200, `GET ${path} answered ${response?.status()}`);
    assert.equal(page.url(), `${baseUrl}${path}`, `GET ${path} stays on the page (signed in)`);
    assert.equal((await page.locator('h1').textContent())?.trim(), heading);
  }

  async function widths(name, label, { knownIssues } = {}) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await checkA11y(page, `${label} at 1280 px`, { knownIssues });
    await screenshot(page, `${name}-1280`);
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, `${label} at 320 px`);
    await checkA11y(page, `${label} at 320 px`, { knownIssues });
    await screenshot(page, `${name}-320`);
  }

  test('users, account and audit pages: no WCAG violations at 1280 and 320 px, no sideways scrolling', async () => {
    for (const [path, heading, name, knownIssues] of [
      ['/admin/users', 'Användare', 'admin-users'],
      ['/admin/account', 'Mitt konto', 'admin-account'],
      ['/admin/audit', 'Logg', 'admin-audit'],
    ]) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await open(path, heading);
      await widths(name, path, { knownIssues });
    }
  });

  test('keyboard only: a coordinator for Hagfors and Torsby, after a too-short password', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await open('/admin/users', 'Användare');

    // Tab from the top of the page (past the menu and every account in the table) into "Nytt konto" and fill it in.
    await tabTo(page, '#email', { max: 200 });
    await page.keyboard.type(coordinator.email);
    await page.keyboard.press('Tab');
    assert.match((await focused(page)).description, /^input#display_name/);
    await page.keyboard.type(coordinator.name);
    await page.keyboard.press('Tab');
    assert.match((await focused(page)).description, /^input#password/);
    await page.keyboard.type('för-kort');

    // Tab lands on the checked role; the arrow keys move between the roles, ending on Samordnare.
    await page.keyboard.press('Tab');
    const role = () => page.locator('input[name=role]:checked').getAttribute('value');
    const focusedRole = () => page.evaluate(() => document.activeElement?.getAttribute('value'));
    assert.equal(await focusedRole(), 'coordinator', 'Tab goes to the checked role (Samordnare by default)');
    await assertVisibleFocus(page, 'the role radio button');
    await page.keyboard.press('ArrowDown');
    assert.equal(await role(), 'viewer');
    await page.keyboard.press('ArrowUp');
    assert.equal(await role(), 'coordinator');
    assert.equal(await focusedRole(), 'coordinator');

    // The municipalities: search for each by name and tick it.
    await page.keyboard.press('Tab');
    assert.match((await assertVisibleFocus(page, 'the municipality search')).description, /^input#municipality-search/);
    await pickMunicipalities(page, ['Hagfors', 'Torsby']);
    await screenshot(page, 'admin-users-keyboard-320');

    // Tab to the button and submit with Space, as a button is pressed.
    await tabTo(page, 'main button[type=submit]', { max: 3 });
    const button = await assertVisibleFocus(page, 'the submit button');
    assert.match(button.description, /^button\[type=submit\] "Skapa konto"/);
    const refused = await submitWith(page, 'Space');
    assert.equal(refused?.status(), 422);

    // The summary and the field both say what is wrong; everything else typed is kept, the password is not.
    const summary = page.locator('.error-summary');
    assert.equal(await summary.getAttribute('role'), 'alert');
    const links = await summary.getByRole('link').evaluateAll((elements) =>
      elements.map((element) => [element.getAttribute('href'), element.textContent.trim()]),
    );
    assert.equal(links.length, 1, `one error, got ${JSON.stringify(links)}`);
    assert.equal(links[0][0], '#password');
    const fieldErrors = await assertErrorsTiedToFields(page);
    assert.deepEqual(Object.keys(fieldErrors), ['password'], 'only the password is marked');
    assert.equal(fieldErrors.password, links[0][1], 'the field and the summary say the same');
    assert.match(fieldErrors.password, /12 tecken/);
    const password = page.locator('#password');
    assert.equal(await password.inputValue(), '');
    assert.equal(await page.locator('#email').inputValue(), coordinator.email);
    assert.equal(await page.locator('#display_name').inputValue(), coordinator.name);
    assert.equal(await role(), 'coordinator');
    assert.deepEqual(await chosenMunicipalities(page), ['1783', '1737']);

    await assertNoSidewaysScroll(page, 320, 'the users page with an error at 320 px');
    await checkA11y(page, 'the users page with an error at 320 px');
    // What the person sees first when the page comes back: the summary, focused and in view, not the top of the
    // page with the table of accounts (with a few dozen accounts the form is far below the fold).
    await screenshot(page, 'admin-users-error-320-in-view', { fullPage: false });
    assert.ok(await summaryFocused(page), 'focus is on the summary');
    assert.ok(await inViewport(page, '.error-summary'), 'the error summary is in view after the page comes back');

    // The next Tab is the summary's link: follow it to the password, type a good one, and submit with Enter.
    await tabTo(page, '.error-summary a', { max: 1 });
    await page.keyboard.press('Enter');
    assert.match((await assertVisibleFocus(page, 'after the summary link')).description, /^input#password/);
    await page.keyboard.type('Höstmörker-över-Klarälven-17');
    const created = await submitWith(page, 'Enter');
    assert.equal(created?.status(), 200);

    const notice = page.getByRole('status');
    assert.equal((await notice.textContent())?.trim(), `Kontot för ${coordinator.email} är skapat.`);
    assert.equal(await page.locator('.error-summary').count(), 0);
    const row = page.locator('tbody tr').filter({ has: page.getByRole('link', { name: coordinator.email }) });
    assert.equal(await row.count(), 1, 'the new account is in the table');
    const cells = (await row.locator('td').allTextContents()).map((text) => text.trim());
    assert.deepEqual(cells, [coordinator.email, coordinator.name, 'Samordnare', 'Hagfors, Torsby', 'Aktivt']);
    assert.equal(await page.locator('#email').inputValue(), '', 'the form is empty again');

    await assertNoSidewaysScroll(page, 320, 'the users page with the notice at 320 px');
    await checkA11y(page, 'the users page with the notice at 320 px');
    await screenshot(page, 'admin-users-created-320');
  });

  test('an API key is shown once', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await open('/admin/account', 'Mitt konto');
    await tabTo(page, '#name');
    await page.keyboard.type(tokenName);
    const response = await submitWith(page, 'Enter');
    assert.equal(response?.status(), 200);
    assert.equal((await page.locator('h1').textContent())?.trim(), `API-nyckeln "${tokenName}" är skapad`);
    const secret = (await page.locator('.secret').textContent())?.trim() ?? '';
    assert.ok(secret.length >= 32, `a long secret is shown, got ${JSON.stringify(secret)}`);
    assert.ok(await page.locator('.secret').isVisible());

    await assertNoSidewaysScroll(page, 320, 'the new API key at 320 px');
    await checkA11y(page, 'the new API key at 320 px');
    await screenshot(page, 'admin-token-shown-320');

    // Back on the account page the key is listed by name, and its secret is nowhere.
    await tabTo(page, 'main a[href="/admin/account"]');
    await submitWith(page, 'Enter');
    assert.equal(page.url(), `${baseUrl}/admin/account`);
    const row = page.locator('tbody tr').filter({ hasText: tokenName });
    assert.equal(await row.count(), 1, 'the key is listed');
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
    await assertNoSidewaysScroll(page, 320, 'the account page with a key at 320 px');
    await checkA11y(page, 'the account page with a key at 320 px');
    await screenshot(page, 'admin-account-with-key-320');
  });

  test('the audit log shows the new account and the new key', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open('/admin/audit', 'Logg');
    const sentences = await page.locator('.audit-log td.what').allTextContents();
    const created = `Anna Admin skapade kontot för ${coordinator.name} (${coordinator.email}) som samordnare för `;
    assert.ok(
      sentences.some((text) => text.startsWith(created)),
      `"${created}…" in ${JSON.stringify(sentences)}`,
    );
    assert.ok(sentences.includes(`Anna Admin skapade API-nyckeln ”${tokenName}”`), 'the new key, by its name');
  });

  test(
    'the audit table can be scrolled by keyboard at 1280 and 320 px',
    async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      await open('/admin/audit', 'Logg');
      const failures = [];
      for (const width of [1280, 320]) {
        await page.setViewportSize({ width, height: 800 });
        await checkA11y(page, `/admin/audit at ${width} px`).catch((error) => failures.push(error.message));
      }
      assert.deepEqual(failures, []);
    },
  );

  test('"Logga ut" in the header signs out, by keyboard', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await open('/admin', 'Enkäter');
    await tabTo(page, 'header button', { max: 10 });
    assert.match((await focused(page)).description, /^button\[type=submit\] "Logga ut"/);
    await screenshot(page, 'sign-out-focused-320');
    await submitWith(page, 'Enter');
    assert.equal(page.url(), `${baseUrl}/sign-in`);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Logga in');

    // The session is gone: the admin pages ask to sign in again.
    await page.goto(`${baseUrl}/admin/account`);
    assert.equal(page.url(), `${baseUrl}/sign-in?next=%2Fadmin%2Faccount`);
  });
});

/** Whether the top of the element is inside the viewport as the page is scrolled now. */
function inViewport(page, selector) {
  return page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight;
  });
}
