// The resident's questionnaire in a real browser, as residents meet it: the code from the letter typed on the start
// page, the welcome, one section per page, the review, the thank-you. Staff set up the surveys through the JSON API
// with the browser's own session (cookie plus X-CSRF-Token), as paper.test.mjs does: a survey by letter for Hagfors
// with a code per test, and an open-link survey for Hagfors and Torsby; the period always includes today.
//
// - The whole questionnaire is answered by keyboard alone (Tab, Shift+Tab, Space, arrow keys, typing, Enter), with a
//   visible focus at every stop, a mistake in a number corrected from the error summary, and the response stored.
// - Every page of the flow meets WCAG 2.1 A/AA (axe-core), in Swedish, and the start page and a section in English.
// - No page scrolls sideways at 320 px or at 1280 px with 200 % zoom (640 CSS px); radio and checkbox rows and
//   buttons are at least 44 px tall; screenshots at 320 and 1280 px.
// - svara.js: follow-up questions appear when they apply, typing survives a reload; without JavaScript everything
//   still works, follow-ups shown with their condition.
// - The language switch keeps what was typed; right to left does not overflow; a section page stays light.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  assertVisibleFocus,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  submitWith,
  summaryFocused,
  tabTo,
} from './helpers.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const hagfors = { code: '1783', name: 'Hagfors' };
const torsby = { code: '1737', name: 'Torsby' };

/** The default questionnaire (instruments/trygghetsmatning-2026.1.json): its sections' headings, in order. */
const sections = [
  'Utemiljö',
  'Alkohol och narkotika',
  'Ordningsstörningar',
  'Utsatthet för brott',
  'Oro för brott',
  'Trygghet',
  'Polisens arbete',
  'Om dig',
  'Övriga synpunkter',
];
const victimisation = 4;
const insecurity = 6;
const background = 8;
/** What a number question says to letters. */
const notANumber = 'Skriv bara siffror, till exempel 12.';

/** The tests, each with its own code (a code is answered once). */
const uses = ['keyboard', 'tour', 'layout', 'script', 'noScript', 'language', 'light'];

