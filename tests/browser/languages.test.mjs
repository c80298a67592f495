// The questionnaire in the languages residents read, in a real browser. A coordinator turns Arabic and Somali on
// for a survey on its page (both are draft translations, so the page asks for a confirmation first). Then residents
// walk the whole questionnaire in Arabic (right to left) and in Somali, by keyboard alone, once with JavaScript at
// 1280 px and once without it at 320 px: the language chosen on the start page by its own name, the code typed, every
// part answered and the answers sent. Every page is checked with axe-core (WCAG 2.1 A/AA) and, at 320 px, for
// sideways scrolling; in Arabic the page is right to left with the progress bar filling from the right and the code
// kept left to right.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
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
} from './helpers.mjs';
import { setUpSurvey } from './surveys.mjs';

const run = Date.now().toString(36);
/** The default questionnaire, whose texts the pages must show in the language chosen. */
const instrument = JSON.parse(readFileSync(new URL('../../instruments/trygghetsmatning-2026.1.json', import.meta.url)));
/** The walks: a language, with or without JavaScript, at a width. Each answers with a code of its own. */
const walks = [
  { lang: 'ar', dir: 'rtl', script: true, width: 1280 },
  { lang: 'ar', dir: 'rtl', script: false, width: 320 },
  { lang: 'so', dir: 'ltr', script: true, width: 1280 },
  { lang: 'so', dir: 'ltr', script: false, width: 320 },
];

