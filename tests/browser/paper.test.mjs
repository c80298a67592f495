// A returned paper questionnaire keyed in by staff, in a real browser, as the administrator that tests/api/browser.rs
// created. The survey is set up through the JSON API with the browser's own session (cookie plus X-CSRF-Token): a
// survey for Hagfors, three codes handed out, opened. Then "Mata in en pappersenkät": the page meets WCAG 2.1 A/AA at
// 1280 and 320 px without sideways scrolling, every question has its label or legend; a form keyed in by keyboard
// alone with a mistake in a number is explained next to the question with everything typed kept, then saved; a second
// form naming the same letter is refused next to the letter number, as is a municipality the form may not name; and
// the survey page counts the paper answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  focused,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  submitWith,
  summaryFocused,
  tabTo,
} from './helpers.mjs';
import { municipalityRow } from './surveys.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const title = `Pappersenkäter Hagfors ${run}`;
const hagfors = { code: '1783', name: 'Hagfors' };
const letter = `${hagfors.code}-000001`;
/** The default questionnaire (instruments/trygghetsmatning-2026.1.json) has 39 questions. */
const questionCount = 39;

describe('a paper questionnaire keyed in by staff', { timeout: 150_000 }, () => {
  let browser;
  let page;
  let surveyId;
  before(async () => {
    browser = await launchBrowser();
    page = await newPage(browser, { width: 1280 });
    await signIn(page);
    surveyId = await openSurvey(page);
  });
  after(async () => {
    await browser?.close();
  });

  const surveyPath = () => `/admin/surveys/${surveyId}`;
  const paperPath = () => `/admin/surveys/${surveyId}/paper`;

  async function open(path, heading) {
    const response = await page.goto(`${baseUrl}${path}`);
    assert.equal(response?.status(), 200, `GET ${path} answered ${response?.status()}`);
    assert.equal((await page.locator('h1').textContent())?.trim(), heading);
  }

  /** The error summary's links as [href, text]. */
  function summaryLinks() {
    return page
      .locator('.error-summary a')
      .evaluateAll((links) => links.map((link) => [link.getAttribute('href'), link.textContent.trim()]));
  }

  /** Whether the error message of `fieldId` sits in the same question box as the field, just above it. */
  function messageNextToField(fieldId) {
    return page.evaluate((fieldId) => {
      const field = document.getElementById(fieldId);
      const message = document.getElementById(`${fieldId}-error`);
      if (!field || !message) return { ok: false, why: `field ${!!field}, message ${!!message}` };
      const box = field.closest('.field');
      const gap = field.getBoundingClientRect().top - message.getBoundingClientRect().bottom;
      return { ok: box !== null && box.contains(message) && gap >= 0 && gap < 40, why: `gap ${gap} px` };
    }, fieldId);
  }

  test('the survey page links to the paper form: WCAG at 1280 and 320 px, every question labelled', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(surveyPath(), title);
    const link = page.getByRole('link', { name: 'Mata in en pappersenkät', exact: true });
    assert.equal(await link.count(), 1, 'the survey page has "Mata in en pappersenkät"');
    assert.equal(await link.getAttribute('href'), paperPath());
    await link.click();
    await page.waitForURL(`${baseUrl}${paperPath()}`);
    assert.equal((await page.locator('h1').textContent())?.trim(), 'Mata in en pappersenkät');

    // Every question: radio buttons and check boxes in a fieldset with a legend, or in a grid's row, each button named
    // by the row's question and its column's option; the rest a labelled input/textarea.
    const questions = await page.evaluate(() => {
      const names = [...new Set([...document.querySelectorAll('[name^="q."]')].map((control) => control.name))];
      const text = (id) => document.getElementById(id)?.textContent.trim() ?? '';
      return names.map((name) => {
        const controls = [...document.getElementsByName(name)];
        const first = controls[0];
        const row = first.closest('table.grid tr');
        if (row) {
          const question = row.querySelector('th[scope=row]');
          const legend = question?.textContent.trim() ?? '';
          const named = controls.every((control) => {
            const [questionId, optionId] = (control.getAttribute('aria-labelledby') ?? '').split(' ');
            return control.closest('tr') === row && questionId === question?.id && text(optionId) !== '';
          });
          return { name, kind: first.type, ok: Boolean(legend && named), legend, grid: true };
        }
        if (first.type === 'radio' || first.type === 'checkbox') {
          const fieldset = first.closest('fieldset');
          const legend = fieldset?.querySelector(':scope > legend')?.textContent.trim() ?? '';
          const inside = controls.every((control) => control.closest('fieldset') === fieldset);
          const optionsLabelled = controls.every((control) => control.labels?.[0]?.textContent.trim());
          return { name, kind: first.type, ok: Boolean(fieldset && legend && inside && optionsLabelled), legend };
        }
        const label = first.labels?.[0]?.textContent.trim() ?? '';
        return { name, kind: first.tagName.toLowerCase(), ok: controls.length === 1 && Boolean(label), label };
      });
    });
    assert.equal(questions.length, questionCount, `${questionCount} questions on the form`);
    assert.deepEqual(questions.filter((question) => !question.ok), [], 'every question has its legend or label');
    assert.ok(questions.some((question) => question.kind === 'radio'));
    // Runs of questions with the same options are grids, as on paper: the form is a few screens long, not dozens.
    assert.ok(questions.filter((question) => question.grid).length >= 20, 'the scale questions are in grids');
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height < 7000, `the paper form is ${height} px long at 1280 px`);
    assert.equal(await page.locator('input[inputmode=numeric][name^="q."]').count(), 1, 'one number question');
    assert.equal(await page.locator('textarea[name^="q."]').count(), 1, 'one free-text question');

    await checkA11y(page, 'the paper form at 1280 px');
    await screenshot(page, 'paper-1280');
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, 'the paper form at 320 px');
    await checkA11y(page, 'the paper form at 320 px');
    await screenshot(page, 'paper-320');
  });

  test('keyboard only: "abc" for a number is explained next to it, nothing typed is lost; then saved', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(paperPath(), 'Mata in en pappersenkät');
    const firstSubmission = await page.locator('input[name=submission_id]').inputValue();

    // The letter number (it names the municipality, so the list after it is passed by), then the first scale
    // question: Tab lands on its first option, the arrows choose.
    await tabTo(page, '#letter_number', { max: 20 });
    await page.keyboard.type(letter);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'municipality');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => {
      const element = document.activeElement;
      return { type: element?.type, name: element?.name, question: element?.closest('fieldset')?.id };
    });
    assert.equal(first.type, 'radio', `Tab from the letter number: the first question, ${JSON.stringify(first)}`);
    await assertVisibleFocus(page, 'the first question');
    const scaleField = first.name;
    const checked = () => page.locator(`input[name="${scaleField}"]:checked`).getAttribute('value');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const chosen = await checked();
    assert.ok(chosen, 'the arrow keys choose an answer');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    assert.equal(await checked(), chosen);
    await assertVisibleFocus(page, 'the chosen answer');

    // On through every other question (one Tab stop per group of radio buttons) to the number question.
    const stops = await tabTo(page, 'input[inputmode=numeric][name^="q."]', { max: 60 });
    const numberId = await page.evaluate(() => document.activeElement.id);
    // One Tab stop per question, except that each check box is a stop of its own.
    const extraStops = await page.evaluate(() => {
      const boxes = [...document.querySelectorAll('input[type=checkbox][name^="q."]')];
      return boxes.length - new Set(boxes.map((box) => box.name)).size;
    });
    assert.ok(stops.length <= questionCount + extraStops, `one Tab stop per question (${stops.length})`);
    await page.keyboard.type('abc');
    await tabTo(page, 'main form button[type=submit]', { max: 10 });
    assert.match((await focused(page)).description, /^button\[type=submit\] "Spara blanketten"/);
    const refused = await submitWith(page, 'Space');
    assert.equal(refused?.status(), 422);

    // The summary is focused and links to the question; the message sits next to the field and is tied to it.
    assert.ok(await summaryFocused(page), 'focus is on the summary');
    const links = await summaryLinks();
    assert.equal(links.length, 1, `one error, got ${JSON.stringify(links)}`);
    assert.equal(links[0][0], `#${numberId}`);
    const fieldErrors = await assertErrorsTiedToFields(page);
    assert.deepEqual(Object.keys(fieldErrors), [numberId], 'only the number question is marked');
    // The summary names the question: in a form of 39, "Skriv bara siffror" alone does not say which one.
    const label = page.locator(`label[for="${numberId}"]`);
    const question = await label.evaluate((label) => label.firstChild.textContent.trim());
    assert.match(question, /år har du bott/);
    assert.equal(links[0][1], `${question} – ${fieldErrors[numberId]}`, 'the summary names the question and problem');
    const placed = await messageNextToField(numberId);
    assert.ok(placed.ok, `the message is next to the number question (${placed.why})`);
    // Everything typed is kept, the wrong number too (so it can be corrected, not typed again).
    assert.equal(await checked(), chosen, 'the chosen answer is kept');
    assert.equal(await page.locator('#letter_number').inputValue(), letter, 'the letter number is kept');
    assert.equal(await page.locator(`#${numberId}`).inputValue(), 'abc');
    assert.equal(await page.locator('input[name=submission_id]').inputValue(), firstSubmission, 'the same form');
    await checkA11y(page, 'the paper form with an error at 1280 px');
    await screenshot(page, 'paper-error-1280-in-view', { fullPage: false });
    // At a phone's width too, with the question in view; then back to the laptop, focus still on the summary.
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, 'the paper form with an error at 320 px');
    await page.locator(`#${numberId}`).evaluate((field) => field.closest('.field').scrollIntoView());
    await screenshot(page, 'paper-error-question-320', { fullPage: false });
    await page.setViewportSize({ width: 1280, height: 800 });

    // The summary's link leads to the field; type over the mistake and save with Enter on the button.
    await tabTo(page, '.error-summary a', { max: 1 });
    await page.keyboard.press('Enter');
    const landed = await assertVisibleFocus(page, 'after the summary link');
    assert.match(landed.description, new RegExp(`^input#${numberId}`));
    await screenshot(page, 'paper-error-question-1280', { fullPage: false });
    // Landing on the field shows what it is about: its question and its message are in view above it.
    for (const selector of [`label[for="${numberId}"]`, `#${numberId}-error`, `#${numberId}`]) {
      assert.ok(await inViewport(page, selector), `${selector} is in view after following the summary link`);
    }
    await page.keyboard.press('Control+A');
    await page.keyboard.type('12');
    await tabTo(page, 'main form button[type=submit]', { max: 10 });
    const saved = await submitWith(page, 'Enter');
    assert.equal(saved?.status(), 200);

    const notice = page.getByRole('status');
    assert.match((await notice.textContent())?.trim() ?? '', /^Blanketten är sparad\./);
    assert.equal(await page.locator('.error-summary').count(), 0);
    const blank = await page.evaluate(() => ({
      checked: document.querySelectorAll('main input:checked').length,
      typed: [...document.querySelectorAll('#letter_number, [name^="q."]:is(input[type=text], textarea)')]
        .map((field) => field.value)
        .filter(Boolean),
    }));
    assert.deepEqual(blank, { checked: 0, typed: [] }, 'a blank form for the next one');
    assert.notEqual(await page.locator('input[name=submission_id]').inputValue(), firstSubmission, 'a new form');
    assert.equal(await page.locator('#municipality').inputValue(), hagfors.code);
    await checkA11y(page, 'the paper form after saving at 1280 px');
    await screenshot(page, 'paper-saved-1280', { fullPage: false });

    // The notice and the blank form fit a phone's width too.
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, 'the paper form after saving at 320 px');
  });

  test('Enter moves to the next field and never sends a half-done form; Enter on the button does', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(paperPath(), 'Mata in en pappersenkät');
    assert.ok(await page.getByText('Enter flyttar till nästa fråga.').isVisible(), 'the page says what Enter does');
    await page.locator('#letter_number').focus();
    await page.keyboard.type('1783-');
    await page.keyboard.press('Enter');
    assert.match((await assertVisibleFocus(page, 'after Enter in the letter number')).description, /^select#municipality/);
    await page.keyboard.press('Enter');
    const first = await assertVisibleFocus(page, 'after Enter on the municipality');
    assert.match(first.description, /^input\[type=radio\]/, 'the first question');
    const question = () => page.evaluate(() => document.activeElement?.name);
    const firstQuestion = await question();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await assertVisibleFocus(page, 'after Enter on an answer');
    const secondQuestion = await question();
    assert.ok(secondQuestion?.startsWith('q.') && secondQuestion !== firstQuestion, `${firstQuestion} → ${secondQuestion}`);
    assert.equal(page.url(), `${baseUrl}${paperPath()}`, 'nothing was sent');
    assert.equal(await page.locator('.error-summary').count(), 0);
    assert.equal(await page.locator('#letter_number').inputValue(), '1783-', 'what was typed stays');
  });

  test('a second form naming the same letter is refused next to the letter number', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await open(paperPath(), 'Mata in en pappersenkät');
    await tabTo(page, '#letter_number', { max: 20 });
    await page.keyboard.type(letter);
    await page.keyboard.press('Tab'); // the municipality list, which a letter number makes moot
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown'); // the first question: "Litet problem"
    await page.locator('main form button[type=submit]').focus(); // the keyboard's way there is tested above
    const refused = await submitWith(page, 'Enter');
    assert.equal(refused?.status(), 409);

    assert.deepEqual((await summaryLinks()).map(([href]) => href), ['#letter_number']);
    const fieldErrors = await assertErrorsTiedToFields(page);
    assert.deepEqual(Object.keys(fieldErrors), ['letter_number']);
    assert.match(fieldErrors.letter_number, new RegExp(`${letter}.*redan besvarat`));
    const placed = await messageNextToField('letter_number');
    assert.ok(placed.ok, `the message is next to the letter number (${placed.why})`);
    assert.equal(await page.locator('#letter_number').inputValue(), letter);
    assert.equal(await page.locator('input[name^="q."]:checked').count(), 1, 'the answer is kept');
    await assertNoSidewaysScroll(page, 320, 'the refused letter at 320 px');
    await checkA11y(page, 'the refused letter at 320 px');
    await screenshot(page, 'paper-letter-used-320', { fullPage: false });
  });

  test('a municipality the form may not name is explained next to the municipality', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await open(paperPath(), 'Mata in en pappersenkät');
    // Torsby (not in the survey) as if the account's municipalities had changed since the form was loaded.
    await page.locator('#municipality').evaluate((select) => {
      select.options[select.selectedIndex].value = '1737';
    });
    await page.locator('main form button[type=submit]').focus();
    const refused = await submitWith(page, 'Enter');
    assert.equal(refused?.status(), 422);
    assert.deepEqual((await summaryLinks()).map(([href]) => href), ['#municipality']);
    assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['municipality']);
    const placed = await messageNextToField('municipality');
    assert.ok(placed.ok, `the message is next to the municipality (${placed.why})`);
  });

  test('the survey page counts the paper answer for Hagfors', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(surveyPath(), title);
    assert.deepEqual(await municipalityRow(page, hagfors, ['Svar på webben', 'Svar på papper', 'Besvarade brev']), {
      'Svar på webben': '0',
      'Svar på papper': '1',
      'Besvarade brev': '1',
    });
  });
});

