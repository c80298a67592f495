// Publishing in a real browser: a coordinator closes a survey and publishes it from the survey page with one click,
// and a resident (no session) reads the public results at /resultat/{id} and a municipality's page, at 1280 and
// 320 px, checked against WCAG 2.1 A/AA with axe-core, without sideways scrolling, and downloads the workbook. The
// comments page, where coordinators mask free text, is checked with axe too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoSidewaysScroll,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
} from './helpers.mjs';
import { hagfors, keyIn, setUpSurvey, torsby } from './surveys.mjs';

const run = Date.now().toString(36);

describe('published results', { timeout: 180_000 }, () => {
  let browser;
  let staffPage;
  let survey;
  before(async () => {
    browser = await launchBrowser();
    staffPage = await newPage(browser);
    await signIn(staffPage);
    const csrf = await staffPage.locator('input[name=csrf_token]').first().inputValue();
    survey = await setUpSurvey(staffPage, csrf, `Trygghet publicerad ${run}`, { opens: -20, closes: 10 });
    const instrument = await (await staffPage.request.get(`${baseUrl}${survey.instrumentExport}`)).json();
    await keyIn(staffPage, csrf, survey.id, instrument, hagfors, 45, 0);
    await keyIn(staffPage, csrf, survey.id, instrument, torsby, 12, 0);
    const closed = await staffPage.request.post(`${baseUrl}/api/v1/surveys/${survey.id}/close`, {
      data: {},
      headers: { 'X-CSRF-Token': csrf },
    });
    assert.equal(closed.status(), 200);
  });
  after(async () => {
    await browser?.close();
  });

  test('published from the survey page with one click', async () => {
    const page = staffPage;
    await page.goto(`${baseUrl}/admin/surveys/${survey.id}`);
    await page.getByRole('button', { name: 'Publicera resultaten' }).click();
    await page.waitForURL(new RegExp(`/admin/surveys/${survey.id}$`));
    assert.equal(await page.getByRole('status').filter({ hasText: 'Resultaten är publicerade.' }).count(), 1);
    await page.reload();
    assert.equal(await page.getByText('Resultaten är publicerade.').count(), 0, 'the notice is shown once');
    const link = page.locator(`#publication-heading + p a[href="/resultat/${survey.id}"]`);
    assert.equal(await link.count(), 1, 'the survey page links the public results');
    await checkA11y(page, 'survey page, published');
    await page.goto(`${baseUrl}/admin/surveys/${survey.id}/comments`);
    assert.equal(await page.locator('h1').textContent(), `Kommentarer: Trygghet publicerad ${run}`);
    await checkA11y(page, 'comments page');
  });

  test('read by a resident at 1280 and 320 px: the survey, a municipality, the workbook', async () => {
    const page = await newPage(browser);
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 });
      const response = await page.goto(`${baseUrl}/resultat/${survey.id}`);
      assert.equal(response?.status(), 200);
      const rows = await page.locator('table tbody tr th').allTextContents();
      assert.deepEqual(rows.map((row) => row.trim()).sort(), ['Hagfors', 'Torsby']);
      assert.equal(await page.locator('figure.chart svg[role=img]').count(), 1, 'the chart of total indices');
      await checkA11y(page, `public survey page at ${width}px`);
      await assertNoSidewaysScroll(page, width, `public survey page at ${width}px`);
      await screenshot(page, `public-survey-${width}`);

      await page.getByRole('link', { name: 'Hagfors' }).click();
      await page.waitForURL(new RegExp(`/resultat/${survey.id}/${hagfors.code}$`));
      assert.match(await page.locator('h1').innerText(), /^Hagfors: /);
      assert.ok((await page.locator('table tbody tr').count()) > 10, 'areas, questions and shares');
      await checkA11y(page, `public municipality page at ${width}px`);
      await assertNoSidewaysScroll(page, width, `public municipality page at ${width}px`);
      await screenshot(page, `public-hagfors-${width}`);
    }
    // Torsby's twelve answers show no figure.
    await page.goto(`${baseUrl}/resultat/${survey.id}/${torsby.code}`);
    const cells = await page.locator('table tbody td.number').allTextContents();
    assert.ok(cells.some((cell) => cell.trim() === '–'), 'hidden figures read "–"');
    assert.ok(!cells.some((cell) => /^\d,\d\d$/.test(cell.trim())), `no index on twelve answers: ${cells}`);
    const download = await page.request.get(`${baseUrl}/resultat/${survey.id}/resultat.xlsx`);
    assert.equal(download.status(), 200);
    assert.equal(
      download.headers()['content-type'],
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    await page.context().close();
  });
});