describe('the questionnaire in Arabic and Somali', { timeout: 220_000 }, () => {
  let browser;
  let staffPage;
  let survey;
  before(async () => {
    browser = await launchBrowser();
    staffPage = await newPage(browser);
    await signIn(staffPage);
    const csrf = await staffPage.locator('input[name=csrf_token]').first().inputValue();
    survey = await setUpSurvey(staffPage, csrf, `Språk ${run}`, { opens: -1, closes: 30, codes: walks.length });
  });
  after(async () => {
    await browser?.close();
  });

  test('the coordinator turns on draft translations only after confirming', async () => {
    const page = staffPage;
    await page.goto(`${baseUrl}/admin/surveys/${survey.id}`);
    const form = page.locator(`form[action="/admin/surveys/${survey.id}/languages"]`);
    const box = (lang) => form.locator(`input[name=lang][value=${lang}]`);
    assert.ok(await box('sv').isChecked(), 'the questionnaire\'s own language, always offered');
    assert.ok(await box('sv').isDisabled());
    for (const lang of ['en', 'ar', 'so', 'fa', 'fi', 'ti']) assert.equal(await box(lang).isChecked(), false, lang);
    assert.match(await form.textContent(), /utkast, inte granskad/);
    await box('ar').check();
    await box('so').check();
    let response = await clickAndWait(page, form.getByRole('button'));
    assert.equal(response?.status(), 422, 'a draft needs a confirmation');
    assert.match(await page.locator('#languages-error').textContent(), /ar, so.*utkast/);
    assert.ok(await box('ar').isChecked(), 'what was ticked is kept');
    await checkA11y(page, 'the survey page asking to confirm a draft translation');
    await form.locator('input[name=confirm_drafts]').check();
    response = await clickAndWait(page, form.getByRole('button'));
    assert.equal(response?.status(), 200);
    assert.ok(await box('ar').isChecked() && await box('so').isChecked() && !(await box('en').isChecked()));
    const offered = await (await page.request.get(`${baseUrl}/api/v1/surveys/${survey.id}/languages`)).json();
    assert.deepEqual(
      offered.filter((language) => language.offered).map((language) => [language.code, language.status]),
      [['sv', 'source'], ['ar', 'draft'], ['so', 'draft']],
    );
  });

  walks.forEach((walk, index) => {
    const how = `${walk.script ? 'with' : 'without'} JavaScript at ${walk.width} px`;
    test(`${walk.lang}: by keyboard ${how}, from the start page to the thank-you page`, async () => {
      const page = await newPage(browser, { width: walk.width, height: 800, javaScriptEnabled: walk.script });
      // Without JavaScript in the page, axe runs in a second page on the same address (the resident's page stays
      // as it is); the pages themselves are the same.
      const checker = walk.script ? null : await newPage(browser, { width: walk.width, height: 800 });
      const label = `${walk.lang} ${how}`;
      const check = async (what) => {
        if (walk.width <= 320) await assertNoSidewaysScroll(page, walk.width, `${label}: ${what}`);
        if (checker) {
          await checker.context().addCookies(await page.context().cookies());
          await checker.goto(page.url());
          await checkA11y(checker, `${label}: ${what}`);
        } else {
          await checkA11y(page, `${label}: ${what}`);
        }
        const html = page.locator('html');
        assert.equal(await html.getAttribute('lang'), walk.lang, `${label}: ${what}`);
        assert.equal(await html.getAttribute('dir'), walk.dir, `${label}: ${what}`);
      };
      try {
        // The start page is in Swedish; the language is chosen there, by its own name.
        await page.goto(`${baseUrl}/`);
        const choice = page.locator(`nav.languages a[lang=${walk.lang}]`);
        assert.equal(await choice.textContent(), { ar: 'العربية', so: 'Soomaali' }[walk.lang]);
        await tabTo(page, `nav.languages a[lang=${walk.lang}]`, { max: 12 });
        let response = await submitWith(page, 'Enter');
        assert.equal(response?.status(), 200);
        await check('the start page');
        await screenshot(page, `languages-${walk.lang}-${walk.script ? 'script' : 'no-script'}-${walk.width}-start`);
        const code = page.locator('#code');
        assert.equal(await code.getAttribute('dir'), 'ltr', 'the code is typed left to right');
        await tabTo(page, '#code', { max: 12 });
        await page.keyboard.type(survey.codes[index]);
        response = await submitWith(page, 'Enter');
        assert.equal(response?.status(), 200);

        // The welcome, in the language chosen, says the translation is a draft.
        await check('the welcome page');
        await screenshot(page, `languages-${walk.lang}-${walk.script ? 'script' : 'no-script'}-${walk.width}-welcome`);
        assert.equal(await page.locator('main .notice').count(), 1, 'the draft translation is said to be one');
        await tabTo(page, 'main a.button', { max: 12 });
        response = await submitWith(page, 'Enter');
        assert.equal(response?.status(), 200);

        for (const [number, section] of instrument.sections.entries()) {
          assert.equal(new URL(page.url()).pathname, `/svara/${survey.codes[index]}/del/${number + 1}`);
          assert.equal((await page.locator('h1').textContent()).trim(), section.title[walk.lang]);
          if (number === 0 || number === 3) {
            await check(`part ${number + 1}`);
            await screenshot(page, `languages-${walk.lang}-${walk.script ? 'script' : 'no-script'}-${walk.width}-part-${number + 1}`);
          }
          if (number === 1 && walk.dir === 'rtl') {
            const bar = await page.locator('svg.progress-bar').evaluate((svg) => {
              const outer = svg.getBoundingClientRect();
              const filled = svg.querySelector('rect').getBoundingClientRect();
              return { fromRight: Math.round(outer.right - filled.right), fromLeft: Math.round(filled.left - outer.left) };
            });
            assert.ok(bar.fromRight < bar.fromLeft, `the progress bar fills from the right: ${JSON.stringify(bar)}`);
          }
          response = await answerByKeyboard(page, `${label}, part ${number + 1}`);
          assert.ok([200, 303].includes(response?.status() ?? 200), `part ${number + 1}: ${response?.status()}`);
        }

        // The review lists every answer; the answers are sent from it.
        assert.equal(new URL(page.url()).pathname, `/svara/${survey.codes[index]}/granska`);
        await check('the review');
        await tabTo(page, '#submit button[type=submit]', { max: 200 });
        response = await submitWith(page, 'Enter');
        assert.equal(response?.status(), 200);
        assert.equal(new URL(page.url()).pathname, '/tack');
        await check('the thank-you page');
        await screenshot(page, `languages-${walk.lang}-${walk.script ? 'script' : 'no-script'}-${walk.width}-thanks`);
      } finally {
        await page.context().close();
        await checker?.context().close();
      }
    });
  });

  test('the printed questionnaire: axe-clean, and A4 pages when printed, in Swedish, Arabic large print and Somali', async () => {
    const page = staffPage;
    for (const [lang, size] of [['sv', 'normal'], ['ar', 'large'], ['so', 'normal']]) {
      const response = await page.goto(`${baseUrl}/admin/surveys/${survey.id}/questionnaire?language=${lang}&size=${size}`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      await checkA11y(page, `the printed questionnaire in ${lang} (${size})`);
      await screenshot(page, `languages-print-${lang}-${size}`, { fullPage: false });
      const questions = await page.locator('[data-item]').count();
      assert.equal(questions, instrument.sections.reduce((sum, section) => sum + section.items.length, 0));
      // Printed as the browser prints it: A4 pages, the box for the screen left out.
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('.screen-only').isVisible(), false);
      const pdf = await page.pdf({ format: 'A4' });
      const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
      assert.ok(pages >= (size === 'large' ? 8 : 4), `${lang} ${size}: ${pages} A4 pages`);
      await page.emulateMedia({ media: 'screen' });
    }
  });

  test('the answers in every language are stored as the same codes', async () => {
    const response = await staffPage.request.get(`${baseUrl}/api/v1/surveys/${survey.id}/responses.csv?format=rfc4180`);
    assert.equal(response.status(), 200);
    const [header, ...rows] = (await response.text()).trim().split(/\r?\n/);
    assert.equal(rows.length, walks.length, 'one response per walk');
    const column = header.split(',').indexOf('littering');
    assert.ok(column >= 0, header);
    // Every walk chose the first option of the first question: the code, never a label.
    assert.deepEqual(rows.map((row) => row.split(',')[column]), walks.map(() => 'none'));
  });
});

