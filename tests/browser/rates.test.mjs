// The coordinators' live response-rate dashboard (/admin/surveys/{id}/rates) in a real browser, as the administrator
// that tests/api/browser.rs created. The survey is set up through the JSON API with the browser's own session (cookie
// plus X-CSRF-Token), as paper.test.mjs does: letters in Hagfors and Torsby, opened, the period including today; then
// a few residents: one answers every part on the web (Hagfors), one saves two parts and stops (Hagfors), one paper
// form is keyed in with its letter number (Torsby), and one Torsby letter comes back undeliverable.
//
// - The page meets WCAG 2.1 A/AA (axe-core) at 1280 and 320 px. On a laptop the main table's twelve columns fit
//   without scrolling; on a phone the page itself never scrolls sideways, the wide tables scroll inside their own
//   focusable regions instead, with their captions wrapped to the visible width and their row headings kept in view.
//   Screenshots at both widths.
// - The charts are images (role=img) named by their SVG title and described by their SVG desc, which reads out data.
// - Live: with the dashboard open, a resident submits on the web in another browser context and the Hagfors row (and
//   the charts) move within a second of the submit's reply, without a reload; the status line says the page updates
//   live, from a live region that stays in place; keyboard focus on a table region, and how far that table was
//   scrolled sideways, survive the update.
// - Without JavaScript the page is complete and shows the numbers as of loading (the same as the JSON API's).
// - A viewer of Hagfors alone sees only Hagfors, in the page and in its live updates.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  answerEverything,
  answerOnTheWeb,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  submitWith,
  tabTo,
  waitUntil,
} from './helpers.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const title = `Svarsfrekvens Hagfors och Torsby ${run}`;
const hagfors = { code: '1783', name: 'Hagfors', sample: 300, target: 55 };
const torsby = { code: '1737', name: 'Torsby', sample: 280, target: 50 };
/** A dashboard moves within a second of every change (README, "Live response rates"). */
const liveWithin = 1_000;

/** The column headings of the main table, as the template writes them (whitespace collapsed). */
const columns = {
  rate: 'Svarsfrekvens',
  letters: 'Utskickade brev',
  web: 'Fullständiga svar, webb (I)',
  paper: 'Fullständiga svar, papper (I)',
  started: 'Påbörjade, ej inskickade',
  unknown: 'Okänt (UH+UO)',
};

