// The staff's pages in English, in a real browser: an administrator whose browser asks for Swedish switches to
// English with the keyboard alone (the header's "English" link, no script needed), the choice stays for the pages
// that follow, each page is marked `lang="en"` with English headings, and each meets WCAG 2.1 A/AA at 1280 px.
// Switching back restores Swedish.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baseUrl, checkA11y, launchBrowser, newPage, screenshot, signIn, tabTo } from './helpers.mjs';

describe('staff pages in English', { timeout: 180_000 }, () => {
  let browser;
  let page;
  before(async () => {
    browser = await launchBrowser();
    page = await newPage(browser, { width: 1280, locale: 'sv-SE' });
    await signIn(page);
  });
  after(async () => {
    await browser?.close();
  });

  const heading = async () => (await page.locator('h1').textContent())?.trim();
  const language = () => page.evaluate(() => document.documentElement.lang);

  test('the header switches to English by keyboard, and every staff page follows', async () => {
    assert.equal(await language(), 'sv');
    assert.equal(await heading(), 'Enkäter');

    await tabTo(page, 'nav.languages a[hreflang="en"]');
    assert.equal((await page.evaluate(() => document.activeElement.textContent)).trim(), 'English');
    await Promise.all([page.waitForURL(/lang=en/), page.keyboard.press('Enter')]);
    assert.equal(await language(), 'en');
    assert.equal(await heading(), 'Surveys');
    await checkA11y(page, 'surveys in English at 1280 px');
    await screenshot(page, 'staff-english-home-1280');

    for (const [path, expected, name] of [
      ['/admin/users', 'Users', 'users'],
      ['/admin/audit', 'Audit log', 'audit'],
      ['/admin/account', 'My account', 'account'],
      ['/admin/surveys/new', 'New survey', 'survey-new'],
    ]) {
      const response = await page.goto(`${baseUrl}${path}`);
      assert.equal(response?.status(), 200, `GET ${path}`);
      assert.equal(await language(), 'en', `${path} stays in English`);
      assert.equal(await heading(), expected);
      const frame = await page.locator('header.site, footer.site').allTextContents();
      assert.doesNotMatch(frame.join(' '), /Enkäter|Logga ut|Mitt konto|Inloggad som/, `${path}: no Swedish in the frame`);
      await checkA11y(page, `${path} in English at 1280 px`);
      await screenshot(page, `staff-english-${name}-1280`);
    }
  });

  test('the switch leads back to Swedish', async () => {
    await page.goto(`${baseUrl}/admin`);
    const back = page.locator('nav.languages a[hreflang="sv"]');
    assert.equal((await back.textContent())?.trim(), 'Svenska');
    await back.focus();
    await Promise.all([page.waitForURL(/lang=sv/), page.keyboard.press('Enter')]);
    assert.equal(await language(), 'sv');
    assert.equal(await heading(), 'Enkäter');
  });
});
