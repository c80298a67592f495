// A survey wave set up in a real browser, by keyboard alone, as the administrator that tests/api/browser.rs created
// (administrators may manage every municipality, so "Ny enkät" offers all 290 in a multiple-choice list): a draft for
// Hagfors and Torsby after a period that ends before it starts; a changed sample; codes for Hagfors downloaded as a
// zip; the survey opened; the reminder list downloaded; Hagfors' population keyed in, wrong and then right; and the
// survey listed as open. The pages meet WCAG 2.1 A/AA
// (the forms and the survey page at 1280 and 320 px) without sideways scrolling at 320 px.
//
// Staff in Sweden run a Swedish browser. Chromium on Linux takes its language, and so the layout of its date fields,
// from LANGUAGE/LANG: set here, for this file's Chromium only, to Swedish (ÅÅÅÅ-MM-DD). Where Chromium's Swedish
// language pack (Debian's chromium-l10n) is not installed it falls back to US English (MM/DD/ÅÅÅÅ), so the dates are
// typed in whatever order the field shows, read from the field itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  chosenMunicipalities,
  focused,
  launchBrowser,
  newPage,
  pickMunicipalities,
  screenshot,
  signIn,
  submitWith,
  tabTo,
} from './helpers.mjs';
import { municipalityRow as rowOf } from './surveys.mjs';

process.env.LANGUAGE = 'sv'; // before launchBrowser(): Chromium inherits the environment

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const title = `Trygghetsmätning Hagfors och Torsby ${run}`;
const opensOn = '2027-05-03';
const closesOn = '2027-06-20';
const hagfors = { code: '1783', name: 'Hagfors' };
const torsby = { code: '1737', name: 'Torsby' };