/** A Swedish calendar day `offset` days from today, as YYYY-MM-DD (a day either side covers the time zones). */
function day(offset) {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

describe('the resident questionnaire', { timeout: 200_000 }, () => {
  let browser;
  let staffPage;
  let survey;
  before(async () => {
    browser = await launchBrowser();
    staffPage = await newPage(browser);
    await signIn(staffPage);
    survey = await setUpSurveys(staffPage);
  });
  after(async () => {
    await browser?.close();
  });

  const code = (use) => survey.codes[use];
  const sectionPath = (use, number) => `/svara/${code(use)}/del/${number}`;

  test('keyboard only: from the code in the letter to the thank-you page, focus always visible', async () => {
    const page = await newPage(browser);
    try {
      // The start page: Tab past the skip link, the name and the language switch to the code field. A mistyped
      // character first (lower case, as people type): explained, and the summary's link leads back to the field.
      const typed = code('keyboard').toLowerCase();
      const typo = typed.slice(0, 5) + (typed[5] === 'x' ? 'y' : 'x') + typed.slice(6);
      await open(page, '/', 'Trygghetsmätning');
      await tabTo(page, '#code', { max: 9 });
      await page.keyboard.type(typo);
      const refused = await submitWith(page, 'Enter');
      assert.equal(refused?.status(), 422);
      assert.ok(await summaryFocused(page), 'focus is on the summary');
      assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['code']);
      assert.equal(await page.locator('#code').inputValue(), typo, 'what was typed is kept');
      await checkA11y(page, 'the start page with a mistyped code');
      await tabTo(page, '.error-summary a[href="#code"]', { max: 1 });
      await page.keyboard.press('Enter');
      assert.match((await assertVisibleFocus(page, 'after the summary link')).description, /^input#code/);
      await page.keyboard.press('Control+A');
      await page.keyboard.type(typed);
      let response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);
      assert.equal(page.url(), `${baseUrl}/svara/${code('keyboard')}`, 'the code, in capitals, leads to its welcome');

      // The welcome: Tab to "Börja".
      assert.equal(await heading(page), 'Välkommen till trygghetsmätningen');
      await checkA11y(page, 'the welcome page');
      await tabTo(page, 'main a.button', { max: 6 });
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);

      // Part 1: one Tab stop per question; Space chooses the first option, the arrow keys the others. Shift+Tab goes
      // back to change an answer.
      await atSection(page, 1);
      await radio(page, 'littering', 1, { max: 4 });
      await radio(page, 'graffiti', 0);
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate(() => document.activeElement.name), 'q.littering', 'Shift+Tab goes back');
      await page.keyboard.press('ArrowDown');
      await assertVisibleFocus(page, 'a changed answer');
      assert.equal(await checkedLabel(page, 'littering'), 'Ganska stort problem');
      await tabTo(page, 'input[name="q.graffiti"]:checked', { max: 1 });
      await radio(page, 'vandalism', 3);
      await radio(page, 'poor_lighting', -1); // ArrowUp from the first option: the last, "Vet inte"
      await radio(page, 'overgrown_greenery', 1);
      await next(page, 2);

      await radio(page, 'intoxicated_people', 0, { max: 4 });
      await radio(page, 'drug_dealing', 1);
      await radio(page, 'public_drug_use', -1);
      await next(page, 3);

      // Part 3 leaves one question unanswered: Tab passes it by.
      await radio(page, 'disruptive_youth', 1, { max: 4 });
      await radio(page, 'speeding', 2);
      await radio(page, 'mopeds_on_paths', 0, { max: 2 });
      await radio(page, 'fights_and_noise', 0);
      await next(page, victimisation);

      // Part 4: a follow-up ("Did you report it?") is no Tab stop until its question is answered "Ja".
      await radio(page, 'victim_violence', 1, { max: 4 });
      await radio(page, 'victim_threats', 1);
      assert.ok(await page.locator('#q-victim_theft_reported').isHidden(), 'the follow-up waits for "Ja"');
      await radio(page, 'victim_theft', 0);
      assert.equal(await checkedLabel(page, 'victim_theft'), 'Ja');
      assert.ok(await page.locator('#q-victim_theft_reported').isVisible(), '"Ja" shows the follow-up');
      await radio(page, 'victim_theft_reported', 1);
      await radio(page, 'victim_property_damage', 1);
      await radio(page, 'victim_fraud', 1);
      await next(page, 5);

      await radio(page, 'worry_burglary', 0, { max: 4 });
      await radio(page, 'worry_theft', 1);
      await radio(page, 'worry_vandalism', 2);
      await radio(page, 'worry_assault', 0);
      await next(page, 6);

      // Part 6: check boxes are a Tab stop each; Space ticks one.
      await radio(page, 'unsafe_evening', 1, { max: 4 });
      const places = await page
        .locator('input[name="q.unsafe_places"]')
        .evaluateAll((boxes) => boxes.map((box) => box.value));
      for (const [index, place] of places.entries()) {
        await tabTo(page, `input[name="q.unsafe_places"][value="${place}"]`, { max: 1 });
        if (index === 0 || index === 3) await page.keyboard.press('Space');
      }
      assert.deepEqual(await checkedLabels(page, 'unsafe_places'), ['Centrum eller torget', 'Mitt eget bostadsområde']);
      await radio(page, 'refrained_activity', 1);
      await next(page, 7);

      await radio(page, 'police_care', 1, { max: 4 });
      await radio(page, 'police_critical', 2);
      await radio(page, 'police_visibility', 1);
      await next(page, background);

      // Part 8: letters in the number question are explained next to it, everything else kept; the summary's link
      // leads to the field, and Enter there (the form's default button) saves and goes on.
      await radio(page, 'age_band', -1, { max: 4 });
      await radio(page, 'gender', 0);
      await tabTo(page, '#q-years_in_area', { max: 1 });
      await page.keyboard.type('tolv');
      await radio(page, 'housing', 0);
      await radio(page, 'municipality_part', 0);
      await tabTo(page, 'main button[value=next]', { max: 1 });
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 422, 'letters for a number are refused');
      assert.equal(await heading(page), 'Om dig');
      assert.ok(await summaryFocused(page), 'focus is on the summary');
      assert.deepEqual(await assertErrorsTiedToFields(page), { 'q-years_in_area': notANumber });
      assert.deepEqual(await summaryLinks(page), [
        ['#q-years_in_area', 'Hur många år har du bott i ditt bostadsområde? – Skriv bara siffror, till exempel 12.'],
      ], 'the summary names the question, not only the problem');
      assert.equal(await page.locator('#q-years_in_area').inputValue(), 'tolv');
      assert.equal(await checkedLabel(page, 'age_band'), '75–85 år', 'the answers on the page are kept');
      await checkA11y(page, 'part 8 with an error');
      await tabTo(page, '.error-summary a[href="#q-years_in_area"]', { max: 1 });
      await page.keyboard.press('Enter');
      assert.match((await assertVisibleFocus(page, 'after the summary link')).description, /^input#q-years_in_area/);
      await page.keyboard.press('Control+A');
      await page.keyboard.type('12');
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), 'sv', 'Enter in a field never switches language');
      await atSection(page, 9);

      await tabTo(page, '#q-comment', { max: 4 });
      await page.keyboard.type('Bättre belysning vid busshållplatsen, tack.');
      await tabTo(page, 'main button[value=next]', { max: 2 });
      assert.equal((await page.locator('main button[value=next]').textContent())?.trim(), 'Granska svaren');
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);

      // The review shows what was answered, and what was not.
      assert.equal(await heading(page), 'Granska dina svar');
      const review = await reviewAnswers(page);
      assert.equal(review['Hur stort problem är nedskräpning i ditt bostadsområde?'], 'Ganska stort problem');
      const skipped = 'Hur stort problem är vårdslös körning med bil eller moped i ditt bostadsområde?';
      assert.equal(review[skipped], 'Inte besvarad');
      assert.equal(review['Hur gammal är du?'], '75–85 år');
      assert.equal(review['Hur många år har du bott i ditt bostadsområde?'], '12 år');
      assert.equal(review['Vill du lägga till något?'], 'Bättre belysning vid busshållplatsen, tack.');
      assert.equal(review['Finns det platser i kommunen där du känner dig otrygg? Välj alla som passar.'],
        'Centrum eller torget, Mitt eget bostadsområde');
      await checkA11y(page, 'the review');

      // A change from the review: its link, the part's page, Enter in the field, and back to the review.
      await tabTo(page, 'main a[href$="/del/8?fran=granska"]', { max: 40 });
      assert.match((await assertVisibleFocus(page, 'the change link')).description, /"Ändra svaren i ”Om dig”"/);
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);
      assert.equal(await heading(page), 'Om dig');
      const backToReview = await page.locator('main button[value=review]').textContent();
      assert.equal(backToReview, 'Spara och gå tillbaka till granskningen');
      await tabTo(page, '#q-years_in_area', { max: 12 });
      await page.keyboard.press('Control+A');
      await page.keyboard.type('13');
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);
      assert.equal(await heading(page), 'Granska dina svar', 'Enter on a page changed from the review goes back there');
      assert.equal((await reviewAnswers(page))['Hur många år har du bott i ditt bostadsområde?'], '13 år');

      await tabTo(page, '#submit button[type=submit]', { max: 40 });
      response = await submitWith(page, 'Enter');
      assert.equal(response?.status(), 200);
      assert.equal(page.url(), `${baseUrl}/tack`);
      assert.equal(await heading(page), 'Tack för dina svar!');
      await checkA11y(page, 'the thank-you page');
      const left = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('trygghet:')));
      assert.deepEqual(left, [], 'nothing typed stays behind in the browser once sent');

      // Stored: the code's link now says so, and the survey counts one answer on the web.
      const answered = await page.goto(`${baseUrl}/svara/${code('keyboard')}`);
      assert.equal(answered?.status(), 409);
      assert.equal(await heading(page), 'Du har redan svarat');
      await checkA11y(page, 'the already-answered page');
      const counts = await staffPage.request.get(`${baseUrl}/api/v1/surveys/${survey.id}`);
      const hagforsCounts = (await counts.json()).municipalities.find((m) => m.code === hagfors.code);
      assert.ok(hagforsCounts.responses_web >= 1, `the web answer is counted: ${JSON.stringify(hagforsCounts)}`);
    } finally {
      await page.context().close();
    }
  });

  test('every other page of the flow meets WCAG 2.1 A/AA, in Swedish and in English', async () => {
    const page = await newPage(browser);
    try {
      // A code that exists nowhere: refused politely, with a way back to the start page.
      let response = await page.goto(`${baseUrl}/svara/${survey.unknown}`);
      assert.equal(response?.status(), 404);
      assert.equal(await heading(page), 'Koden hittades inte');
      assert.equal(await page.getByRole('link', { name: 'Skriv in koden igen' }).count(), 1);
      await checkA11y(page, 'the unknown-code page');

      // Saved for later, and welcomed back.
      await open(page, sectionPath('tour', 1), 'Utemiljö');
      await page.getByRole('radio', { name: 'Litet problem' }).first().check();
      response = await clickAndWait(page, page.getByRole('button', { name: 'Spara och fortsätt senare' }));
      assert.equal(page.url(), `${baseUrl}/svara/${code('tour')}/sparat`);
      assert.equal(await heading(page), 'Dina svar är sparade');
      assert.equal((await page.locator('.secret').textContent())?.trim(), code('tour'), 'the code to go on with');
      await checkA11y(page, 'the saved page');
      await open(page, `/svara/${code('tour')}`, 'Välkommen tillbaka');
      await checkA11y(page, 'the welcome back');

      // The open link: choosing nothing is explained; a choice leads on, with a code to continue later.
      await open(page, `/oppen/${survey.openId}`, 'Var bor du?');
      assert.equal(await page.getByRole('radio').count(), 2, 'Hagfors and Torsby to choose from');
      await checkA11y(page, 'the open-link start page');
      response = await clickAndWait(page, page.getByRole('button', { name: 'Börja' }));
      assert.equal(response?.status(), 422);
      assert.deepEqual(await summaryLinks(page), [['#municipality', 'Välj den kommun du bor i.']]);
      await checkA11y(page, 'the open-link start page with its error');
      await page.getByRole('radio', { name: torsby.name }).check();
      response = await clickAndWait(page, page.getByRole('button', { name: 'Börja' }));
      assert.equal(response?.status(), 200);
      assert.equal(await heading(page), 'Välkommen till trygghetsmätningen');
      const resumeCode = (await page.locator('.secret').textContent())?.trim() ?? '';
      assert.match(resumeCode, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/, 'a code to go on with later');
      assert.match((await page.locator('main .muted').first().textContent()) ?? '', /Torsby/);
      await checkA11y(page, 'the welcome of an open link');

      // The accessibility statement, its report form with an empty message, and a report sent.
      await open(page, '/tillganglighet', 'Tillgänglighetsredogörelse');
      await checkA11y(page, 'the accessibility statement');
      response = await clickAndWait(page, page.getByRole('button', { name: 'Skicka', exact: true }));
      assert.equal(response?.status(), 422);
      assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['message']);
      await checkA11y(page, 'the accessibility statement with an empty report');
      await page.locator('#message').fill('Knapparna är svåra att se i mörkt läge.');
      response = await clickAndWait(page, page.getByRole('button', { name: 'Skicka', exact: true }));
      assert.equal(response?.status(), 200);
      assert.match((await page.getByRole('status').textContent())?.trim() ?? '', /^Tack!/);
      await checkA11y(page, 'the accessibility statement after a report');

      // English: the start page through its language link, then a section (the choice is remembered).
      await open(page, '/', 'Trygghetsmätning');
      response = await clickAndWait(page, page.getByRole('link', { name: 'English' }));
      assert.equal(response?.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await heading(page), 'Local safety survey');
      await checkA11y(page, 'the start page in English');
      // The language saved with the answers wins over the cookie; a link with ?lang= changes it.
      await open(page, `${sectionPath('tour', victimisation)}?lang=en`, 'Experience of crime');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      await checkA11y(page, 'a section in English');
      await page.goto(`${baseUrl}/svara/${survey.unknown}`);
      assert.equal(await heading(page), 'Code not found');
      await checkA11y(page, 'the unknown-code page in English');
    } finally {
      await page.context().close();
    }
  });

  test('no sideways scrolling at 320 px or at 200 % zoom, 44 px tap targets; screenshots', async () => {
    // 1280 px at 200 % zoom lays out like a 640 px window at twice the pixel density.
    const page = await newPage(browser, { width: 320, height: 640, deviceScaleFactor: 2 });
    const widths = [320, 640];
    /** Checks the page as shown now at 320 and 640 px; screenshots at 320 and 1280 px when `name` is given. */
    async function layout(label, name) {
      for (const width of widths) {
        await page.setViewportSize({ width, height: 800 });
        await assertNoSidewaysScroll(page, width, `${label} at ${width} px`);
        await assertNoBrokenWords(page, `${label} at ${width} px`);
      }
      if (name) {
        await page.setViewportSize({ width: 320, height: 640 });
        await screenshot(page, `answer-${name}-320`);
        await page.setViewportSize({ width: 1280, height: 800 });
        await screenshot(page, `answer-${name}-1280`);
      }
      await page.setViewportSize({ width: 320, height: 640 });
    }
    try {
      await open(page, '/', 'Trygghetsmätning');
      await assertTapTargets(page, 'the start page');
      await layout('the start page', 'start');
      await page.locator('#code').fill('7KQM-X4TZ-9HRX');
      assert.equal((await clickAndWait(page, page.getByRole('button', { name: 'Börja svara' })))?.status(), 422);
      await layout('the start page with a mistyped code', 'start-error');
      await open(page, `/svara/${code('layout')}`, 'Välkommen till trygghetsmätningen');
      await layout('the welcome page');
      for (const [index, title] of sections.entries()) {
        await open(page, sectionPath('layout', index + 1), title);
        let name = index === 0 ? 'section' : null;
        if (index + 1 === victimisation) {
          await page.locator('#q-victim_theft').getByRole('radio', { name: 'Ja' }).check(); // shows its follow-up
          name = 'section-follow-up';
        }
        await assertTapTargets(page, `part ${index + 1}`);
        await layout(`part ${index + 1}`, name);
      }

      // Part 8 with an error, then saved for later and reviewed.
      await open(page, sectionPath('layout', background), 'Om dig');
      await page.getByRole('radio', { name: '45–54 år' }).check();
      await page.locator('#q-years_in_area').fill('tjugo');
      assert.equal((await clickAndWait(page, page.getByRole('button', { name: 'Nästa' })))?.status(), 422);
      await layout('part 8 with an error', 'section-error');
      await page.locator('#q-years_in_area').fill('20');
      const later = await clickAndWait(page, page.getByRole('button', { name: 'Spara och fortsätt senare' }));
      assert.equal(later?.status(), 200);
      assert.equal(await heading(page), 'Dina svar är sparade');
      await layout('the saved page');
      await open(page, `/svara/${code('layout')}/granska`, 'Granska dina svar');
      await assertTapTargets(page, 'the review');
      await layout('the review', 'review');
      assert.equal((await clickAndWait(page, page.getByRole('button', { name: 'Skicka in svaren' })))?.status(), 200);
      assert.equal(await heading(page), 'Tack för dina svar!');
      await layout('the thank-you page', 'thanks');

      let response = await page.goto(`${baseUrl}/svara/${code('layout')}`);
      assert.equal(response?.status(), 409);
      await layout('the already-answered page');
      response = await page.goto(`${baseUrl}/svara/${survey.unknown}`);
      assert.equal(response?.status(), 404);
      await layout('the unknown-code page');
      await open(page, `/oppen/${survey.openId}`, 'Var bor du?');
      await layout('the open-link start page');
      await clickAndWait(page, page.getByRole('button', { name: 'Börja' }));
      await layout('the open-link start page with its error');
      await open(page, '/tillganglighet', 'Tillgänglighetsredogörelse');
      await layout('the accessibility statement');
    } finally {
      await page.context().close();
    }
  });

  test('svara.js: follow-ups appear when they apply, typing survives a reload, forgotten once saved', async () => {
    const page = await newPage(browser);
    try {
      await open(page, sectionPath('script', victimisation), 'Utsatthet för brott');
      const followUps = ['violence', 'threats', 'theft', 'property_damage', 'fraud'].map(
        (what) => `#q-victim_${what}_reported`,
      );
      for (const followUp of followUps) assert.ok(await page.locator(followUp).isHidden(), `${followUp} is hidden`);
      const theft = page.locator('#q-victim_theft');
      const reported = page.locator('#q-victim_theft_reported');
      await theft.getByRole('radio', { name: 'Nej' }).check();
      assert.ok(await reported.isHidden(), '"Nej" leaves the follow-up hidden');
      await theft.getByRole('radio', { name: 'Ja' }).check();
      assert.ok(await reported.isVisible(), '"Ja" shows the follow-up');
      assert.ok(await reported.getByText('Om det har hänt flera gånger').isVisible(), 'with its help text');
      assert.ok(await reported.getByText('Svara bara om').isHidden(), 'its condition goes without saying now');
      for (const followUp of followUps.filter((id) => id !== '#q-victim_theft_reported')) {
        assert.ok(await page.locator(followUp).isHidden(), `${followUp} is still hidden`);
      }
      await reported.getByRole('radio', { name: 'Ja' }).check();

      // Not saved yet: a reload (a lost connection, a closed tab) brings back what was chosen.
      await page.reload();
      assert.equal(await checkedLabel(page, 'victim_theft'), 'Ja', 'restored after a reload');
      assert.equal(await checkedLabel(page, 'victim_theft_reported'), 'Ja');
      assert.ok(await reported.isVisible(), 'the restored "Ja" shows its follow-up');
      const key = `trygghet:${sectionPath('script', victimisation)}`;
      assert.ok(await page.evaluate((key) => localStorage.getItem(key), key), 'kept under the page');

      // Saved: the server shows the answers, and the browser's copy is forgotten.
      await clickAndWait(page, page.getByRole('button', { name: 'Nästa' }));
      assert.equal(await heading(page), 'Oro för brott');
      await open(page, sectionPath('script', victimisation), 'Utsatthet för brott');
      assert.equal(await checkedLabel(page, 'victim_theft_reported'), 'Ja');
      assert.equal(await page.evaluate((key) => localStorage.getItem(key), key), null);

      // A follow-up hidden again sends nothing: "Ja", its follow-up answered, then "Nej" is saved without a question.
      await open(page, sectionPath('script', victimisation), 'Utsatthet för brott');
      await page.locator('#q-victim_fraud').getByRole('radio', { name: 'Ja' }).check();
      await page.locator('#q-victim_fraud_reported').getByRole('radio', { name: 'Ja' }).check();
      await page.locator('#q-victim_fraud').getByRole('radio', { name: 'Nej' }).check();
      const saved = await clickAndWait(page, page.getByRole('button', { name: 'Nästa' }));
      assert.equal(saved?.status(), 200, 'no contradiction is sent from a hidden follow-up');

      // "Nej, ingen sådan plats" and the places rule each other out.
      await open(page, sectionPath('script', insecurity), 'Trygghet');
      const places = page.locator('#q-unsafe_places');
      const none = places.getByRole('checkbox', { name: 'Nej, ingen sådan plats' });
      const parks = places.getByRole('checkbox', { name: 'Parker, grönområden eller motionsspår' });
      await parks.check();
      await none.check();
      assert.ok(!(await parks.isChecked()), '"no such place" unticks the places');
      await parks.check();
      assert.ok(!(await none.isChecked()), 'a place unticks "no such place"');

      // Typed text too.
      await open(page, sectionPath('script', background), 'Om dig');
      await page.locator('#q-years_in_area').pressSequentially('7');
      await page.getByRole('radio', { name: 'Hyresrätt' }).check();
      await page.reload();
      assert.equal(await page.locator('#q-years_in_area').inputValue(), '7');
      assert.equal(await checkedLabel(page, 'housing'), 'Hyresrätt');
    } finally {
      await page.context().close();
    }
  });

  test('without JavaScript: follow-ups are shown with their condition, and a section is answered', async () => {
    const page = await newPage(browser, { javaScriptEnabled: false });
    try {
      await open(page, sectionPath('noScript', victimisation), 'Utsatthet för brott');
      const reported = page.locator('#q-victim_theft_reported');
      assert.ok(await reported.isVisible(), 'the follow-up is on the page');
      const condition =
        'Svara bara om du svarade ”Ja” på frågan ”Har du blivit bestulen på något under de senaste 12 månaderna?”.';
      assert.ok(await reported.getByText(condition).isVisible(), 'with the condition in words');
      // axe needs JavaScript: the same page with its script blocked is what a browser without JavaScript shows.
      const checker = await newPage(browser);
      try {
        await checker.route('**/static/svara.js', (route) => route.abort());
        await open(checker, sectionPath('noScript', victimisation), 'Utsatthet för brott');
        assert.ok(await checker.locator('#q-victim_theft_reported').isVisible());
        await checkA11y(checker, 'a section without JavaScript');
      } finally {
        await checker.context().close();
      }
      await page.locator('#q-victim_violence').getByRole('radio', { name: 'Nej' }).check();
      await page.locator('#q-victim_theft').getByRole('radio', { name: 'Ja' }).check();
      await reported.getByRole('radio', { name: 'Nej' }).check();
      const response = await clickAndWait(page, page.getByRole('button', { name: 'Nästa' }));
      assert.equal(response?.status(), 200);
      assert.equal(page.url(), `${baseUrl}${sectionPath('noScript', victimisation + 1)}`);
      await open(page, sectionPath('noScript', victimisation), 'Utsatthet för brott');
      assert.equal(await checkedLabel(page, 'victim_violence'), 'Nej');
      assert.equal(await checkedLabel(page, 'victim_theft'), 'Ja');
      assert.equal(await checkedLabel(page, 'victim_theft_reported'), 'Nej', 'the follow-up is saved');

      // Both "no such place" and a place: the page asks which holds, beside the question, with both still ticked.
      await open(page, sectionPath('noScript', insecurity), 'Trygghet');
      const places = page.locator('#q-unsafe_places');
      await places.getByRole('checkbox', { name: 'Parker, grönområden eller motionsspår' }).check();
      await places.getByRole('checkbox', { name: 'Nej, ingen sådan plats' }).check();
      const asked = await clickAndWait(page, page.getByRole('button', { name: 'Nästa' }));
      assert.equal(asked?.status(), 422);
      const errors = await assertErrorsTiedToFields(page);
      assert.match(errors['q-unsafe_places'] ?? '', /utesluter de andra/, JSON.stringify(errors));
      assert.ok(await places.getByRole('checkbox', { name: 'Nej, ingen sådan plats' }).isChecked(), 'kept');
    } finally {
      await page.context().close();
    }
  });

  test('the language switch keeps what was typed and shows the page in English', async () => {
    const page = await newPage(browser);
    try {
      await open(page, sectionPath('language', background), 'Om dig');
      await page.getByRole('radio', { name: '35–44 år' }).check();
      await page.locator('#q-years_in_area').fill('12');
      let response = await clickAndWait(page, page.getByRole('button', { name: 'English' }));
      assert.equal(response?.status(), 200);
      assert.equal(page.url(), `${baseUrl}${sectionPath('language', background)}`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await heading(page), 'About you');
      assert.equal(await checkedLabel(page, 'age_band'), '35–44');
      assert.equal(await page.locator('#q-years_in_area').inputValue(), '12');
      assert.equal(await page.getByRole('button', { name: 'Next' }).count(), 1);
      await checkA11y(page, 'a section in English after the switch');

      // A mistake is kept through the switch as well, explained in the new language.
      await page.locator('#q-years_in_area').fill('abc');
      response = await clickAndWait(page, page.getByRole('button', { name: 'Svenska' }));
      assert.equal(response?.status(), 422);
      assert.equal(await page.locator('html').getAttribute('lang'), 'sv');
      assert.equal(await heading(page), 'Om dig');
      assert.equal(await page.locator('#q-years_in_area').inputValue(), 'abc');
      assert.deepEqual(await assertErrorsTiedToFields(page), { 'q-years_in_area': notANumber });
      assert.equal(await checkedLabel(page, 'age_band'), '35–44 år');
    } finally {
      await page.context().close();
    }
  });

  test('right to left: the pages mirror without sideways scrolling at 320 px', async () => {
    const page = await newPage(browser, { width: 320, height: 640 });
    try {
      const pages = [
        ['/', 'Trygghetsmätning', 'main button[type=submit]'],
        [sectionPath('light', 1), 'Utemiljö', 'main input[type=radio]'],
        [sectionPath('light', background), 'Om dig', '#q-years_in_area'],
      ];
      for (const [path, title, control] of pages) {
        await open(page, path, title);
        await page.evaluate(() => {
          document.documentElement.dir = 'rtl';
        });
        await assertNoSidewaysScroll(page, 320, `${path} right to left`);
        // Mirrored: controls start at the right-hand edge of the column, as the text does.
        const edges = await page.locator(control).first().evaluate((element) => {
          const main = document.querySelector('main').getBoundingClientRect();
          const box = element.getBoundingClientRect();
          return { gapRight: Math.round(main.right - box.right), gapLeft: Math.round(box.left - main.left) };
        });
        assert.ok(edges.gapRight < edges.gapLeft, `${path}: ${control} sits on the right (${JSON.stringify(edges)})`);
      }
      await screenshot(page, 'answer-section-rtl-320');
    } finally {
      await page.context().close();
    }
  });

  test('a section page with its stylesheet weighs less than 30 KB', async () => {
    const request = staffPage.context().request;
    const stylesheet = await request.get(`${baseUrl}/static/trygghet.css`);
    assert.equal(stylesheet.status(), 200);
    const css = (await stylesheet.body()).length;
    const script = (await (await request.get(`${baseUrl}/static/svara.js`)).body()).length;
    const weights = [];
    for (let number = 1; number <= sections.length; number += 1) {
      const response = await request.get(`${baseUrl}${sectionPath('light', number)}`);
      assert.equal(response.status(), 200);
      weights.push((await response.body()).length);
    }
    const heaviest = Math.max(...weights);
    assert.ok(heaviest + css < 30 * 1024, `HTML ${heaviest} B + CSS ${css} B (script ${script} B) is 30 KB or more`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers.

/**
 * Creates, through the JSON API with the page's session, a survey by letter for Hagfors with one code per test and an
 * open-link survey for Hagfors and Torsby, both open from yesterday for a month. Also finds a code that is well formed
 * but exists nowhere.
 */
async function setUpSurveys(page) {
  if (new URL(page.url()).pathname !== '/admin') await page.goto(`${baseUrl}/admin`);
  const csrf = await page.locator('input[name=csrf_token]').first().inputValue();
  const post = async (path, data, expected) => {
    const response = await page.request.post(`${baseUrl}${path}`, { data, headers: { 'X-CSRF-Token': csrf } });
    assert.equal(response.status(), expected, `POST ${path} answered ${response.status()}: ${await response.text()}`);
    return response.json();
  };
  const period = { opens_on: day(-1), closes_on: day(30) };
  const letters = await post(
    '/api/v1/surveys',
    {
      title: `Svar på webben ${run}`,
      ...period,
      access: 'codes',
      sender: 'Polisen och Hagfors kommun',
      contact: { phone: '0563-185 00' },
      municipalities: [{ code: hagfors.code, sample_size: 300 }],
    },
    201,
  );
  const handedOut = await post(
    `/api/v1/surveys/${letters.id}/municipalities/${hagfors.code}/invitations`,
    { count: uses.length },
    201,
  );
  // English besides Swedish (a draft translation, so confirmed): the language tests switch to it.
  const english = await page.request.put(`${baseUrl}/api/v1/surveys/${letters.id}/languages`, {
    data: { languages: ['en'], confirm_drafts: true },
    headers: { 'X-CSRF-Token': csrf },
  });
  assert.equal(english.status(), 200, await english.text());
  await post(`/api/v1/surveys/${letters.id}/open`, {}, 200);
  const open = await post(
    '/api/v1/surveys',
    {
      title: `Öppen länk ${run}`,
      ...period,
      access: 'open_link',
      sender: 'Polisen och Hagfors kommun',
      contact: { phone: '0563-185 00' },
      municipalities: [
        { code: hagfors.code, sample_size: 0 },
        { code: torsby.code, sample_size: 0 },
      ],
    },
    201,
  );
  await post(`/api/v1/surveys/${open.id}/open`, {}, 200);
  const codes = Object.fromEntries(uses.map((use, index) => [use, handedOut[index].code]));
  return { id: letters.id, openId: open.id, codes, unknown: await unknownCode(page.request, codes.keyboard) };
}

/**
 * A well-formed code that belongs to no letter: `known` with its first character changed and the one last character
 * that makes the check character agree again. The start page's `POST /svara` only checks a code's form (and answers
 * 303 to the code's page), it never looks the code up.
 */
async function unknownCode(request, known) {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
  const compact = known.replaceAll('-', '');
  const first = alphabet[(alphabet.indexOf(compact[0]) + 1) % alphabet.length];
  for (const last of alphabet) {
    const candidate = `${first}${compact.slice(1, 11)}${last}`.match(/.{4}/g).join('-');
    const response = await request.post(`${baseUrl}/svara`, { form: { code: candidate }, maxRedirects: 0 });
    if (response.status() === 303) return candidate;
  }
  throw new Error(`no well-formed code found next to ${known}`);
}

/** The page's heading as read (soft hyphens, which only say where a long word may break, left out). */
async function heading(page) {
  return (await page.locator('h1').textContent())?.replaceAll('\u00ad', '').trim();
}

/** Opens `path` and checks that it answers 200 with `title` as its heading. */
async function open(page, path, title) {
  const response = await page.goto(`${baseUrl}${path}`);
  assert.equal(response?.status(), 200, `GET ${path} answered ${response?.status()}`);
  assert.equal(await heading(page), title, `the heading of ${path}`);
}

/** Clicks (for tests whose subject is not the keyboard) and waits for the page that loads. */
async function clickAndWait(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response;
}

/** Checks that the page is section `number` of the questionnaire, in Swedish, with no WCAG violations. */
async function atSection(page, number) {
  assert.match(page.url(), new RegExp(`/del/${number}$`));
  assert.equal(await heading(page), sections[number - 1]);
  assert.equal((await page.locator('.progress').textContent())?.trim(), `Del ${number} av ${sections.length}`);
  await checkA11y(page, `part ${number}`);
}

/** From the last answer on a section page, Tab to "Nästa" and press Enter; checks the next section. */
async function next(page, number) {
  await tabTo(page, 'main button[value=next]', { max: 2 });
  const response = await submitWith(page, 'Enter');
  assert.equal(response?.status(), 200);
  await atSection(page, number);
}

/**
 * Tabs to the question `item`'s radio buttons (in at most `max` presses) and chooses option `index` by keyboard:
 * Space for the first, ArrowDown for later ones, ArrowUp (`-1`) for the last.
 */
async function radio(page, item, index, { max = 1 } = {}) {
  await tabTo(page, `input[name="q.${item}"]`, { max });
  if (index === 0) await page.keyboard.press('Space');
  else if (index < 0) await page.keyboard.press('ArrowUp');
  else for (let step = 0; step < index; step += 1) await page.keyboard.press('ArrowDown');
  await assertVisibleFocus(page, `the answer to ${item}`);
  const options = page.locator(`input[name="q.${item}"]`);
  const values = await options.evaluateAll((inputs) => inputs.map((input) => input.value));
  const wanted = values.at(index);
  assert.equal(await page.locator(`input[name="q.${item}"]:checked`).getAttribute('value'), wanted, `${item} answered`);
}

/** The label of the checked option of question `item`. */
async function checkedLabel(page, item) {
  return page.locator(`input[name="q.${item}"]:checked`).evaluate((input) => input.labels[0].textContent.trim());
}

async function checkedLabels(page, item) {
  return page
    .locator(`input[name="q.${item}"]:checked`)
    .evaluateAll((inputs) => inputs.map((input) => input.labels[0].textContent.trim()));
}

/** The error summary's links as [href, text]. */
function summaryLinks(page) {
  return page
    .locator('.error-summary a')
    .evaluateAll((links) => links.map((link) => [link.getAttribute('href'), link.textContent.trim()]));
}

/** The review page's answers by question. */
function reviewAnswers(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('section.review dt')].map((dt) => [
        dt.textContent.trim(),
        dt.nextElementSibling.textContent.trim(),
      ]),
    ),
  );
}