/**
 * Creates the survey through the JSON API with the page's session (the cookie, and the CSRF token from the hidden
 * input on /admin as X-CSRF-Token): Hagfors with a sample of 300, three codes, opened. Returns its id.
 */
async function openSurvey(page) {
  if (new URL(page.url()).pathname !== '/admin') await page.goto(`${baseUrl}/admin`);
  const csrf = await page.locator('input[name=csrf_token]').first().inputValue();
  assert.ok(csrf, 'a CSRF token on /admin');
  const post = async (path, data, expected) => {
    const response = await page.request.post(`${baseUrl}${path}`, { data, headers: { 'X-CSRF-Token': csrf } });
    assert.equal(response.status(), expected, `POST ${path} answered ${response.status()}: ${await response.text()}`);
    return response.json();
  };
  const survey = await post(
    '/api/v1/surveys',
    {
      title,
      opens_on: '2026-05-02',
      closes_on: '2026-06-19',
      access: 'codes',
      sender: 'Polisen och Hagfors kommun',
      contact: { phone: '0563-185 00' },
      municipalities: [{ code: hagfors.code, sample_size: 300 }],
    },
    201,
  );
  const id = survey.id;
  await post(`/api/v1/surveys/${id}/municipalities/${hagfors.code}/invitations`, { count: 3 }, 201);
  await post(`/api/v1/surveys/${id}/open`, {}, 200);
  return id;
}

/** Whether the element lies wholly inside the viewport as the page is scrolled now. */
function inViewport(page, selector) {
  return page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });
}
