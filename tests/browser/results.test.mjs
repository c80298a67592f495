// The staff results page (/admin/surveys/{id}/results) in a real browser, as the administrator that tests/api/browser.rs
// created. Two waves of a survey of Hagfors and Torsby are set up through the JSON API with the browser's own session
// (cookie plus X-CSRF-Token), and answered on paper forms keyed in through the staff's form (60 and 40 this wave, 60
// and 35 the one before), so that some groups are large enough to show and others are not.
//
// - Broken down by gender (`by=gender`) beside the earlier wave (`compare=`): groups by the questionnaire's words
//   ("Kvinna"), never by code; a group too small to show is "–" in its table and "dold" in its chart, never drawn;
//   the earlier wave as a diamond in the charts and as columns in the tables. WCAG 2.1 A/AA (axe-core) at 1280 and
//   320 px, and no sideways scrolling of the page at 320 px. Screenshots at both widths.
// - Without JavaScript the form chooses what is shown; printed, the page is a report without the form.
// - Live: with the page open, a resident answers on the web and the number of respondents moves without a reload,
//   announced politely; keyboard focus and an opened table stay as they were.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  answerOnTheWeb,
  assertNoSidewaysScroll,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  screenshotDir,
  screenshotsTaken,
  signIn,
  tabTo,
  waitUntil,
} from './helpers.mjs';
import { hagfors, keyIn, setUpSurvey, torsby } from './surveys.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);


