// The audit log in a real browser, signed in as the administrator that tests/api/browser.rs created: each event a
// sentence in Swedish time, a table that fits 1280 px without scrolling sideways and is stacked at 320 px, filters
// that keep what was typed when it cannot be read, and no WCAG 2.1 A/AA violations at either width.
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

// Unique per run; a long address, as the widest thing the table shows in a sentence.
const run = Date.now().toString(36);
const stranger = `en.mycket.lang.adress.${run}@trygghetsmatning-varmlands-lan.example.se`;

describe('the audit log', { timeout: 180_000 }, () => {
  let browser;
  let page;
  before(async () => {
    browser = await launchBrowser();
    // A failed sign-in with an address of no account (not the administrator's: its sign-ins must not be slowed).
    const other = await newPage(browser);
    await other.goto(`${baseUrl}/sign-in`);
    await other.locator('#email').fill(stranger);
    await other.locator('#password').fill('inte rätt lösenord alls');
    await other.locator('#password').focus();
    await submitWith(other, 'Enter');
    await other.context().close();
    page = await newPage(browser, { width: 1280 });
    await signIn(page);
  });
  after(async () => {
    await browser?.close();
  });

  /** The table's own width against its box's: more than the box means it scrolls sideways. */
  const tableWidth = () =>
    page.locator('.table-wrap').evaluate((wrap) => ({ scroll: wrap.scrollWidth, client: wrap.clientWidth }));

  test('events in words at 1280 px: the table fits without scrolling sideways', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const response = await page.goto(`${baseUrl}/admin/audit`);
    assert.equal(response?.status(), 200);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Logg');
    const headings = await page.locator('.audit-log thead th').allTextContents();
    assert.deepEqual(headings, ['Tid (svensk tid)', 'Händelse', 'Adress']);
    const sentences = await page.locator('.audit-log td.what').allTextContents();
    assert.ok(sentences.includes(`Inloggning misslyckades för ${stranger}`), JSON.stringify(sentences));
    assert.ok(sentences.includes('Anna Admin loggade in'), 'the administrator by name');
    const times = await page.locator('.audit-log td.when').allTextContents();
    assert.ok(times.every((time) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(time.trim())), JSON.stringify(times));
    const { scroll, client } = await tableWidth();
    assert.ok(scroll <= client + 1, `the table is ${scroll} px wide in a box of ${client} px`);
    await assertNoSidewaysScroll(page, 1280, '/admin/audit at 1280 px');
    await checkA11y(page, '/admin/audit at 1280 px');
    await screenshot(page, 'audit-1280');
  });

  test('at 320 px each event is stacked, and nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${baseUrl}/admin/audit`);
    const display = await page.locator('.audit-log td.what').first().evaluate((cell) => getComputedStyle(cell).display);
    assert.equal(display, 'block', 'a cell takes the whole width');
    const { scroll, client } = await tableWidth();
    assert.ok(scroll <= client + 1, `the table is ${scroll} px wide in a box of ${client} px`);
    await assertNoSidewaysScroll(page, 320, '/admin/audit at 320 px');
    await checkA11y(page, '/admin/audit at 320 px');
    await screenshot(page, 'audit-320');
  });

  test('filters: an action from the list, and a day that cannot be read kept with its message', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${baseUrl}/admin/audit`);
    await page.locator('#action').selectOption({ label: 'Misslyckad inloggning' });
    await page.locator('#from').focus();
    await submitWith(page, 'Enter');
    assert.match(page.url(), /[?&]action=sign_in_failed(&|$)/);
    const sentences = await page.locator('.audit-log td.what').allTextContents();
    assert.ok(sentences.length > 0 && sentences.every((text) => text.startsWith('Inloggning misslyckades')));

    await page.locator('#from').fill('2026-13-01');
    await page.locator('#from').focus();
    await submitWith(page, 'Enter');
    const messages = await assertErrorsTiedToFields(page);
    assert.equal(messages.from, 'Från-dagen finns inte i kalendern.');
    assert.equal(await page.locator('#from').inputValue(), '2026-13-01', 'what was typed is kept');
    assert.equal(await page.locator('#action').inputValue(), 'sign_in_failed', 'the other filters too');
    await checkA11y(page, '/admin/audit with a filter error at 1280 px');
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, '/admin/audit with a filter error at 320 px');
    await checkA11y(page, '/admin/audit with a filter error at 320 px');
    await screenshot(page, 'audit-filter-error-320');
  });
});
