// Every staff page reachable by GET, with real content, meets WCAG 2.1 A/AA (axe-core) at 1280 and at 320 px and
// does not scroll sideways at 320 px. The pages are listed one by one below, so that what is covered can be read
// here; pages that follow a form (codes handed out, a new API key, a file or a form sent back to correct, a comment
// masked) and the rates page after a live update are checked after the step that leads to them.
//
// Set up first, as the administrator that tests/api/browser.rs created, through the JSON API with the browser's own
// session (cookie plus X-CSRF-Token) and the staff's paper form:
// - an open survey of Hagfors and Torsby with four Hagfors letters: one answered on the web (and one more while its
//   rates page is open), one returned undeliverable; 35 paper forms for Hagfors (one with a comment) and 5 for
//   Torsby; Hagfors' population margins;
// - a closed survey of the same municipalities, answered on paper, closed and published (the earlier wave);
// - a draft reached by an open link;
// - a citizen promise for Hagfors and a second account, a coordinator of Hagfors.
//
// Not pages, so not here: the event streams (`/rates/stream`, `/results/stream`, which the rates and results pages
// read), the downloads (results.xlsx, the letters' zip, reminders.csv) and `/setup/{token}`, which answers only
// while no account exists (its not-found page is checked instead, as the error page).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  answerOnTheWeb,
  assertErrorsTiedToFields,
  assertNoSidewaysScroll,
  baseUrl,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  submitWith,
  waitUntil,
} from './helpers.mjs';
import { day, hagfors, keyIn, setUpSurvey, torsby } from './surveys.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const coordinator = { email: `granskare.${run}@hagfors.se`, name: 'Gustav Granskare' };

