// Shared helpers for the browser tests: a headless Debian Chromium driven by playwright-core, axe-core for WCAG
// checks, screenshots. The tests are run by tests/api/browser.rs (part of `cargo test`), which starts the service and
// passes its address in TRYGGHET_BASE_URL. To run them by hand against a running service:
//
//   TRYGGHET_BASE_URL=http://127.0.0.1:8080 node --test tests/browser/
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The service under test, without a trailing slash, e.g. `http://127.0.0.1:41234`. */
export const baseUrl = (() => {
  const url = process.env.TRYGGHET_BASE_URL;
  if (!url) {
    throw new Error(
      'TRYGGHET_BASE_URL is not set: run the browser tests through `cargo test` (tests/api/browser.rs), or set it to ' +
        'a running service, e.g. TRYGGHET_BASE_URL=http://127.0.0.1:8080',
    );
  }
  return url.replace(/\/+$/, '');
})();

/** Where screenshots go: TRYGGHET_SCREENSHOT_DIR, else tests/browser/screenshots/ (git-ignored). */
export const screenshotDir = process.env.TRYGGHET_SCREENSHOT_DIR || path.join(here, 'screenshots');

/** The Chromium to drive: CHROMIUM_PATH, else Debian's /usr/bin/chromium (never a browser downloaded by a tool). */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Starts headless Chromium with a fresh, empty profile (playwright makes a temporary user-data-dir). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A new page in its own context, Swedish locale, with short timeouts so a broken page fails fast. */
export async function newPage(browser, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'sv-SE' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  return page;
}

const axePath = require.resolve('axe-core/axe.min.js');

/** WCAG 2.0 and 2.1, levels A and AA: what the public sector must meet (DOS-lagen, EN 301 549). */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page as it is now and throws a readable list of every WCAG A/AA violation (rule, impact,
 * elements, help link). Returns axe's results for further assertions.
 */
export async function checkA11y(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: axePath });
  }
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    wcagTags,
  );
  if (results.violations.length > 0) {
    const lines = results.violations.flatMap((violation) => [
      `- ${violation.id} (${violation.impact ?? 'unknown impact'}): ${violation.help}`,
      `  ${violation.helpUrl}`,
      ...violation.nodes.map((node) => `    at ${node.target.join(' ')}${node.failureSummary ? `: ${oneLine(node.failureSummary)}` : ''}`),
    ]);
    throw new Error(
      `${label}: ${results.violations.length} accessibility violation(s) (axe-core ${results.testEngine.version}, ` +
        `${wcagTags.join(', ')}) on ${page.url()}\n${lines.join('\n')}`,
    );
  }
  return results;
}

function oneLine(text) {
  return text
    .trim()
    .replace(/:\s*\n\s*/g, ': ')
    .replace(/\s*\n\s*/g, '; ');
}

/** Saves a full-page PNG as `<screenshotDir>/<name>.png` and returns its path. */
export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