/** A Swedish calendar day `offset` days from today, as YYYY-MM-DD (a day either side covers the time zones). */
function day(offset) {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

describe('the live response-rate dashboard', { timeout: 120_000 }, () => {
  let browser;
  let staffPage;
  let survey;
  before(async () => {
    browser = await launchBrowser();
    staffPage = await newPage(browser);
    await signIn(staffPage);
    survey = await setUpSurvey(staffPage);
    // A few residents before anyone looks: one answers everything on the web, one stops after two parts, one returns
    // a paper form (keyed in with its letter number), and one letter comes back undeliverable.
    const resident = await newPage(browser);
    try {
      await answerOnTheWeb(resident, survey.codes.hagfors[0]);
      await answerOnTheWeb(resident, survey.codes.hagfors[1], { stopAfter: 2 });
    } finally {
      await resident.context().close();
    }
    await keyInPaperForm(staffPage, survey.id, torsby, survey.letters.torsby[0]);
    await survey.post(`/api/v1/surveys/${survey.id}/dispositions`, `${survey.letters.torsby[1]};obeställbar\n`, 200);
  });
  after(async () => {
    await browser?.close();
  });

  const dashboardPath = () => `/admin/surveys/${survey.id}/rates`;

  async function openDashboard(page) {
    const response = await page.goto(`${baseUrl}${dashboardPath()}`);
    assert.equal(response?.status(), 200, `GET ${dashboardPath()} answered ${response?.status()}`);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Svarsfrekvens');
  }

  test('WCAG at 1280 and 320 px; the wide tables scroll in their own regions, never the page', async () => {
    const page = staffPage;
    await page.setViewportSize({ width: 1280, height: 800 });
    await openDashboard(page);
    assert.deepEqual(await rowNames(page), ['Torsby', 'Hagfors', 'Totalt'], 'by municipality code, then the total');
    assert.deepEqual(await row(page, hagfors.name), {
      [columns.rate]: '25,0 %',
      [columns.letters]: '4',
      [columns.web]: '1',
      [columns.paper]: '0',
      [columns.started]: '1',
      [columns.unknown]: '2',
    });
    assert.deepEqual(await row(page, torsby.name, [columns.letters, columns.paper, columns.unknown]), {
      [columns.letters]: '2',
      [columns.paper]: '1',
      [columns.unknown]: '1',
    });
    // On a laptop all twelve columns of the main table are in view, without scrolling it sideways.
    const mainTable = page.locator('#live .table-wrap').first();
    const laptop = await mainTable.evaluate((wrap) => ({
      scrollWidth: wrap.scrollWidth,
      clientWidth: wrap.clientWidth,
    }));
    assert.ok(laptop.scrollWidth <= laptop.clientWidth, `the main table fits at 1280 px: ${JSON.stringify(laptop)}`);
    await assertNoSidewaysScroll(page, 1280, 'the dashboard at 1280 px');
    await checkA11y(page, 'the dashboard at 1280 px');
    await screenshot(page, 'rates-1280');

    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, 'the dashboard at 320 px');
    await checkA11y(page, 'the dashboard at 320 px');
    await screenshot(page, 'rates-320');
    await screenshot(page, 'rates-320-in-view', { fullPage: false });
    // Every table that is wider than a phone scrolls inside its box, which is a named region reached with Tab.
    const regions = await page.locator('#live .table-wrap').evaluateAll((wraps) =>
      wraps.map((wrap) => ({
        name: document.getElementById(wrap.getAttribute('aria-labelledby'))?.textContent.trim(),
        role: wrap.getAttribute('role'),
        focusable: wrap.tabIndex === 0,
        scrolls: wrap.scrollWidth > wrap.clientWidth,
        fits: wrap.getBoundingClientRect().right <= document.documentElement.clientWidth,
      })),
    );
    assert.ok(regions.length >= 4, `the tables: ${JSON.stringify(regions)}`);
    for (const region of regions) {
      assert.ok(region.name && region.role === 'region' && region.focusable && region.fits, JSON.stringify(region));
    }
    assert.ok(regions[0].scrolls, 'the main table scrolls sideways inside its region at 320 px');

    // Each caption wraps within what the phone shows, rather than running off under the table's hidden columns.
    const captions = await page.locator('#live .table-wrap caption').evaluateAll((captions) =>
      captions.map((caption) => {
        const wrap = caption.closest('.table-wrap').getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(caption);
        const text = range.getBoundingClientRect();
        const inView = text.left >= wrap.left - 1 && text.right <= wrap.right + 1;
        return { caption: caption.textContent.trim(), inView };
      }),
    );
    assert.deepEqual(captions.filter((caption) => !caption.inView), [], 'every caption is wholly in view at 320 px');
    // Scrolled to its last column, the main table still shows which municipality each row is.
    await mainTable.evaluate((wrap) => {
      wrap.scrollLeft = wrap.scrollWidth;
    });
    const rowHeadings = await mainTable.locator('tbody th[scope=row]').evaluateAll((cells) =>
      cells.map((cell) => {
        const wrap = cell.closest('.table-wrap').getBoundingClientRect();
        const box = cell.getBoundingClientRect();
        return { name: cell.textContent.trim(), inView: box.left >= wrap.left - 1 && box.right <= wrap.right + 1 };
      }),
    );
    assert.deepEqual(rowHeadings.filter((cell) => !cell.inView), [], 'the row headings stay in view when scrolled');
    await screenshot(page, 'rates-320-scrolled', { fullPage: false });
  });

  test('the charts are images named by their SVG title and described by their desc', async () => {
    const page = staffPage;
    await page.setViewportSize({ width: 1280, height: 800 });
    if (new URL(page.url()).pathname !== dashboardPath()) await openDashboard(page);
    const charts = await page.locator('#live figure.chart svg').evaluateAll((svgs) =>
      svgs.map((svg) => {
        const titleId = svg.getAttribute('aria-labelledby');
        const descId = svg.getAttribute('aria-describedby');
        const text = (id) => (id ? svg.querySelector(`[id="${id}"]`)?.textContent.trim() : undefined);
        return {
          role: svg.getAttribute('role'),
          title: svg.querySelector(':scope > title')?.textContent.trim(),
          desc: svg.querySelector(':scope > desc')?.textContent.trim(),
          labelledByTitle: text(titleId),
          labelledByDesc: text(descId),
        };
      }),
    );
    assert.equal(charts.length, 2, 'a bar chart and a line chart');
    for (const chart of charts) {
      assert.equal(chart.role, 'img');
      assert.ok(chart.title && chart.desc, `a title and a description: ${JSON.stringify(chart)}`);
      assert.equal(chart.labelledByTitle, chart.title, 'aria-labelledby names the title');
      assert.equal(chart.labelledByDesc, chart.desc, 'aria-describedby gives the description (the data in words)');
    }
    assert.equal(charts[0].title, 'Svarsfrekvens per kommun');
    assert.match(charts[0].desc, /Hagfors: 25,0\u00a0%, mål 55,0\u00a0%/, 'the bar chart reads out the rates');
    assert.equal(charts[1].title, 'Inskickade svar över tid');
    assert.match(charts[1].desc, /Hagfors: 1 svar/, 'the line chart reads out the counts');
    // As the browser exposes them: images whose name begins with the title and goes on with the data.
    for (const chart of charts) {
      const image = page.locator('#live figure.chart').getByRole('img', { name: chart.title });
      assert.equal(await image.count(), 1, `an image named "${chart.title}"`);
    }
  });

  test('live: a web response moves the numbers within a second, no reload; focus and scroll stay', async (t) => {
    // At a phone's width, where the main table scrolls sideways in its region.
    const storageState = await staffPage.context().storageState();
    const page = await newPage(browser, { width: 320, height: 640, storageState });
    const resident = await newPage(browser);
    try {
      await openDashboard(page);
      await page.evaluate(() => {
        window.notReloaded = true;
      });
      const status = page.locator('#live-status');
      await assert.doesNotReject(
        status.filter({ hasText: 'Uppdateras direkt' }).waitFor({ timeout: 5_000 }),
        'the status line says the page updates live',
      );
      assert.match(await status.innerText(), /^Uppdateras direkt/);
      // The status is a live region that stays put, so that a screen reader hears when it changes.
      await page.evaluate(() => {
        window.statusRegion = document.querySelector('#live-status [role=status]');
      });
      const before = await row(page, hagfors.name, [columns.web, columns.started, columns.rate]);

      // Keyboard focus on the main table's region, scrolled sideways as someone reading its right-hand columns.
      const main = '#live .table-wrap[aria-labelledby=rates-table-caption]';
      await tabTo(page, main, { max: 30 });
      await page.locator(main).evaluate((wrap) => {
        wrap.scrollLeft = 80;
      });
      const scrolled = await page.locator(main).evaluate((wrap) => wrap.scrollLeft);
      assert.ok(scrolled > 0, 'the main table is scrolled sideways');

      // A resident answers every part in another context; the clock starts when the submit is answered.
      await answerOnTheWeb(resident, survey.codes.hagfors[2], { submit: false });
      const [submitted] = await Promise.all([
        resident.waitForResponse((response) => response.url().endsWith('/skicka')),
        resident.getByRole('button', { name: 'Skicka in' }).click(),
      ]);
      const answeredAt = Date.now();
      assert.equal(submitted.status(), 303, 'the submit is stored and answered with the thank-you page');
      const webBefore = Number(before[columns.web]);
      await waitForCell(page, hagfors.name, columns.web, String(webBefore + 1));
      const elapsed = Date.now() - answeredAt;
      t.diagnostic(`the dashboard moved ${elapsed} ms after the submit was answered`);
      assert.ok(elapsed <= liveWithin, `the dashboard moved ${elapsed} ms after the submit was answered`);
      assert.ok(await page.evaluate(() => window.notReloaded === true), 'the page was not reloaded');
      const after = await row(page, hagfors.name, [columns.web, columns.started, columns.rate]);
      assert.deepEqual(after, {
        [columns.web]: String(webBefore + 1),
        [columns.started]: before[columns.started],
        [columns.rate]: '50,0 %',
      });
      // The charts moved too, and are still images with their title and description.
      const bars = page.locator('#live figure.chart svg[role=img]').first();
      assert.match(await bars.locator('desc').textContent(), /Hagfors: 50,0\u00a0%, mål 55,0\u00a0%/);
      assert.equal(await page.locator('#live figure.chart svg[role=img] > title').count(), 2);
      // The status line still says so, in the same live region: an update itself is not announced.
      assert.match(await status.innerText(), /^Uppdateras direkt/);
      assert.equal((await status.locator('[role=status]').textContent())?.trim(), 'Uppdateras direkt.');
      assert.ok(
        await page.evaluate(() => document.querySelector('#live-status [role=status]') === window.statusRegion),
        'the status region was not replaced',
      );

      // The table the keyboard was on still has the focus, visibly, scrolled where it was.
      const focusStayed = await page.locator(main).evaluate((wrap) => wrap === document.activeElement);
      assert.ok(focusStayed, 'focus stayed on the table');
      await assertVisibleFocus(page, 'after a live update');
      assert.equal(await page.locator(main).evaluate((wrap) => wrap.scrollLeft), scrolled, 'scrolled as before');
      await checkA11y(page, 'the dashboard after a live update');
      await screenshot(page, 'rates-live-320', { fullPage: false });
    } finally {
      await resident.context().close();
      await page.context().close();
    }
  });

  test('without JavaScript: the whole page, with the numbers as of loading', async () => {
    const storageState = await staffPage.context().storageState();
    const page = await newPage(browser, { width: 1280, height: 800, javaScriptEnabled: false, storageState });
    try {
      await openDashboard(page);
      const expected = await (await page.request.get(`${baseUrl}/api/v1/surveys/${survey.id}/rates`)).json();
      const hagforsNow = expected.municipalities.find((m) => m.code === hagfors.code);
      assert.deepEqual(await rowNames(page), ['Torsby', 'Hagfors', 'Totalt'], 'by municipality code, then the total');
      assert.deepEqual(await row(page, hagfors.name, [columns.letters, columns.web, columns.paper, columns.started]), {
        [columns.letters]: String(hagforsNow.letters),
        [columns.web]: String(hagforsNow.complete_web),
        [columns.paper]: String(hagforsNow.complete_paper),
        [columns.started]: String(hagforsNow.started),
      });
      const status = (await page.locator('#live-status').innerText()).trim();
      assert.match(status, /^Siffror från \d\d:\d\d:\d\d\./, 'the status line says when the numbers were read');
      assert.doesNotMatch(status, /Uppdateras direkt/, 'and does not promise updates');
      // Complete: both charts, every table, the definitions.
      assert.equal(await page.locator('#live figure.chart svg[role=img]').count(), 2);
      const captions = await page.locator('main table caption').allTextContents();
      assert.equal(captions.length, 4, JSON.stringify(captions));
      const headings = (await page.locator('main h2').allTextContents()).map((text) => text.trim());
      assert.deepEqual(headings, ['Inskickade svar över tid', 'Var slutar de som inte skickat in?']);
      // First the answer: per municipality the rate in large figures against its target, with a bar.
      const first = page.locator('#live > *').first();
      assert.equal(await first.evaluate((element) => element.className), 'headlines');
      assert.ok((await page.locator('.headline meter').count()) >= 2, 'a bar per municipality');
      // The AAPOR measures and the definitions are there, folded.
      const folds = (await page.locator('main details.fold > summary').allTextContents()).map((text) => text.trim());
      assert.deepEqual(folds, ['Alla AAPOR-mått', 'Vad siffrorna betyder']);
      assert.ok((await page.locator('dl.definitions dt').count()) >= 10, 'the definitions');
      const terms = await page.locator('dl.definitions dt').allTextContents();
      assert.ok(terms.includes('I') && !terms.includes('I = I'), `no "I = I": ${JSON.stringify(terms)}`);
      assert.ok(terms.includes('e = E / (E + NE)'), `e stays lowercase: ${JSON.stringify(terms)}`);
      await screenshot(page, 'rates-no-script-1280');
    } finally {
      await page.context().close();
    }
    // axe-core needs scripts (its timers do not run in a page with scripts off): the same page with only live.js
    // kept out is what a browser without JavaScript shows.
    const checked = await newPage(browser, { width: 320, height: 640, storageState });
    try {
      await checked.route('**/static/live.js', (route) => route.abort());
      await openDashboard(checked);
      assert.match(await checked.locator('#live-status').innerText(), /^Siffror från/);
      await assertNoSidewaysScroll(checked, 320, 'the dashboard without live.js at 320 px');
      await checkA11y(checked, 'the dashboard without live.js at 320 px');
    } finally {
      await checked.context().close();
    }
  });

  test('a viewer of Hagfors alone sees only Hagfors, loaded and live', async (t) => {
    const viewer = { email: `visare-${run}@hagfors.se`, password: `Hagforsvisare-${run}-1783` };
    await survey.post(
      '/api/v1/users',
      { email: viewer.email, password: viewer.password, role: 'viewer', municipalities: [hagfors.code] },
      201,
    );
    const page = await newPage(browser, { width: 320, height: 640 });
    try {
      await page.goto(`${baseUrl}/sign-in?next=${encodeURIComponent(dashboardPath())}`);
      await page.locator('#email').fill(viewer.email);
      await page.locator('#password').fill(viewer.password);
      await page.locator('#password').focus();
      await submitWith(page, 'Enter');
      assert.equal(new URL(page.url()).pathname, dashboardPath(), 'signed in, on the dashboard');

      assert.deepEqual(await rowNames(page), ['Hagfors'], 'only Hagfors, and no total over municipalities not theirs');
      const onlyHagfors = async (label) => {
        const text = await page.locator('#live').evaluate((live) => live.textContent);
        assert.ok(!text.includes(torsby.name), `${label}: nothing about Torsby`);
        assert.deepEqual(await page.locator('#live table').first().locator('tbody th').allTextContents(), ['Hagfors']);
      };
      await onlyHagfors('loaded');
      await page.locator('#live-status').filter({ hasText: 'Uppdateras direkt' }).waitFor({ timeout: 5_000 });
      await assertNoSidewaysScroll(page, 320, 'the viewer\'s dashboard at 320 px');
      await checkA11y(page, 'the viewer\'s dashboard at 320 px');
      await screenshot(page, 'rates-viewer-320');

      // Paper forms for Torsby and then Hagfors: the viewer's page moves for Hagfors and still shows no Torsby.
      const paperBefore = Number((await row(page, hagfors.name, [columns.paper]))[columns.paper]);
      await keyInPaperForm(staffPage, survey.id, torsby);
      const answeredAt = await keyInPaperForm(staffPage, survey.id, hagfors);
      await waitForCell(page, hagfors.name, columns.paper, String(paperBefore + 1));
      const elapsed = Date.now() - answeredAt;
      t.diagnostic(`the viewer's dashboard moved ${elapsed} ms after the form was saved`);
      assert.ok(elapsed <= liveWithin, `the viewer's dashboard moved ${elapsed} ms after the form was saved`);
      await onlyHagfors('after a live update');
    } finally {
      await page.context().close();
    }
  });

  test('the results page: small groups shown as "–" with the note that says why, WCAG at 1280 and 320 px', async () => {
    const page = staffPage;
    const resultsPath = `/admin/surveys/${survey.id}/results`;
    await page.setViewportSize({ width: 1280, height: 800 });
    const response = await page.goto(`${baseUrl}${resultsPath}`);
    assert.equal(response?.status(), 200, `GET ${resultsPath} answered ${response?.status()}`);
    assert.equal((await page.locator('h1').textContent())?.trim(), `Resultat: ${title}`);
    // Two respondents at most per municipality: every index is hidden, and the note says why.
    const indices = await page
      .locator('table')
      .filter({ has: page.locator('caption', { hasText: /^Index per område/ }) })
      .first()
      .locator('tbody td:nth-child(2)')
      .evaluateAll((cells) => cells.map((cell) => cell.textContent.trim()));
    assert.ok(indices.length > 0 && indices.every((text) => text === '–'), JSON.stringify(indices));
    assert.match((await page.locator('#hidden-note').textContent()) ?? '', /färre än 30 giltiga svar/);
    await checkA11y(page, 'the results page at 1280 px');
    await screenshot(page, 'results-1280');
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, 'the results page at 320 px');
    await checkA11y(page, 'the results page at 320 px');
    await screenshot(page, 'results-320');
  });
});

