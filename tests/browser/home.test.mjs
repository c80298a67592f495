// The front page is the resident's start page: what the survey is and a field for the code in the letter. In a real
// browser: Swedish by default and English for an English browser, no WCAG 2.1 A/AA violations at phone and desktop
// widths, no sideways scrolling on a 320 px screen, the skip link and the code field reached by keyboard with a
// visible focus, and a code with a missing character explained beside the field. (The way on from a right code is
// answer.test.mjs.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  submitWith,
  summaryFocused,
  tabTo,
} from './helpers.mjs';

describe('the start page', { timeout: 150_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  /** Opens the start page and fails on any uncaught script error while it loads. */
  async function open(options) {
    const page = await newPage(browser, options);
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200, `GET / answered ${response?.status()}`);
    assert.deepEqual(errors, [], 'no script errors on load');
    return page;
  }

  test('is in Swedish, asks for the code in the letter, no WCAG violations at 1280 and 320 px', async () => {
    const page = await open({ width: 1280 });
    try {
      assert.equal(await page.locator('html').getAttribute('lang'), 'sv');
      assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Trygghetsmätning');
      assert.equal(await page.title(), 'Svara på trygghetsmätningen – Trygghetsmätning');
      const field = page.getByRole('textbox', { name: /^Koden i ditt brev/ });
      assert.equal(await field.count(), 1, 'the code field is labelled');
      assert.equal(await field.getAttribute('aria-describedby'), 'code-hint', 'the example is read with the field');
      assert.equal(await page.getByRole('button', { name: 'Börja svara' }).count(), 1);
      assert.equal(await page.getByRole('link', { name: 'Tillgänglighet' }).getAttribute('href'), '/tillganglighet');
      await checkA11y(page, 'the start page at 1280 px');
      await screenshot(page, 'home-1280');

      await page.setViewportSize({ width: 320, height: 640 });
      await assertNoSidewaysScroll(page, 320, 'the start page at 320 px');
      await checkA11y(page, 'the start page at 320 px');
      await screenshot(page, 'home-320');
    } finally {
      await page.context().close();
    }
  });

  test('keyboard: the skip link leads to the content; a code too short is explained beside the field', async () => {
    const page = await open({ width: 320, height: 640 });
    try {
      await page.keyboard.press('Tab');
      const skip = await assertVisibleFocus(page, 'the skip link');
      assert.match(skip.description, /^a "Till innehållet"/);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'the skip link moves focus to main');

      await page.goto(`${baseUrl}/`);
      await tabTo(page, '#code', { max: 9 });
      await page.keyboard.type('7KQM-X4TZ-9HR');
      const refused = await submitWith(page, 'Enter');
      assert.equal(refused?.status(), 422);
      assert.ok(await summaryFocused(page), 'focus is on the summary');
      assert.deepEqual(await assertErrorsTiedToFields(page), {
        code: 'Koden ska ha 12 tecken, men du skrev 11. Jämför med brevet.',
      });
      assert.equal(await page.locator('#code').getAttribute('aria-describedby'), 'code-hint code-error');
      assert.equal(await page.locator('#code').inputValue(), '7KQM-X4TZ-9HR', 'what was typed is kept');
      await assertNoSidewaysScroll(page, 320, 'the start page with an error at 320 px');
      await checkA11y(page, 'the start page with an error at 320 px');
      await screenshot(page, 'home-error-320');

      // The page answers the form (at /svara); its language switch still leads to the start page in English.
      await tabTo(page, 'nav a[lang=en]', { max: 9, backwards: true });
      const english = await submitWith(page, 'Enter');
      assert.equal(english?.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Local safety survey');
    } finally {
      await page.context().close();
    }
  });

  test('is in English for an English browser, and says so to screen readers', async () => {
    const page = await open({ width: 1280, locale: 'en-GB' });
    try {
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal((await page.locator('h1').textContent())?.trim(), 'Local safety survey');
      const switchTo = page.getByRole('navigation', { name: 'Choose language' }).getByRole('link', { name: 'Svenska' });
      assert.equal(await switchTo.getAttribute('lang'), 'sv', 'the other language is named in that language');
      await checkA11y(page, 'the start page in English');
    } finally {
      await page.context().close();
    }
  });
});
