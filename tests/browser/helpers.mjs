// Shared helpers for the browser tests: a headless Debian Chromium driven by playwright-core, axe-core for WCAG
// checks, screenshots. The tests are run by tests/api/browser.rs (part of `cargo test`), which starts the service and
// passes its address in TRYGGHET_BASE_URL. To run them by hand against a running service:
//
//   TRYGGHET_BASE_URL=http://127.0.0.1:8080 node --test tests/browser/
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

/** A new page in its own context, Swedish locale unless `locale` says otherwise; further context options (such as
 * `javaScriptEnabled: false` or `deviceScaleFactor: 2`) are passed on. The timeouts only stop a broken page from
 * hanging the run; they are generous because CI runs these beside the rest of the suite on two cores. */
export async function newPage(browser, { width = 1280, height = 800, locale = 'sv-SE', ...options } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale, ...options });
  const page = await context.newPage();
  // What the service's Content-Security-Policy blocked (an inline script or style that crept into a template);
  // checkA11y fails on any.
  page.cspViolations = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
      page.cspViolations.push(`${page.url()}: ${message.text()}`);
    }
  });
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(45_000);
  return page;
}

const axePath = require.resolve('axe-core/axe.min.js');
let axeScript;
const axeSource = () => (axeScript ??= readFileSync(axePath, 'utf8'));

/** WCAG 2.0 and 2.1, levels A and AA: what the public sector must meet (DOS-lagen, EN 301 549). */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page as it is now and throws a readable list of every WCAG A/AA violation (rule, impact,
 * elements, help link). Returns axe's results for further assertions. `knownIssues` maps axe rule ids to why they
 * are left out this once (a known defect with its own `todo` test), so the rest of the page is still checked.
 */
export async function checkA11y(page, label, { knownIssues = {} } = {}) {
  assert.deepEqual(page.cspViolations ?? [], [], `${label}: the Content-Security-Policy blocked something`);
  // Evaluated through the browser's debugging protocol rather than added as a <script>, which the service's
  // Content-Security-Policy rightly refuses.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource());
  }
  const rules = Object.fromEntries(Object.keys(knownIssues).map((id) => [id, { enabled: false }]));
  const results = await page.evaluate(
    ({ tags, rules }) =>
      window.axe.run(document, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] }),
    { tags: wcagTags, rules },
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

/** Whether screenshots are taken: TRYGGHET_SCREENSHOTS=0 skips them (CI does: nobody looks at them there, and the
 * about 200 full-page PNGs are a fifth of Chromium's work in a run). Nothing asserts on them. */
export const screenshotsTaken = process.env.TRYGGHET_SCREENSHOTS !== '0';

/** Saves a full-page PNG (or only what is in view, with `fullPage: false`) as `<screenshotDir>/<name>.png`, and
 * returns its path; returns null when screenshots are not taken. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  if (!screenshotsTaken) return null;
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** The staff account the tests sign in as: an administrator created by tests/api/browser.rs with the real CLI. */
export const staff = (() => {
  const email = process.env.TRYGGHET_TEST_EMAIL;
  const password = process.env.TRYGGHET_TEST_PASSWORD;
  return {
    get email() {
      if (!email) throw new Error('TRYGGHET_TEST_EMAIL is not set: the administrator to sign in as');
      return email;
    },
    get password() {
      if (!password) throw new Error('TRYGGHET_TEST_PASSWORD is not set: the password of TRYGGHET_TEST_EMAIL');
      return password;
    },
  };
})();

/**
 * The focused element as the person at the keyboard experiences it: a short description, and whether it shows a
 * focus indicator (an outline or a ring) and lies inside the viewport.
 */
export function focused(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return { description: 'BODY', indicator: false, inView: false };
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const ring = style.boxShadow !== 'none';
    const box = element.getBoundingClientRect();
    const inView =
      box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 &&
      box.top < window.innerHeight && box.left < window.innerWidth;
    const name = (element.getAttribute('aria-label') || element.textContent || element.value || '').trim();
    const description =
      element.tagName.toLowerCase() +
      (element.id ? `#${element.id}` : '') +
      (element.getAttribute('type') ? `[type=${element.getAttribute('type')}]` : '') +
      (name ? ` "${name.replace(/\s+/g, ' ').slice(0, 40)}"` : '');
    return { description, indicator: outline || ring, inView };
  });
}