/** Fails unless every answer row (radio button or check box with its label) and every button is at least 44 px tall. */
async function assertTapTargets(page, label) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('.choices label, button, a.button')]
      .filter((element) => element.getClientRects().length > 0 && !element.closest('[aria-hidden=true]'))
      .map((element) => ({
        what: `${element.tagName.toLowerCase()} "${element.textContent.trim().slice(0, 30)}"`,
        height: element.getBoundingClientRect().height,
      }))
      .filter(({ height }) => height < 44),
  );
  assert.deepEqual(small, [], `${label}: tap targets under 44 px tall`);
}

/**
 * Fails if a heading, question, answer or button breaks a word in the middle of a line ("Tillgänglighetsredog" /
 * "örelse"): lines may end only at a space, a hyphen or a soft hyphen. A long Swedish compound in large type is wider
 * than a phone, and a browser without Swedish hyphenation breaks it anywhere.
 */
async function assertNoBrokenWords(page, label) {
  const broken = await page.evaluate(() => {
    const found = [];
    for (const element of document.querySelectorAll('h1, h2, legend, label, button, a.button, .error-summary a')) {
      if (element.getClientRects().length === 0) continue;
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent;
        const range = document.createRange();
        let previousTop = null;
        for (let index = 0; index < text.length; index += 1) {
          range.setStart(node, index);
          range.setEnd(node, index + 1);
          // The character's own rectangle: the last with a width (after a soft hyphen's break, the range of the next
          // character also covers the hyphen shown at the end of the line before).
          const box = [...range.getClientRects()].findLast((rect) => rect.width > 0);
          if (!box) continue;
          const before = text[index - 1] ?? ' ';
          const newLine = previousTop !== null && box.top > previousTop + 2;
          if (newLine && !/[\s\-\u00ad\u2010\u2013\u2014/]/.test(before) && !/\s/.test(text[index])) {
            const around = `${text.slice(Math.max(0, index - 12), index)}|${text.slice(index, index + 12)}`;
            found.push(`${element.tagName.toLowerCase()} "${around}"`);
          }
          previousTop = box.top;
        }
      }
    }
    return found;
  });
  assert.deepEqual(broken, [], `${label}: words broken in the middle`);
}
