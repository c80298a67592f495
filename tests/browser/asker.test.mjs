// Residents know who asks: a refusal page (a survey not yet open) ends with the survey's sender and contact, and the
// accessibility statement names who is responsible, a contact and its day. Both free of WCAG 2.1 A/AA violations at
// 320 and 1280 px, without sideways scrolling, and the contact links reached by keyboard.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  tabTo,
} from './helpers.mjs';
import { day, setUpSurvey } from './surveys.mjs';

describe('who asks', { timeout: 150_000 }, () => {
  let browser;
  let code;
  const opensOn = day(30);

  before(async () => {
    browser = await launchBrowser();
    const page = await newPage(browser);
    await signIn(page);
    const csrf = await page.locator('input[name=csrf_token]').first().inputValue();
    ({ codes: [code] } = await setUpSurvey(page, csrf, `Inte öppen än ${Date.now()}`, { opens: 30, closes: 60, codes: 1 }));
    await page.context().close();
  });
  after(async () => {
    await browser?.close();
  });

  for (const width of [320, 1280]) {
    test(`a survey not yet open says when it opens and whom to ask, at ${width} px`, async () => {
      const page = await newPage(browser, { width });
      const response = await page.goto(`${baseUrl}/svara/${code}`);
      assert.equal(response?.status(), 409);
      const main = await page.locator('main').innerText();
      assert.match(main, new RegExp(`Enkäten öppnar ${opensOn}\\.`));
      assert.match(main, /Frågor om enkäten/);
      assert.equal(await page.locator('main a[href="tel:056318500"]').textContent(), '0563-185 00');
      assert.equal(await page.locator('main a[href="mailto:trygghet@hagfors.se"]').count(), 1);
      await tabTo(page, 'main a[href="tel:056318500"]', { max: 10 });
      await assertVisibleFocus(page, 'the phone link');
      await assertNoSidewaysScroll(page, width, `the not-yet-open page at ${width} px`);
      await checkA11y(page, `the not-yet-open page at ${width} px`);
      await screenshot(page, `refused-not-open-${width}`);
      await page.context().close();
    });

    test(`the accessibility statement names who is responsible, a contact and its day, at ${width} px`, async () => {
      const page = await newPage(browser, { width });
      const response = await page.goto(`${baseUrl}/tillganglighet`);
      assert.equal(response?.status(), 200);
      const main = await page.locator('main').innerText();
      assert.match(main, /Vem ansvarar för webbplatsen\?/);
      assert.match(main, /Redogörelsen gjordes \d{4}-\d{2}-\d{2}\./);
      await assertNoSidewaysScroll(page, width, `the accessibility statement at ${width} px`);
      await checkA11y(page, `the accessibility statement at ${width} px`);
      await screenshot(page, `accessibility-statement-${width}`);
      await page.context().close();
    });
  }
});