describe('every staff page', { timeout: 230_000 }, () => {
  let browser;
  let page;
  let csrf;
  let open;
  let closed;
  let draft;
  let promiseId;
  let userId;

  const api = async (method, path, data, expected) => {
    const type = typeof data === 'string' ? { 'Content-Type': 'text/csv' } : {};
    const response = await page.request.fetch(`${baseUrl}${path}`, {
      method,
      data,
      headers: { 'X-CSRF-Token': csrf, ...type },
    });
    const answered = `${method} ${path} answered ${response.status()}: ${await response.text()}`;
    assert.equal(response.status(), expected, answered);
    return response.json();
  };

  before(async () => {
    browser = await launchBrowser();
    page = await newPage(browser);
    await signIn(page);
    csrf = await page.locator('input[name=csrf_token]').first().inputValue();

    const titles = { closed: `Trygghet förra året ${run}`, open: `Trygghet i Hagfors och Torsby ${run}` };
    closed = { title: titles.closed, ...(await setUpSurvey(page, csrf, titles.closed, { opens: -400, closes: -340 })) };
    open = { title: titles.open, ...(await setUpSurvey(page, csrf, titles.open, { opens: -2, closes: 30, codes: 4 })) };
    const instrument = await (await page.request.get(`${baseUrl}${open.instrumentExport}`)).json();

    const resident = await newPage(browser);
    try {
      await answerOnTheWeb(resident, open.codes[0]);
    } finally {
      await resident.context().close();
    }
    await api('POST', `/api/v1/surveys/${open.id}/dispositions`, `${hagfors.code}-000002;obeställbar\n`, 200);
    await keyIn(page, csrf, open.id, instrument, hagfors, 35, 0);
    await keyIn(page, csrf, open.id, instrument, torsby, 5, 0);
    await keyInComment(page, csrf, open.id, 'Det är mörkt vid busshållplatsen på Dalavägen om kvällarna.');
    const margins = { gender: { woman: 5100, man: 5000, other_or_no_answer: 40 } };
    await api('PUT', `/api/v1/surveys/${open.id}/municipalities/${hagfors.code}/population`, { margins }, 200);

    await keyIn(page, csrf, closed.id, instrument, hagfors, 31, 1);
    await api('POST', `/api/v1/surveys/${closed.id}/close`, {}, 200);
    await api('POST', `/api/v1/surveys/${closed.id}/publication`, {}, 201);

    draft = { title: `Trygghet med öppen länk ${run}` };
    ({ id: draft.id } = await api(
      'POST',
      '/api/v1/surveys',
      {
        title: draft.title,
        opens_on: day(10),
        closes_on: day(50),
        access: 'open_link',
        sender: 'Polisen och Torsby kommun',
        contact: { phone: '0560-160 00', email: 'trygghet@torsby.se' },
        municipalities: [{ code: torsby.code, sample_size: 100 }],
      },
      201,
    ));

    ({ id: promiseId } = await api(
      'POST',
      `/api/v1/municipalities/${hagfors.code}/promises`,
      {
        title: `Belysning vid busshållplatserna ${run}`,
        text: 'Kommunen byter belysning vid tio busshållplatser och polisen patrullerar där på kvällarna.',
        responsible: 'both',
        starts_on: day(-30),
        ends_on: day(300),
        status: 'ongoing',
        targets: [{ kind: 'area', id: 'outdoor_environment' }],
      },
      201,
    ));

    ({ id: userId } = await api(
      'POST',
      '/api/v1/users',
      {
        email: coordinator.email,
        display_name: coordinator.name,
        password: 'Vinterväg-mot-Ekshärad-1783',
        role: 'coordinator',
        municipalities: [hagfors.code],
      },
      201,
    ));
  });
  after(async () => {
    await browser?.close();
  });

  /** Axe at 1280 px, then no sideways scrolling and axe at 320 px, with a screenshot at each; ends at 1280 px. */
  async function bothWidths(name, label) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await checkA11y(page, `${label} at 1280 px`);
    await screenshot(page, `staff-${name}-1280`);
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoSidewaysScroll(page, 320, `${label} at 320 px`);
    await checkA11y(page, `${label} at 320 px`);
    await screenshot(page, `staff-${name}-320`);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  /** Loads the page (expecting `status`), checks its heading, then both widths. */
  async function visit(name, path, heading, { status = 200 } = {}) {
    await page.setViewportSize({ width: 1280, height: 800 });
    const response = await page.goto(`${baseUrl}${path}`);
    assert.equal(response?.status(), status, `GET ${path} answered ${response?.status()}`);
    assert.equal(new URL(page.url()).pathname, new URL(path, baseUrl).pathname, `GET ${path} stays on the page`);
    const h1 = (await page.locator('h1').first().textContent())?.trim();
    if (heading instanceof RegExp) assert.match(h1, heading, path);
    else assert.equal(h1, heading, path);
    await bothWidths(name, path);
  }

  /** Submits the form of `selector` (a field or button in it) with Enter and expects `status`. */
  async function submit(selector, status) {
    await page.locator(selector).focus();
    const response = await submitWith(page, 'Enter');
    assert.equal(response?.status(), status, `submitting ${selector} answered ${response?.status()}`);
  }

  test('every page reachable by GET, one by one', async () => {
    const survey = (id, rest = '') => `/admin/surveys/${id}${rest}`;
    const pages = [
      ['surveys', '/admin', 'Enkäter'],
      ['survey-new', '/admin/surveys/new', 'Ny enkät'],
      // With its municipalities, batches of letters, reminders, the import of returned letters and the population.
      ['open-survey', survey(open.id), open.title],
      ['open-survey-limits', survey(open.id, '/edit'), 'Ändra gränser för redovisning'],
      ['open-survey-close', survey(open.id, '/close'), /^Stäng/],
      ['open-survey-paper', survey(open.id, '/paper'), 'Mata in en pappersenkät'],
      ['open-survey-rates', survey(open.id, '/rates'), 'Svarsfrekvens'],
      ['open-survey-results', survey(open.id, '/results'), /Resultat/],
      [
        'open-survey-results-hagfors-by-gender',
        survey(open.id, `/results?municipality=${hagfors.code}&by=gender&compare=${closed.id}&weights=population`),
        /Resultat/,
      ],
      ['open-survey-comments-hagfors', survey(open.id, `/comments?municipality=${hagfors.code}`), /^Kommentarer/],
      ['open-survey-comments', survey(open.id, '/comments'), /^Kommentarer/],
      ['closed-survey', survey(closed.id), closed.title],
      ['closed-survey-limits', survey(closed.id, '/edit'), 'Ändra gränser för redovisning'],
      ['closed-survey-rates', survey(closed.id, '/rates'), 'Svarsfrekvens'],
      ['closed-survey-results', survey(closed.id, '/results'), /Resultat/],
      ['closed-survey-comments', survey(closed.id, '/comments'), /^Kommentarer/],
      ['draft', survey(draft.id), draft.title],
      ['draft-edit', survey(draft.id, '/edit'), 'Ändra enkät'],
      ['draft-rates', survey(draft.id, '/rates'), /^(Antal svar|Svarsfrekvens)/],
      ['draft-results', survey(draft.id, '/results'), /Resultat/],
      // The list with the form for a new promise, and a promise with the same form to change it.
      ['promises', `/admin/municipalities/${hagfors.code}/promises`, 'Medborgarlöften i Hagfors'],
      ['promise', `/admin/municipalities/${hagfors.code}/promises/${promiseId}`, /Belysning vid busshållplatserna/],
      ['users', '/admin/users', 'Användare'],
      ['user', `/admin/users/${userId}`, coordinator.email],
      ['account', '/admin/account', 'Mitt konto'],
      ['audit', '/admin/audit', 'Logg'],
      ['audit-filtered', `/admin/audit?action=dispositions_imported`, 'Logg'],
      ['not-found', survey(randomUUID()), 'Sidan finns inte', { status: 404 }],
      ['setup-not-found', `/setup/${randomUUID()}`, 'Sidan finns inte', { status: 404 }],
    ];
    for (const [name, path, heading, options] of pages) await visit(name, path, heading, options);
  });

  test('the rates page, live: updated in place after a resident answers', async () => {
    await page.goto(`${baseUrl}/admin/surveys/${open.id}/rates`);
    await page.locator('#live-status').filter({ hasText: 'Uppdateras direkt' }).waitFor({ timeout: 5_000 });
    const before = await page.locator('#live').innerHTML();
    const resident = await newPage(browser);
    try {
      await answerOnTheWeb(resident, open.codes[3]);
    } finally {
      await resident.context().close();
    }
    await waitUntil(page, (before) => document.querySelector('#live').innerHTML !== before, before);
    await bothWidths('open-survey-rates-live', 'the rates page after a live update');
  });

  test('after a form: a batch of codes, codes beyond the sample, an import to correct, a new API key', async () => {
    // "Skapa koder för Torsby" on the survey page: the batch page.
    await page.goto(`${baseUrl}/admin/surveys/${open.id}`);
    await page.locator(`#count-${torsby.code}`).fill('3');
    await submit(`#count-${torsby.code} ~ button[type=submit]`, 201);
    assert.match(await page.locator('main').innerText(), new RegExp(`${torsby.code}-000001`));
    await bothWidths('batch', 'the batch of codes for Torsby');

    // More codes than Torsby's sample: the survey page again, asking to confirm.
    await page.goto(`${baseUrl}/admin/surveys/${open.id}`);
    await page.locator(`#count-${torsby.code}`).fill('500');
    await submit(`#count-${torsby.code} ~ button[type=submit]`, 409);
    await bothWidths('codes-beyond-sample', 'codes beyond the sample');

    // A file of returned letters with a line to correct: the survey page with the lines named.
    await page.goto(`${baseUrl}/admin/surveys/${open.id}`);
    await page.locator('#file').setInputFiles({
      name: 'utfall.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${hagfors.code}-000003;flyttat\n${hagfors.code}-000099;obeställbar\n`),
    });
    await submit('form[action$="/dispositions"] button[type=submit]', 422);
    assert.match(await page.locator('.error-summary').innerText(), /Rad 2/);
    await bothWidths('dispositions-refused', 'an import to correct');

    // "Skapa API-nyckel" on the account page: the key, shown once.
    await page.goto(`${baseUrl}/admin/account`);
    await page.locator('#name').fill(`Svarsfrekvens ${run}`);
    await submit('#name', 200);
    assert.match((await page.locator('h1').textContent())?.trim(), /API-nyckeln/);
    await bothWidths('token-shown-once', 'a new API key, shown once');
  });

  test('a comment with a passage masked, then approved', async () => {
    await page.goto(`${baseUrl}/admin/surveys/${open.id}/comments?municipality=${hagfors.code}`);
    await page.locator('#passage-1').fill('Dalavägen');
    await submit('form:has(#passage-1) button[value=mask]', 200);
    assert.match(await page.locator('ol.comments').innerText(), /\[dolt\]/);
    await bothWidths('comment-masked', 'a masked comment');
    await submit('form:has(#passage-1) button[value=approve]', 200);
    await bothWidths('comment-approved', 'an approved comment');
  });

  test('forms sent back with what to correct, every message tied to its field', async () => {
    // A new survey with nothing filled in and no way of answering chosen.
    await page.goto(`${baseUrl}/admin/surveys/new`);
    await page.locator('input[name=access]:checked').evaluate((radio) => {
      radio.checked = false;
    });
    await submit('#title', 422);
    assert.ok('access' in (await assertErrorsTiedToFields(page)), 'the way of answering is asked for');
    await bothWidths('survey-new-refused', 'a new survey to correct');

    // A new coordinator with nothing filled in.
    await page.goto(`${baseUrl}/admin/users`);
    await submit('#email', 422);
    assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['email', 'password']);
    await bothWidths('users-refused', 'a new account to correct');

    // The administrator's own account made a coordinator.
    const me = await (await page.request.get(`${baseUrl}/api/v1/me`)).json();
    await page.goto(`${baseUrl}/admin/users/${me.id}`);
    await page.locator('input[name=role][value=coordinator]').check();
    await submit('#display_name', 422);
    assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['role']);
    await bothWidths('user-refused', 'an account to correct');

    // A wrong current password.
    await page.goto(`${baseUrl}/admin/account`);
    await page.locator('#current_password').fill('inte-det-här-lösenordet');
    await page.locator('#new_password').fill('Ett-nytt-långt-lösenord-1783');
    await submit('#new_password', 422);
    assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['current_password']);
    await bothWidths('password-refused', 'a password change to correct');

    // A passage that is not in the comment.
    await page.goto(`${baseUrl}/admin/surveys/${open.id}/comments?municipality=${hagfors.code}`);
    await page.locator('#passage-1').fill('Storgatan 12');
    await submit('form:has(#passage-1) button[value=mask]', 422);
    assert.deepEqual(Object.keys(await assertErrorsTiedToFields(page)), ['passage-1']);
    await bothWidths('passage-refused', 'a passage to correct');
  });

  test('signing in, signed out', async () => {
    await page.context().clearCookies();
    await visit('sign-in', '/sign-in', 'Logga in');
  });
});

/** A paper form for Hagfors with a comment, and the respondent's gender only. */
async function keyInComment(page, csrf, surveyId, comment) {
  const form = new URLSearchParams({
    csrf_token: csrf,
    submission_id: randomUUID(),
    municipality: hagfors.code,
    letter_number: '',
  });
  form.append('q.gender', 'woman');
  form.append('q.comment', comment);
  const response = await page.request.post(`${baseUrl}/admin/surveys/${surveyId}/paper`, {
    data: form.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(response.status(), 200, `the paper form with a comment: ${response.status()}`);
}
