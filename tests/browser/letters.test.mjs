// What becomes of letters, in a real browser, as a coordinator of Hagfors and Torsby (an account the administrator
// that tests/api/browser.rs created makes through the API), in a survey of both with four Hagfors letters:
// - returned letters imported from a file on the survey page; a resident then answers one of them with its code; a
//   later file that would overwrite that answered letter is refused whole, naming its line, and nothing of it is
//   recorded; the file without that line is recorded, saying for each letter what it was and what it is now;
// - a paper form keyed in with a Hagfors letter number while the form's municipality list says Torsby: the letter
//   decides, and the survey page counts the answer for Hagfors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerOnTheWeb, baseUrl, checkA11y, launchBrowser, newPage, signIn, submitWith } from './helpers.mjs';
import { hagfors, municipalityRow, setUpSurvey, torsby } from './surveys.mjs';

// Unique per run, so the file can run again against a service that keeps its data.
const run = Date.now().toString(36);
const title = `Brev i Hagfors och Torsby ${run}`;
const coordinator = {
  email: `brevsamordnare.${run}@hagfors.se`,
  name: 'Britt Brevsamordnare',
  password: 'Returpost-till-Hagfors-1783',
};
const letter = (serial) => `${hagfors.code}-00000${serial}`;

describe('letters: returned, answered, keyed in', { timeout: 180_000 }, () => {
  let browser;
  let page;
  let survey;
  before(async () => {
    browser = await launchBrowser();
    const admin = await newPage(browser);
    await signIn(admin);
    const csrf = await admin.locator('input[name=csrf_token]').first().inputValue();
    survey = await setUpSurvey(admin, csrf, title, { opens: -2, closes: 30, codes: 4 });
    const created = await admin.request.post(`${baseUrl}/api/v1/users`, {
      data: {
        email: coordinator.email,
        display_name: coordinator.name,
        password: coordinator.password,
        role: 'coordinator',
        municipalities: [hagfors.code, torsby.code],
      },
      headers: { 'X-CSRF-Token': csrf },
    });
    assert.equal(created.status(), 201, await created.text());
    await admin.context().close();

    page = await newPage(browser);
    await page.goto(`${baseUrl}/sign-in`);
    await page.locator('#email').fill(coordinator.email);
    await page.locator('#password').fill(coordinator.password);
    await page.locator('#password').focus();
    await submitWith(page, 'Enter');
    assert.equal(new URL(page.url()).pathname, '/admin', 'the coordinator is signed in');
  });
  after(async () => {
    await browser?.close();
  });

  const surveyPath = () => `/admin/surveys/${survey.id}`;

  /** Uploads `lines` as the CSV file of returned letters on the survey page; returns the answer's status. */
  async function importFile(lines) {
    await page.goto(`${baseUrl}${surveyPath()}`);
    await page.locator('#file').setInputFiles({
      name: 'utfall.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${lines.join('\n')}\n`),
    });
    await page.locator('form[action$="/dispositions"] button[type=submit]').focus();
    const response = await submitWith(page, 'Enter');
    assert.equal(new URL(page.url()).pathname, `${surveyPath()}/dispositions`);
    return response?.status();
  }

  const notice = async () => (await page.getByRole('status').textContent())?.replace(/\s+/g, ' ').trim();

  test('a later file cannot overwrite a letter answered since; the rest says what it was and is', async () => {
    const first = [`${letter(1)};obeställbar`, `${letter(2)};obeställbar`, `${letter(3)};avböjt`];
    assert.equal(await importFile(first), 200);
    assert.equal(await notice(), '3 brev fick sitt utfall registrerat.');

    // Whoever declined in letter 3 answers after all, with its code.
    const resident = await newPage(browser);
    try {
      await answerOnTheWeb(resident, survey.codes[2]);
    } finally {
      await resident.context().close();
    }
    await page.goto(`${baseUrl}${surveyPath()}`);
    assert.deepEqual(await municipalityRow(page, hagfors, ['Besvarade brev', 'Väntar (får påminnelse)']), {
      'Besvarade brev': '1',
      'Väntar (får påminnelse)': '1',
    });

    // A later file says letter 3 moved: refused whole, naming the line; letter 1's change is not recorded either.
    const refused = await importFile([`${letter(1)};flyttat`, `${letter(2)};obeställbar`, `${letter(3)};flyttat`]);
    assert.equal(refused, 422);
    assert.equal(await notice(), 'Inget registrerades: rätta raderna nedan och ladda upp filen igen.');
    const problems = await page.locator('.error-summary li').allTextContents();
    assert.deepEqual(
      problems.map((problem) => problem.trim()),
      [`Rad 3: Brevet ${letter(3)} är redan besvarat och kan inte ändras.`],
    );
    await checkA11y(page, 'the refused file');

    // Without that line: letter 1 obeställbar → flyttat, letter 2 as before; the answer still counts.
    assert.equal(await importFile([`${letter(1)};flyttat`, `${letter(2)};obeställbar`]), 200);
    assert.equal(
      await notice(),
      '2 brev fick sitt utfall registrerat (1 hade redan samma utfall). 1 brev hade ett annat utfall från en ' +
        `tidigare fil, som nu är ersatt: ${letter(1)}: obeställbar → flyttat.`,
    );
    assert.deepEqual(await municipalityRow(page, hagfors, ['Besvarade brev', 'Väntar (får påminnelse)']), {
      'Besvarade brev': '1',
      'Väntar (får påminnelse)': '1',
    });
  });

  test('a paper form takes its municipality from the letter number: Hagfors while the list says Torsby', async () => {
    await page.goto(`${baseUrl}${surveyPath()}/paper`);
    await page.locator('#municipality').selectOption(torsby.code);
    await page.locator('#letter_number').fill(letter(4));
    await page.locator('main input[type=radio][name^="q."]').first().check();
    await page.locator('main form button[type=submit]').focus();
    const saved = await submitWith(page, 'Enter');
    assert.equal(saved?.status(), 200);
    assert.match((await notice()) ?? '', /^Blanketten är sparad\./);

    await page.goto(`${baseUrl}${surveyPath()}`);
    const columns = ['Svar på papper', 'Besvarade brev', 'Väntar (får påminnelse)'];
    assert.deepEqual(await municipalityRow(page, hagfors, columns), {
      'Svar på papper': '1',
      'Besvarade brev': '2',
      'Väntar (får påminnelse)': '0',
    });
    assert.equal((await municipalityRow(page, torsby, columns))['Svar på papper'], '0', 'nothing counted for Torsby');
  });
});