/**
 * Creates the survey through the JSON API with the page's session (the cookie, and the CSRF token from the hidden
 * input on /admin as X-CSRF-Token): Hagfors (300 letters planned, target 55 %) and Torsby (280, 50 %), four and two
 * codes, opened. Returns its id, the codes and letter numbers per municipality, and `post` for further API calls.
 */
async function setUpSurvey(page) {
  if (new URL(page.url()).pathname !== '/admin') await page.goto(`${baseUrl}/admin`);
  const csrf = await page.locator('input[name=csrf_token]').first().inputValue();
  assert.ok(csrf, 'a CSRF token on /admin');
  const post = async (path, data, expected) => {
    // A string is a CSV body (returned letters); anything else goes as JSON.
    const type = typeof data === 'string' ? { 'Content-Type': 'text/csv' } : {};
    const response = await page.request.post(`${baseUrl}${path}`, { data, headers: { 'X-CSRF-Token': csrf, ...type } });
    assert.equal(response.status(), expected, `POST ${path} answered ${response.status()}: ${await response.text()}`);
    return response.json();
  };
  const { id } = await post(
    '/api/v1/surveys',
    {
      title,
      opens_on: day(-1),
      closes_on: day(30),
      access: 'codes',
      sender: 'Polisen och Hagfors kommun',
      contact: { phone: '0563-185 00' },
      municipalities: [hagfors, torsby].map((m) => ({
        code: m.code,
        sample_size: m.sample,
        target_percent: m.target,
      })),
    },
    201,
  );
  const handOut = (municipality, count) =>
    post(`/api/v1/surveys/${id}/municipalities/${municipality.code}/invitations`, { count }, 201);
  const hagforsLetters = await handOut(hagfors, 4);
  const torsbyLetters = await handOut(torsby, 2);
  await post(`/api/v1/surveys/${id}/open`, {}, 200);
  return {
    id,
    post,
    codes: { hagfors: hagforsLetters.map((letter) => letter.code), torsby: torsbyLetters.map((letter) => letter.code) },
    letters: {
      hagfors: hagforsLetters.map((letter) => letter.letter_number),
      torsby: torsbyLetters.map((letter) => letter.letter_number),
    },
  };
}

