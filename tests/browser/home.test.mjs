// The front page in a real browser: Swedish, the right heading, no WCAG 2.1 A/AA violations at phone and desktop
// widths, no sideways scrolling on a 320 px screen, and the keyboard works.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { baseUrl, checkA11y, launchBrowser, newPage, screenshot } from './helpers.mjs';

describe('front page', { timeout: 150_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  /** Opens the front page at the given width and fails on any uncaught script error while it loads. */
  async function open(width) {
    const page = await newPage(browser, { width });
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200, `GET / answered ${response?.status()}`);
    assert.deepEqual(errors, [], 'no script errors on load');
    return page;
  }

  test('is in Swedish, has the heading and no WCAG violations (1280 px)', async () => {
    const page = await open(1280);
    try {
      assert.equal(await page.locator('html').getAttribute('lang'), 'sv');
      const headings = page.locator('h1');
      assert.equal(await headings.count(), 1, 'exactly one h1');
      assert.equal((await headings.textContent())?.trim(), 'Trygghetsmätning');
      assert.match(await page.title(), /Trygghetsmätning/);
      await checkA11y(page, 'front page at 1280 px');
      await screenshot(page, 'home-1280');
    } finally {
      await page.context().close();
    }
  });

  test('reflows on a 320 px phone without sideways scrolling or WCAG violations', async () => {
    const page = await open(320);
    try {
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      assert.ok(scrollWidth <= clientWidth, `content is ${scrollWidth} px wide in a ${clientWidth} px viewport`);
      await checkA11y(page, 'front page at 320 px');
      await screenshot(page, 'home-320');
    } finally {
      await page.context().close();
    }
  });

  test('Tab moves focus to visible content, if there is any to focus', async () => {
    const page = await open(1280);
    try {
      const focusable = await page
        .locator('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')
        .filter({ visible: true })
        .count();
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const element = document.activeElement;
        const box = element?.getBoundingClientRect();
        return { tag: element?.tagName ?? null, width: box?.width ?? 0, height: box?.height ?? 0 };
      });
      if (focusable > 0) {
        assert.notEqual(focused.tag, 'BODY', 'Tab focuses an element, not the page');
        assert.ok(focused.width > 0 && focused.height > 0, `the focused ${focused.tag} is visible`);
      } else {
        // Nothing to focus yet (the page has no links or controls): Tab must at least leave the page usable.
        assert.ok(focused.tag === 'BODY' || focused.tag === null, `focus went to ${focused.tag}`);
      }
    } finally {
      await page.context().close();
    }
  });
});