describe('a survey wave, set up by keyboard', { timeout: 150_000 }, () => {
  let browser;
  let page;
  let downloads;
  let surveyUrl;
  let letterNumbers;
  before(async () => {
    browser = await launchBrowser();
    page = await newPage(browser, { width: 1280 });
    downloads = await mkdtemp(path.join(tmpdir(), 'trygghet-survey-'));
    await signIn(page);
  });
  after(async () => {
    await browser?.close();
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  async function heading() {
    return (await page.locator('h1').textContent())?.trim();
  }

  /** WCAG at 1280 and 320 px, no sideways scrolling at 320, a screenshot at each; ends at 320 px. */
  async function widths(name, label) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await checkA11y(page, `${label} at 1280 px`);
    await screenshot(page, `${name}-1280`);
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, `${label} at 320 px`);
    await checkA11y(page, `${label} at 320 px`);
    await screenshot(page, `${name}-320`);
  }

  /**
   * The municipality's row in the survey page's table as `{ Kommun, Urval, Mål, Brev, … }`, by column heading, with
   * `columns` (the headings asked about) only.
   */
  const municipalityRow = (municipality, columns = ['Kommun', 'Urval', 'Mål', 'Brev']) =>
    rowOf(page, municipality, columns);

  async function state() {
    return (await page.locator('dt:text-is("Läge") + dd').textContent())?.trim();
  }

  test('"Ny enkät" from /admin: no WCAG violations at 1280 and 320 px, no sideways scrolling', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${baseUrl}/admin`);
    await tabTo(page, 'main a[href="/admin/surveys/new"]', { max: 20 });
    assert.match((await focused(page)).description, /^a "Ny enkät"/);
    const response = await submitWith(page, 'Enter');
    assert.equal(response?.status(), 200);
    assert.equal(page.url(), `${baseUrl}/admin/surveys/new`);
    assert.equal(await heading(), 'Ny enkät');
    const options = await page.locator('#municipalities input[type=checkbox]').count();
    assert.equal(options, 290, 'an administrator may choose any of the 290 municipalities');
    assert.equal(await page.locator('#municipalities details.county').count(), 21, 'in 21 counties');
    assert.equal(await page.locator('#municipalities details[open]').count(), 0, 'all folded while none is chosen');
    await widths('survey-new', 'the new-survey page');
  });

  test('keyboard only: a period ending before it starts is explained and nothing typed is lost; then the draft', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${baseUrl}/admin/surveys/new`);

    await tabTo(page, '#title', { max: 20 });
    await page.keyboard.type(title);
    await tabTo(page, '#opens_on', { max: 1 });
    await typeDate(page, '#opens_on', opensOn);
    await tabTo(page, '#closes_on', { max: 2 });
    // The last day before the first: 2027-05-02.
    await typeDate(page, '#closes_on', '2027-05-02');

    // Tab lands on the checked way of answering, "Med en personlig kod", which stays.
    await tabTo(page, 'input[name=access]', { max: 2 });
    assert.equal(await page.evaluate(() => document.activeElement.value), 'codes');
    assert.ok(await page.locator('input[name=access][value=codes]').isChecked());

    await tabTo(page, '#municipality-search', { max: 1 });
    await pickMunicipalities(page, [hagfors.name, torsby.name]);
    await screenshot(page, 'survey-new-keyboard-320', { fullPage: false });

    await tabTo(page, '#sample_size', { max: 3 });
    assert.equal(await page.locator('#sample_size').inputValue(), '300', 'the sample is 300 unless changed');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('300');
    await tabTo(page, '#target_percent', { max: 1 });
    await page.keyboard.type('55');
    // What results may show: the usual smallest base and cell unless changed.
    await tabTo(page, '#min_base', { max: 1 });
    assert.equal(await page.locator('#min_base').inputValue(), '30');
    await tabTo(page, '#min_cell', { max: 1 });
    assert.equal(await page.locator('#min_cell').inputValue(), '5');
    // Who asks and whom to ask: residents see both on every page.
    await tabTo(page, '#sender', { max: 1 });
    await page.keyboard.type('Polisen och Hagfors kommun');
    await tabTo(page, '#contact_phone', { max: 1 });
    await page.keyboard.type('0563-185 00');
    await tabTo(page, 'main button[type=submit]', { max: 2 });
    assert.match((await focused(page)).description, /"Skapa utkast"/);
    const refused = await submitWith(page, 'Space');
    assert.equal(refused?.status(), 422);

    // The summary has the focus and names the one problem; the field says it too, tied to it.
    const summary = page.locator('.error-summary');
    assert.ok(await summary.evaluate((element) => element === document.activeElement), 'focus is on the summary');
    const links = await summary.getByRole('link').evaluateAll((elements) =>
      elements.map((element) => [element.getAttribute('href'), element.textContent.trim()]),
    );
    assert.deepEqual(links, [['#closes_on', 'Slutdagen kan inte vara före startdagen.']]);
    assert.deepEqual(await assertErrorsTiedToFields(page), { closes_on: 'Slutdagen kan inte vara före startdagen.' });

    // Everything typed is still there.
    assert.equal(await page.locator('#title').inputValue(), title);
    assert.equal(await page.locator('#opens_on').inputValue(), opensOn);
    assert.equal(await page.locator('#closes_on').inputValue(), '2027-05-02');
    assert.ok(await page.locator('input[name=access][value=codes]').isChecked());
    assert.deepEqual(await chosenMunicipalities(page), [hagfors.code, torsby.code]);
    assert.equal(await page.locator('#municipalities details[open]').getAttribute('data-county'), 'Värmlands län',
      'the county with the chosen ones is open');
    assert.equal(await page.locator('#sample_size').inputValue(), '300');
    assert.equal(await page.locator('#target_percent').inputValue(), '55');
    assert.equal(await page.locator('#sender').inputValue(), 'Polisen och Hagfors kommun');
    assert.equal(await page.locator('#contact_phone').inputValue(), '0563-185 00');

    await assertNoSidewaysScroll(page, 320, 'the new-survey page with an error at 320 px');
    await checkA11y(page, 'the new-survey page with an error at 320 px');
    await screenshot(page, 'survey-new-error-320-in-view', { fullPage: false });
    const box = await summary.boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 640, `the error summary is in view (top at ${box?.y} px)`);
    await screenshot(page, 'survey-new-error-320');

    // The summary's link leads to the last day; the right date, then the button.
    await tabTo(page, '.error-summary a', { max: 1 });
    await page.keyboard.press('Enter');
    assert.match((await assertVisibleFocus(page, 'after the summary link')).description, /^input#closes_on/);
    await typeDate(page, '#closes_on', closesOn);
    await tabTo(page, 'main button[type=submit]', { max: 80 });
    const created = await submitWith(page, 'Enter');
    assert.equal(created?.status(), 200);
    assert.match(page.url(), /\/admin\/surveys\/[0-9a-f-]{36}$/);
    surveyUrl = page.url();

    assert.equal(await heading(), title);
    assert.equal(await state(), 'Utkast');
    assert.equal((await page.locator('dt:text-is("Svarsperiod") + dd').textContent())?.trim(), `${opensOn} – ${closesOn}`);
    assert.deepEqual(await municipalityRow(hagfors), { Kommun: 'Hagfors', Urval: '300', Mål: '55 %', Brev: '0' });
    assert.deepEqual(await municipalityRow(torsby), { Kommun: 'Torsby', Urval: '300', Mål: '55 %', Brev: '0' });
    await widths('survey-draft', 'the new draft');
  });

  test('"Ändra": Torsby\'s sample becomes 280', async () => {
    assert.ok(surveyUrl, 'the draft was created');
    await page.setViewportSize({ width: 320, height: 640 });
    if (page.url() !== surveyUrl) await page.goto(surveyUrl);
    await tabTo(page, 'main a[href$="/edit"]', { max: 20 });
    assert.match((await focused(page)).description, /^a "Ändra"/);
    await submitWith(page, 'Enter');
    assert.equal(page.url(), `${surveyUrl}/edit`);
    assert.equal(await heading(), 'Ändra enkät');
    assert.equal(await page.locator('#opens_on').inputValue(), opensOn);
    assert.equal(await page.locator('#sample_size_1737').inputValue(), '300');
    await widths('survey-edit', 'the edit page');

    await tabTo(page, '#sample_size_1737', { max: 20 });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('280');
    await tabTo(page, 'main button[type=submit]', { max: 14 });
    assert.match((await focused(page)).description, /"Spara"/);
    const saved = await submitWith(page, 'Enter');
    assert.equal(saved?.status(), 200);
    assert.equal(page.url(), surveyUrl);
    assert.deepEqual(await municipalityRow(torsby, ['Urval', 'Mål']), { Urval: '280', Mål: '55 %' });
    assert.deepEqual(await municipalityRow(hagfors, ['Urval', 'Mål']), { Urval: '300', Mål: '55 %' });
  });

  test('codes for Hagfors: a double click hands out five letters once, shown and downloaded as a zip', async () => {
    assert.ok(surveyUrl, 'the draft was created');
    await page.setViewportSize({ width: 320, height: 640 });
    if (page.url() !== surveyUrl) await page.goto(surveyUrl);
    await tabTo(page, '#count-1783', { max: 30 });
    assert.equal(await page.locator('#count-1783').inputValue(), '300', 'the whole sample is offered');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await tabTo(page, 'main button[type=submit]', { max: 1 });
    assert.match((await focused(page)).description, /"Skapa koder för Hagfors"/);
    await screenshot(page, 'survey-codes-keyboard-320', { fullPage: false });

    // A double click (the second press while the first is on its way) sends the form's one-time key twice: one batch.
    // The second click aborts the first navigation, so wait for the page the last one leads to, however it lands.
    await page.locator('#count-1783 ~ button[type=submit]').dblclick();
    for (let tries = 0; tries < 100 && !/\/codes$/.test(page.url()); tries += 1) await page.waitForTimeout(100);
    await page.waitForLoadState('load');
    // Whichever click's answer is shown (the batch, or the same batch again), it is letters 1–5.
    assert.match(await page.locator('main').innerText(), /Brevnummer 1783-000001–1783-000005/);
    await checkA11y(page, 'batch-320');
    await screenshot(page, 'survey-codes-batch-320', { fullPage: false });
    await tabTo(page, 'main form button[type=submit]', { max: 20 });
    assert.match((await focused(page)).description, /"Ladda ner breven \(zip\)"/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.match(download.suggestedFilename(), /^koder-1783.*\.zip$/);
    const file = path.join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    assert.ok((await stat(file)).size > 0);
    const zip = await readFile(file);
    assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a zip file');
    // The names of the files in a zip are stored as they are, in the local headers and the central directory.
    const names = new Set(zip.toString('latin1').match(/koder\.csv|qr\/\d{4}-\d{6}\.svg/g));
    letterNumbers = [...names].filter((name) => name.startsWith('qr/')).map((name) => name.slice(3, -4)).sort();
    assert.ok(names.has('koder.csv'), 'koder.csv is in the zip');
    assert.equal(letterNumbers.length, 5, `five QR codes: ${JSON.stringify([...names])}`);
    assert.ok(letterNumbers.every((number) => number.startsWith('1783-')), JSON.stringify(letterNumbers));
    if (hasUnzip()) {
      execFileSync('unzip', ['-tqq', file]);
      const csv = execFileSync('unzip', ['-p', file, 'koder.csv']).toString('utf8').replace(/^\uFEFF/, '');
      const lines = csv.trim().split(/\r?\n/);
      assert.match(lines[0], /^brevnummer;kod;/);
      assert.deepEqual(lines.slice(1).map((line) => line.split(';')[0]).sort(), letterNumbers);
    }

    // Downloaded again, the same five letters; back on the survey page Hagfors has five letters.
    const [again] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const againFile = path.join(downloads, `again-${again.suggestedFilename()}`);
    await again.saveAs(againFile);
    const againNames = new Set((await readFile(againFile)).toString('latin1').match(/qr\/\d{4}-\d{6}\.svg/g));
    assert.deepEqual([...againNames].map((name) => name.slice(3, -4)).sort(), letterNumbers, 'the same letters');
    await page.goto(surveyUrl);
    assert.deepEqual(await municipalityRow(hagfors, ['Urval', 'Brev', 'Väntar (får påminnelse)']), {
      Urval: '300',
      Brev: '5',
      'Väntar (får påminnelse)': '5',
    });
    assert.equal(await page.locator('#count-1783').inputValue(), '295');
  });

  test('"Öppna enkäten" by keyboard: the survey is open and can no longer be changed', async () => {
    assert.ok(surveyUrl, 'the draft was created');
    await page.setViewportSize({ width: 320, height: 640 });
    if (page.url() !== surveyUrl) await page.goto(surveyUrl);
    await tabTo(page, 'main form[action$="/open"] button', { max: 20 });
    assert.match((await focused(page)).description, /"Öppna enkäten"/);
    const opened = await submitWith(page, 'Enter');
    assert.equal(opened?.status(), 200);
    assert.equal((await page.getByRole('status').textContent())?.trim(), 'Enkäten är nu öppen.');
    assert.equal(await state(), 'Öppen');
    assert.equal(await page.getByRole('link', { name: 'Ändra', exact: true }).count(), 0, 'no "Ändra" link');
    const limits = page.getByRole('link', { name: 'Ändra gränserna', exact: true });
    assert.equal(await limits.count(), 1, 'what results show may still change');
    await assertNoSidewaysScroll(page, 320, 'the open survey at 320 px');
    await checkA11y(page, 'the open survey at 320 px');
    await screenshot(page, 'survey-open-320');
  });

  test('the reminder list for Hagfors: the five letters', async () => {
    assert.ok(letterNumbers, 'the codes were downloaded');
    await page.setViewportSize({ width: 320, height: 640 });
    if (page.url() !== surveyUrl) await page.goto(surveyUrl);
    await tabTo(page, 'main form[action$="/municipalities/1783/reminders.csv"] button', { max: 30 });
    assert.match((await focused(page)).description, /"Påminnelselista för Hagfors"/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const file = path.join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    const lines = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines[0], 'brevnummer');
    assert.deepEqual(lines.slice(1).sort(), letterNumbers);
  });

  test('the population of Hagfors by keyboard: a bad line is named beside the field and kept, then corrected', async () => {
    assert.ok(surveyUrl, 'the draft was created');
    await page.setViewportSize({ width: 320, height: 640 });
    if (page.url() !== surveyUrl) await page.goto(surveyUrl);
    await tabTo(page, '#population-text-1783', { max: 60 });
    await page.keyboard.type('gender;woman;5100\ngender;man;femtusen\ngender;other_or_no_answer;40');
    const button = 'main form[action*="/municipalities/1783/population"] button[type=submit]';
    await tabTo(page, button, { max: 1 });
    assert.match((await focused(page)).description, /"Spara befolkningen för Hagfors"/);
    const refused = await submitWith(page, 'Enter');
    assert.equal(refused?.status(), 422);
    const errors = await assertErrorsTiedToFields(page);
    assert.deepEqual(Object.keys(errors), ['population-text-1783']);
    assert.match(errors['population-text-1783'], /^Rad 2: ”femtusen” är inget heltal/);
    assert.match(await page.locator('#population-text-1783').inputValue(), /gender;man;femtusen/, 'what was typed is kept');
    assert.match((await focused(page)).description, /^textarea#population-text-1783/, 'the field to correct has the focus');
    await assertNoSidewaysScroll(page, 320, 'a refused population at 320 px');
    await checkA11y(page, 'a refused population at 320 px');
    await screenshot(page, 'survey-population-error-320');

    await page.keyboard.press('Control+A');
    await page.keyboard.type('gender;woman;5100\ngender;man;5000\ngender;other_or_no_answer;40');
    await tabTo(page, button, { max: 1 });
    const saved = await submitWith(page, 'Enter');
    assert.equal(saved?.status(), 200);
    assert.match((await page.getByRole('status').textContent()) ?? '', /Befolkningen för kommunen 1783 sparades/);
    const table = page.locator('table').filter({ has: page.locator('caption', { hasText: 'gender' }) });
    assert.equal((await table.locator('tfoot td').textContent())?.trim(), '10140');
    await checkA11y(page, 'the survey with a population at 320 px');
  });

  test('/admin lists the survey as open', async () => {
    assert.ok(surveyUrl, 'the draft was created');
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(surveyUrl);
    await tabTo(page, 'main a[href="/admin"]', { max: 10 });
    await submitWith(page, 'Enter');
    assert.equal(page.url(), `${baseUrl}/admin`);
    const row = page.locator('tbody tr').filter({ has: page.getByRole('link', { name: title, exact: true }) });
    assert.equal(await row.count(), 1, 'the survey is listed');
    const cells = (await row.locator('td').allTextContents()).map((text) => text.trim());
    assert.deepEqual(cells.slice(0, 3), [title, `${opensOn} – ${closesOn}`, 'Öppen']);
    assert.deepEqual(cells[3].split(', ').sort(), ['Hagfors', 'Torsby']);
    await assertNoSidewaysScroll(page, 320, '/admin with the survey at 320 px');
    await checkA11y(page, '/admin with the survey at 320 px');
    await screenshot(page, 'survey-listed-320');
  });

  test('"Stäng enkäten" asks first, by keyboard; a survey closed by mistake opens again', async () => {
    assert.ok(surveyUrl, 'the draft was created');
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(surveyUrl);
    await tabTo(page, 'main a[href$="/close"]', { max: 20 });
    assert.match((await focused(page)).description, /Stäng enkäten/);
    await Promise.all([page.waitForURL(/\/close$/), page.keyboard.press('Enter')]);
    assert.match(await page.locator('main').innerText(), /När enkäten stängs kan ingen svara längre/);
    await assertNoSidewaysScroll(page, 320, 'the close page at 320 px');
    await checkA11y(page, 'the close page at 320 px');
    await screenshot(page, 'survey-close-320');
    // "Nej, tillbaka" leaves it open.
    await tabTo(page, 'main a.secondary', { max: 10 });
    await submitWith(page, 'Enter');
    assert.equal(page.url(), surveyUrl);
    assert.equal(await state(), 'Öppen');

    await page.goto(`${surveyUrl}/close`);
    await tabTo(page, 'main form button.danger', { max: 10 });
    assert.match((await focused(page)).description, /"Ja, stäng enkäten"/);
    await submitWith(page, 'Enter');
    assert.equal(await state(), 'Stängd');
    await tabTo(page, 'main form[action$="/reopen"] button', { max: 20 });
    await submitWith(page, 'Enter');
    assert.equal(await state(), 'Öppen');
    await checkA11y(page, 'the reopened survey at 320 px');
  });
});

/**
 * Types an ISO date (`2027-05-03`) over what the day field that has the focus holds, in the order its hint names
 * (ÅÅÅÅ-MM-DD). The field is a text field, so it shows the day in that order whatever the browser's language; a
 * browser's own date field would show `05/03/2027` in a US English one, against the hint.
 */
async function typeDate(page, selector, iso) {
  const hint = await page.locator(`${selector}-hint`).textContent();
  assert.match(hint, /ÅÅÅÅ-MM-DD/, `the hint of ${selector} names the format`);
  assert.equal(await page.locator(selector).getAttribute('type'), 'text');
  assert.equal(await page.locator(selector).getAttribute('inputmode'), 'numeric', 'digits on a phone');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(iso);
  assert.equal(await page.locator(selector).inputValue(), iso);
}

function hasUnzip() {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