/**
 * Staff key in a returned paper form for `municipality` (with its letter number when given), answering every
 * question. Returns Date.now() when the save was answered.
 */
async function keyInPaperForm(page, surveyId, municipality, letterNumber = '') {
  const paperPath = `/admin/surveys/${surveyId}/paper`;
  await page.goto(`${baseUrl}${paperPath}`);
  await page.locator('#municipality').selectOption(municipality.code);
  await page.locator('#letter_number').fill(letterNumber);
  await answerEverything(page);
  const [saved] = await Promise.all([
    page.waitForResponse(
      (response) => new URL(response.url()).pathname === paperPath && response.request().method() === 'POST',
    ),
    page.getByRole('button', { name: 'Spara blanketten' }).click(),
  ]);
  const answeredAt = Date.now();
  assert.equal(saved.status(), 200, `the paper form was saved: ${saved.status()}`);
  await page.waitForLoadState('load');
  assert.match((await page.getByRole('status').textContent())?.trim() ?? '', /^Blanketten är sparad\./);
  return answeredAt;
}

/** The names in the first column of the dashboard's main table, in order. */
function rowNames(page) {
  return page
    .locator('#live table')
    .first()
    .locator('tbody th[scope=row]')
    .evaluateAll((cells) => cells.map((cell) => cell.textContent.trim()));
}

