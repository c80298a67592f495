// A municipality's citizen promises (/admin/municipalities/{code}/promises) in a real browser, as the administrator
// that tests/api/browser.rs created: the empty page, a promise refused (its last day before its first) with the
// error next to the field and everything typed kept, then saved and listed, and its own page to change it. WCAG 2.1
// A/AA (axe-core) at 1280 and 320 px on each, and no sideways scrolling at 320 px.
//
// Sunne (1766) is used, which no other browser test uses, and the promise starts two months from today, so that no
// survey of the other tests follows it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  submitWith,
} from './helpers.mjs';
import { day } from './surveys.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const title = `Trygg skolväg ${run}`;
const listPath = '/admin/municipalities/1766/promises';

describe('citizen promises', { timeout: 180_000 }, () => {
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

  async function widths(name, label) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await checkA11y(page, `${label} at 1280 px`);
    await screenshot(page, `${name}-1280`);
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, `${label} at 320 px`);
    await checkA11y(page, `${label} at 320 px`);
    await screenshot(page, `${name}-320`);
  }

  test('the page, a refused promise and a saved one: WCAG at 1280 and 320 px, errors by their fields', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const response = await page.goto(`${baseUrl}${listPath}`);
    assert.equal(response?.status(), 200);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Medborgarlöften i Sunne');
    // Targets by area, in the questionnaire's words.
    const outdoor = page.locator('fieldset.target-area').filter({ has: page.locator('legend', { hasText: 'Utemiljö' }) });
    assert.equal(await outdoor.count(), 1);
    assert.match(await outdoor.innerText(), /Hela området Utemiljö \(index\)/);
    await widths('promises-empty', 'the promises page');

    // The last day before the first: refused, said next to the field and in the summary, the rest kept.
    await page.setViewportSize({ width: 320, height: 640 });
    await page.locator('#title').fill(title);
    await page.locator('#text').fill('Polisen finns vid skolorna när de börjar och slutar.');
    await page.locator('#responsible-police').check();
    await page.locator('#starts_on').fill(day(60));
    await page.locator('#ends_on').fill(day(30));
    await page.locator('#target-item-speeding').check();
    await page.locator('#target-area-disorder').check();
    await page.locator('#title').focus();
    const refused = await submitWith(page, 'Enter');
    assert.equal(refused?.status(), 422);
    const fieldErrors = await assertErrorsTiedToFields(page);
    assert.deepEqual(Object.keys(fieldErrors), ['ends_on']);
    assert.match(fieldErrors.ends_on, /före startdagen/);
    assert.equal(await page.locator('.error-summary a').getAttribute('href'), '#ends_on');
    assert.equal(await page.locator('#title').inputValue(), title);
    assert.ok(await page.locator('#target-item-speeding').isChecked(), 'the chosen targets stay chosen');
    assert.ok(await page.locator('#target-area-disorder').isChecked());
    assert.ok(await page.locator('#responsible-police').isChecked());
    await widths('promises-refused', 'the refused promise');

    // Corrected and saved: listed with its targets in words.
    await page.locator('#ends_on').fill(day(300));
    await page.locator('#ends_on').focus();
    const saved = await submitWith(page, 'Enter');
    assert.equal(saved?.status(), 200);
    assert.equal(new URL(page.url()).pathname, listPath);
    assert.match(await page.locator('.notice').innerText(), /Löftet är sparat/);
    const row = page.locator('main table tbody tr').filter({ hasText: title });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Polisen[\s\S]*Planerat[\s\S]*Området Ordningsstörningar/);
    await widths('promises-list', 'the list with a promise');

    // Its own page, to change it.
    await page.setViewportSize({ width: 1280, height: 800 });
    await row.getByRole('link', { name: title }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('h1').innerText(), /Ändra löftet/);
    assert.equal(await page.locator('#ends_on').inputValue(), day(300));
    await widths('promise-edit', 'the page of one promise');
  });
});