/** Fails unless keyboard focus is on an element with a visible focus indicator, inside the viewport. */
export async function assertVisibleFocus(page, where = '') {
  const focus = await focused(page);
  if (!focus.indicator || !focus.inView) {
    throw new Error(
      `${where ? `${where}: ` : ''}keyboard focus on ${focus.description} is not visible ` +
        `(${focus.indicator ? 'outside the viewport' : 'no outline or focus ring'})`,
    );
  }
  return focus;
}

/**
 * Presses Tab (or Shift+Tab with `backwards`) until the focused element matches `selector`, as someone using the
 * keyboard would, checking at every stop that the focus is visible. Fails after `max` presses, listing the stops.
 */
export async function tabTo(page, selector, { max = 40, backwards = false } = {}) {
  const stops = [];
  for (let presses = 1; presses <= max; presses += 1) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const focus = await assertVisibleFocus(page, `Tab stop ${presses} on the way to ${selector}`);
    stops.push(focus.description);
    if (await page.evaluate((selector) => document.activeElement?.matches(selector) ?? false, selector)) {
      return stops;
    }
  }
  throw new Error(`${selector} was not reached in ${max} presses of Tab; focus went to:\n  ${stops.join('\n  ')}`);
}

/**
 * Fails unless every error message shown next to a field is tied to that field: the field is marked
 * `aria-invalid="true"` and names the message in `aria-describedby`, so a screen reader reads it with the field.
 * Returns the messages by field id.
 */
export async function assertErrorsTiedToFields(page) {
  const problems = await page.evaluate(() =>
    [...document.querySelectorAll('.field-error')].map((message) => {
      const control = message.id
        ? document.querySelector(`[aria-describedby~="${CSS.escape(message.id)}"]`)
        : null;
      return {
        message: message.textContent.trim(),
        field: control?.id ?? null,
        invalid: control?.getAttribute('aria-invalid') === 'true',
      };
    }),
  );
  const untied = problems.filter((problem) => !problem.field || !problem.invalid);
  if (problems.length === 0 || untied.length > 0) {
    const shown = problems.length ? untied : 'no error messages shown';
    throw new Error(`error messages not tied to their fields: ${JSON.stringify(shown)}`);
  }
  return Object.fromEntries(problems.map((problem) => [problem.field, problem.message]));
}

/** Presses `key` (Enter on a field or button, Space on a button) and waits for the page it submits to load. */
export async function submitWith(page, key = 'Enter') {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
  return response;
}

/**
 * Whether the error summary has the focus. Its `autofocus` is applied at the browser's next rendering update, which on
 * a busy machine may come a moment after the load event: wait for it up to 5 s rather than look once.
 */
export async function summaryFocused(page) {
  return page
    .waitForFunction(() => document.activeElement?.classList.contains('error-summary') ?? false, null, { timeout: 5000 })
    .then(() => true, () => false);
}

/** How wide the page is against how wide the viewport is: a page wider than its viewport scrolls sideways. */
export function pageWidth(page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
}

/** Fails if the page scrolls sideways at `width` px (WCAG 1.4.10 Reflow: 320 CSS px without two-way scrolling). */
export async function assertNoSidewaysScroll(page, width, label) {
  const { scrollWidth } = await pageWidth(page);
  if (scrollWidth > width + 1) {
    // The likely culprits, which no scrolling box clips.
    const culprits = await page.evaluate((width) => {
      const clipped = (element) => {
        for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
          if (getComputedStyle(box).overflowX !== 'visible') return getComputedStyle(element).position !== 'absolute';
        }
        return false;
      };
      // Elements reaching past the edge, and elements whose text spills out of them (a long unbroken word).
      const spills = (element) =>
        element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX === 'visible';
      return [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > width + 1 || spills(element))
        .filter((element) => !clipped(element))
        .slice(-5)
        .map((element) => `${element.tagName.toLowerCase()}${element.className ? `.${element.className}` : ''}`);
    }, width);
    throw new Error(`${label}: the page is ${scrollWidth} px wide at ${width} px; too wide: ${culprits.join(', ')}`);
  }
}

/**
 * Signs in as `staff` through the sign-in form (filled directly: for tests whose subject is what comes after) and
 * returns once the page after signing in has loaded.
 */