/**
 * In the page: the municipality's row in the dashboard's main table as `{ heading: text }`, runs of white space made
 * one space; null when there is no such row.
 */
function readRow(name) {
  const clean = (text) => text.replace(/\s+/g, ' ').trim();
  const table = document.querySelector('#live table');
  const headings = [...table.querySelectorAll('thead th')].map((th) => clean(th.textContent));
  const tr = [...table.querySelectorAll('tbody tr')].find((tr) => clean(tr.querySelector('th').textContent) === name);
  if (!tr) return null;
  const cells = [...tr.querySelectorAll('th, td')].map((cell) => clean(cell.textContent));
  return Object.fromEntries(headings.map((heading, index) => [heading, cells[index]]));
}

/** The municipality's row in the dashboard's main table, by column heading, with `wanted` only. */
async function row(page, name, wanted = Object.values(columns)) {
  const cells = await page.evaluate(readRow, name);
  assert.ok(cells, `a row for ${name}`);
  for (const column of wanted) {
    assert.ok(column in cells, `a column "${column}": ${JSON.stringify(Object.keys(cells))}`);
  }
  return Object.fromEntries(wanted.map((column) => [column, cells[column]]));
}

/**
 * Waits, checking every 10 ms, until the municipality's `column` in the main table says `expected`; gives up after
 * three times the promised second, so that a slow update fails on its measured time rather than on this timeout.
 */
function waitForCell(page, name, column, expected) {
  return waitUntil(page, readRow, name, { until: (cells) => cells?.[column] === expected, timeout: liveWithin * 3 });
}