/** Clicks (for a step whose subject is not the keyboard) and waits for the page that loads. */
async function clickAndWait(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response;
}

/**
 * Answers the part in view by keyboard alone, as a resident reading it would: Tab through the form from the top,
 * Space on the first option of each question not yet answered, 12 in each number field, free text left empty, and
 * a follow-up question answered only when the answer it follows makes it apply (without JavaScript every follow-up
 * is on the page with its condition in words). Ends with Enter on the button that goes on; returns the page's
 * response.
 */
async function answerByKeyboard(page, label) {
  for (let presses = 1; presses <= 150; presses += 1) {
    await page.keyboard.press('Tab');
    await assertVisibleFocus(page, `${label}, Tab stop ${presses}`);
    const focus = await page.evaluate(() => {
      const element = document.activeElement;
      const followUp = element.closest('[data-show-if]');
      const applies =
        !followUp ||
        [...document.getElementsByName(followUp.dataset.showIf)].some(
          (control) => control.checked && control.value === followUp.dataset.equals,
        );
      const group = element.type === 'radio' ? [...document.getElementsByName(element.name)] : [];
      return {
        type: element.type,
        name: element.name,
        value: element.value,
        numeric: element.inputMode === 'numeric',
        answered: group.some((control) => control.checked),
        applies,
        inForm: Boolean(element.closest('main form')),
      };
    });
    if (!focus.inForm) continue;
    if (focus.type === 'radio' && !focus.answered && focus.applies) {
      await page.keyboard.press('Space');
    } else if (focus.numeric && !focus.value && focus.applies) {
      await page.keyboard.type('12');
    } else if (focus.type === 'submit' && focus.name === 'action' && focus.value === 'next') {
      return submitWith(page, 'Enter');
    }
  }
  throw new Error(`${label}: the button that goes on was not reached`);
}