export async function signIn(page, { next } = {}) {
  await page.goto(`${baseUrl}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.locator('#email').fill(staff.email);
  await page.locator('#password').fill(staff.password);
  await page.locator('#password').focus();
  const response = await submitWith(page, 'Enter');
  const expected = new URL(next ?? '/admin', baseUrl).pathname;
  if (new URL(page.url()).pathname !== expected) {
    throw new Error(`signing in as ${staff.email} ended on ${page.url()} (${response?.status()}), not ${expected}`);
  }
}

/** The default questionnaire (instruments/trygghetsmatning-2026.1.json) has nine parts. */
export const sectionCount = 9;

/**
 * Answers every question on the page in front of the person typing (the first option of each, 12 for a number) and
 * leaves free text empty: more than 80 % answered, so a complete response (AAPOR I). Runs until no shown question
 * is left unanswered, since an answer may bring up a follow-up question.
 */
export async function answerEverything(page) {
  await page.evaluate(() => {
    for (let pass = 0; pass < 3; pass += 1) {
      const shown = (control) => control.offsetParent !== null;
      const controls = [...document.querySelectorAll('main [name^="q."]')].filter(shown);
      const groups = new Map();
      for (const control of controls) groups.set(control.name, [...(groups.get(control.name) ?? []), control]);
      let changed = false;
      for (const [, group] of groups) {
        const [first] = group;
        if (first.type === 'radio' || first.type === 'checkbox') {
          if (!group.some((control) => control.checked)) {
            first.click();
            changed = true;
          }
        } else if (first.inputMode === 'numeric' && !first.value) {
          first.value = '12';
          changed = true;
        }
      }
      if (!changed) break;
    }
  });
}

/**
 * A resident with the letter's code answers on the web: every part (or the first `stopAfter` parts, then leaves), to
 * the review; and submits unless told not to (then the review page is left open with its "Skicka in" button).
 */
export async function answerOnTheWeb(page, code, { stopAfter = sectionCount, submit = true } = {}) {
  await page.goto(`${baseUrl}/svara/${code}/del/1`);
  for (let part = 1; part <= stopAfter; part += 1) {
    assert.equal(new URL(page.url()).pathname, `/svara/${code}/del/${part}`);
    await answerEverything(page);
    await Promise.all([
      page.waitForURL((url) => url.pathname !== `/svara/${code}/del/${part}`),
      page.locator('main button[name=action][value=next]').click(),
    ]);
  }
  if (stopAfter < sectionCount) return;
  assert.equal(new URL(page.url()).pathname, `/svara/${code}/granska`);
  if (submit) {
    await Promise.all([page.waitForURL(`${baseUrl}/tack`), page.getByRole('button', { name: 'Skicka in' }).click()]);
  }
}

/**
 * Waits until `fn(arg)`, run in the page, returns a value that `until` accepts (by default anything truthy), and
 * returns it; checks every `interval` ms. Playwright's own `page.waitForFunction` runs its predicate through `eval`
 * inside the page, which the service's Content-Security-Policy rightly refuses; `page.evaluate` goes through the
 * browser's debugging protocol instead.
 */
export async function waitUntil(page, fn, arg, { until = (value) => value, timeout = 30_000, interval = 10 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms in vain for ${String(fn).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** The ticked municipalities of the picker, by code, in page order. */
export function chosenMunicipalities(page) {
  return page.locator('#municipalities input[type=checkbox]:checked').evaluateAll((boxes) => boxes.map((box) => box.value));
}

/**
 * Chooses municipalities in the picker by keyboard, starting with the focus on its search field: for each, type its
 * name, Tab past the one county left open to the one box left, tick it with Space, and Shift+Tab back to the search.
 * Leaves the focus on the search field with the last name in it.
 */
export async function pickMunicipalities(page, names) {
  for (const name of names) {
    assert.match((await focused(page)).description, /^input#municipality-search/);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(name);
    const visible = await page.locator('#municipality-counties label:visible').allTextContents();
    assert.deepEqual(visible.map((text) => text.trim()), [name], `searching "${name}" leaves it alone`);
    await page.keyboard.press('Tab');
    assert.match((await focused(page)).description, /^summary/, 'the county, open');
    await page.keyboard.press('Tab');
    assert.match((await assertVisibleFocus(page, `the box of ${name}`)).description, /^input\[type=checkbox\]/);
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
  }
  const line = (await page.locator('[data-picker-chosen]').textContent()).trim();
  for (const name of names) assert.ok(line.includes(name), `"${line}" names ${name}`);
}