describe('the results page', { timeout: 180_000 }, () => {
  let browser;
  let staffPage;
  let current;
  let earlier;
  before(async () => {
    browser = await launchBrowser();
    staffPage = await newPage(browser);
    await signIn(staffPage);
    const csrf = await staffPage.locator('input[name=csrf_token]').first().inputValue();
    earlier = await setUpSurvey(staffPage, csrf, `Trygghet förra året ${run}`, { opens: -400, closes: -340 });
    current = await setUpSurvey(staffPage, csrf, `Trygghet i år ${run}`, { opens: -1, closes: 30, codes: 2 });
    const instrument = await (await staffPage.request.get(`${baseUrl}${current.instrumentExport}`)).json();
    await keyIn(staffPage, csrf, earlier.id, instrument, hagfors, 60, 1);
    await keyIn(staffPage, csrf, earlier.id, instrument, torsby, 35, 1);
    await keyIn(staffPage, csrf, current.id, instrument, hagfors, 60, 0);
    await keyIn(staffPage, csrf, current.id, instrument, torsby, 40, 0);
  });
  after(async () => {
    await browser?.close();
  });

  const resultsPath = (query = '') => `/admin/surveys/${current.id}/results${query}`;

  async function open(page, query = '') {
    const response = await page.goto(`${baseUrl}${resultsPath(query)}`);
    assert.equal(response?.status(), 200, `GET ${resultsPath(query)} answered ${response?.status()}`);
  }

  test('broken down by gender beside the earlier wave: labelled groups, nothing hidden drawn, WCAG at 1280 and 320 px', async () => {
    const page = staffPage;
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, `?by=gender&compare=${earlier.id}&weights=none`);
    assert.equal(
      (await page.locator('#by-heading').textContent())?.trim(),
      'Index per svar på ”Vilket kön har du?”',
    );
    assert.match(await page.locator('.showing').innerText(), /uppdelat efter svaren på ”Vilket kön har du\?”, jämfört med Trygghet förra året/);
    // The form shows what was chosen.
    assert.equal(await page.locator('#by').inputValue(), 'gender');
    assert.equal(await page.locator('#compare').inputValue(), earlier.id);
    assert.ok(await page.locator('input[name=weights][value=none]').isChecked());

    // The total area's table: Hagfors' groups by their words, with the municipality for a screen reader.
    const table = page.locator('table').filter({ has: page.locator('caption', { hasText: /^Totalt: index per svar/ }) });
    const groups = await table.locator('tbody').evaluateAll((bodies) =>
      bodies.map((body) => ({
        municipality: body.querySelector('th[scope=rowgroup]').textContent.trim(),
        rows: [...body.querySelectorAll('tr:not(.group-heading)')].map((tr) =>
          [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent.replace(/\s+/g, ' ').trim()),
        ),
      })),
    );
    assert.deepEqual(
      groups.map((group) => group.municipality),
      ['Torsby', 'Hagfors', 'Totalt'],
      JSON.stringify(groups),
    );
    const hagforsRows = groups[1].rows;
    assert.deepEqual(
      hagforsRows.map((row) => row[0]),
      ['Hagfors, Kvinna', 'Hagfors, Man', 'Hagfors, Annat eller vill inte svara'],
    );
    // 33 women in Hagfors: an index with its interval; 20 men and 7 others: hidden, "–" and no interval.
    assert.match(hagforsRows[0][1], /^\d,\d\d$/, JSON.stringify(hagforsRows));
    assert.match(hagforsRows[0][2], /^\d,\d\d–\d,\d\d$/);
    for (const row of hagforsRows.slice(1)) {
      assert.deepEqual(row.slice(1, 3), ['–', '–'], `a hidden group shows no figure: ${JSON.stringify(row)}`);
    }
    // Beside the earlier wave: its figure and the change.
    const headings = await table.locator('thead th').allTextContents();
    assert.deepEqual(headings.slice(-2), ['Förra mätningen', 'Förändring']);

    // No code of the questionnaire anywhere in the results.
    const text = await page.locator('#live').innerText();
    for (const code of ['woman', 'other_or_no_answer', 'dont_know', '16_24']) {
      assert.ok(!text.includes(code), `the code ${code} shows`);
    }
    // The chart of the same: a hidden group is said and not drawn, and the earlier wave is a diamond.
    const chart = page.locator('svg[aria-labelledby="by-total-title"]');
    const desc = await chart.locator('desc').textContent();
    assert.match(desc, /Hagfors, Kvinna: \d,\d\d \(95 % intervall [^)]+\), förra mätningen/);
    assert.match(desc, /Hagfors, Man: dold, för få svar\./);
    const drawn = await chart.locator('rect.bar').count();
    const shown = hagforsRows.concat(groups[0].rows, groups[2].rows).filter((row) => row[1] !== '–').length;
    assert.equal(drawn, shown, 'a bar for every group shown, and none for a hidden one');
    assert.ok((await chart.locator('path.earlier').count()) > 0, 'the earlier wave as a diamond');
    assert.match(
      await page.locator('svg[aria-labelledby="chart-total-title"] desc').textContent(),
      /Hagfors: \d,\d\d \(95 % intervall [^)]+\), förra mätningen \d,\d\d, förändring [+−]?\d,\d\d\*?\./,
    );

    // Each question's answers as a stacked bar with its legend; the table of counts beside it.
    const distribution = page.locator('svg[aria-labelledby="dist-littering-title"]');
    assert.match(await distribution.locator('desc').textContent(), /Hagfors: Inget problem \d+,\d\u00a0%/);
    assert.equal(await distribution.locator('rect.swatch').count(), 5, 'four steps and "Vet inte"');

    await checkA11y(page, 'the results by gender beside the earlier wave at 1280 px');
    await assertNoSidewaysScroll(page, 1280, 'the results at 1280 px');
    await screenshot(page, 'results-by-compare-1280');
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, 'the results at 320 px');
    await checkA11y(page, 'the results by gender beside the earlier wave at 320 px');
    await screenshot(page, 'results-by-compare-320');
  });

  test('without JavaScript the form chooses what is shown; printed, the page is a report', async () => {
    const storageState = await staffPage.context().storageState();
    const page = await newPage(browser, { width: 1280, height: 800, javaScriptEnabled: false, storageState });
    try {
      await open(page);
      await page.locator('#by').selectOption('age_band');
      await page.locator('input[name=weights][value=none]').check();
      await Promise.all([page.waitForURL(/by=age_band/), page.getByRole('button', { name: 'Visa resultat' }).click()]);
      const query = new URL(page.url()).searchParams;
      assert.equal(query.get('by'), 'age_band');
      assert.equal(query.get('weights'), 'none');
      assert.match(await page.locator('#by-heading').innerText(), /Hur gammal är du\?/);
      const groups = await page
        .locator('table')
        .filter({ has: page.locator('caption', { hasText: /^Totalt: index per svar/ }) })
        .locator('tbody th[scope=row]')
        .allTextContents();
      assert.ok(groups.some((name) => name.endsWith('16–24 år')), JSON.stringify(groups));

      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('form.results-choices').isVisible(), false, 'no form on paper');
      assert.ok(await page.locator('.showing').isVisible(), 'what is shown is said on paper');
      const table = page.locator('#dist-littering-caption');
      assert.ok(await table.isVisible(), 'the tables under the charts are printed, open');
      assert.equal(await page.locator('#dist-littering-details > summary').isVisible(), false, 'no button to open them');
      assert.equal(await page.getByRole('link', { name: 'Tillbaka till enkäten' }).isVisible(), false);
      if (screenshotsTaken) {
        await mkdir(screenshotDir, { recursive: true });
        await page.pdf({ path: path.join(screenshotDir, 'results-print.pdf') });
      }
    } finally {
      await page.context().close();
    }
  });

  test('live: a response moves the number of respondents without a reload, announced; focus and an open table stay', async (t) => {
    const storageState = await staffPage.context().storageState();
    const page = await newPage(browser, { width: 1280, height: 800, storageState });
    const resident = await newPage(browser);
    try {
      await open(page);
      await page.evaluate(() => {
        window.notReloaded = true;
      });
      const status = page.locator('#live-status');
      await status.filter({ hasText: 'Uppdateras när nya svar kommer in' }).waitFor({ timeout: 10_000 });
      const respondents = () =>
        page.evaluate(() => {
          const row = [...document.querySelectorAll('#respondents tbody tr')].find(
            (tr) => tr.querySelector('th').textContent.trim() === 'Hagfors',
          );
          return row?.querySelector('td').textContent.trim();
        });
      const before = await respondents();
      assert.equal(before, '60');
      // A reader opened a table, then went with the keyboard from the start of the page's content (where the skip
      // link leads) to the respondents' table.
      await page.locator('#dist-littering-details > summary').click();
      await page.locator('main').focus();
      await tabTo(page, '.table-wrap[aria-labelledby=respondents-caption]', { max: 30 });

      await answerOnTheWeb(resident, current.codes[0], { submit: false });
      await Promise.all([
        resident.waitForURL(`${baseUrl}/tack`),
        resident.getByRole('button', { name: 'Skicka in' }).click(),
      ]);
      const submittedAt = Date.now();
      await waitUntil(
        page,
        () =>
          [...document.querySelectorAll('#respondents tbody tr')]
            .find((tr) => tr.querySelector('th').textContent.trim() === 'Hagfors')
            ?.querySelector('td').textContent.trim() === '61',
        undefined,
        { timeout: 20_000 },
      );
      t.diagnostic(`the results moved ${Date.now() - submittedAt} ms after the response was submitted`);
      assert.ok(await page.evaluate(() => window.notReloaded === true), 'the page was not reloaded');
      const announced = page.locator('#live-status .live-time');
      assert.equal(await announced.getAttribute('aria-live'), 'polite');
      assert.match(await announced.innerText(), /^Siffrorna uppdaterades \d\d:\d\d:\d\d med nya svar\.$/);
      assert.match(await status.locator('[role=status]').innerText(), /^Uppdateras när nya svar kommer in\.$/);
      assert.ok(await page.locator('#dist-littering-details').evaluate((details) => details.open), 'still open');
      assert.ok(
        await page
          .locator('.table-wrap[aria-labelledby=respondents-caption]')
          .evaluate((wrap) => wrap === document.activeElement),
        'focus stayed on the table',
      );
      await checkA11y(page, 'the results after a live update');
      await screenshot(page, 'results-live-1280', { fullPage: false });
    } finally {
      await resident.context().close();
      await page.context().close();
    }
  });
});
