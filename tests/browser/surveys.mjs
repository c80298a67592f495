// Surveys for the browser tests, set up as staff would through the JSON API with the browser's own session (cookie
// plus X-CSRF-Token), and answered on paper forms keyed in through the staff's form.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { baseUrl } from './helpers.mjs';

export const hagfors = { code: '1783', name: 'Hagfors' };
export const torsby = { code: '1737', name: 'Torsby' };

/** A Swedish calendar day `offset` days from today, as YYYY-MM-DD. */
export function day(offset) {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Creates a survey of Hagfors and Torsby through the JSON API with the page's session, `codes` letters for Hagfors,
 * and opens it. Returns its id, the Hagfors codes and where its questionnaire is exported.
 */
export async function setUpSurvey(page, csrf, title, { opens, closes, codes = 0 }) {
  const post = async (path, data, expected) => {
    const response = await page.request.post(`${baseUrl}${path}`, { data, headers: { 'X-CSRF-Token': csrf } });
    assert.equal(response.status(), expected, `POST ${path} answered ${response.status()}: ${await response.text()}`);
    return response.json();
  };
  const municipalities = [hagfors, torsby].map((m) => ({ code: m.code, sample_size: 200 }));
  const { id } = await post(
    '/api/v1/surveys',
    {
      title,
      opens_on: day(opens),
      closes_on: day(closes),
      access: 'codes',
      sender: 'Polisen och Hagfors kommun',
      contact: { phone: '0563-185 00', email: 'trygghet@hagfors.se' },
      municipalities,
    },
    201,
  );
  const letters = codes ? await post(`/api/v1/surveys/${id}/municipalities/${hagfors.code}/invitations`, { count: codes }, 201) : [];
  await post(`/api/v1/surveys/${id}/open`, {}, 200);
  const survey = await (await page.request.get(`${baseUrl}/api/v1/surveys/${id}`)).json();
  return { id, codes: letters.map((letter) => letter.code), instrumentExport: survey.instrument_export };
}

/**
 * Keys in `count` paper forms for the municipality, as staff do with returned forms, answering every question that
 * applies. Respondent n: five in nine women, three men, one other; scale answers going round, leaning to the better
 * end, men and `shift` a step worse (so that groups and waves differ), and a "don't know" now and then.
 */
export async function keyIn(page, csrf, surveyId, instrument, municipality, count, shift) {
  const scaleCodes = (item) => {
    const scale = instrument.scales[item.scale];
    return scale.options.map((option) => option.code).concat(scale.dont_know ? [scale.dont_know.code] : []);
  };
  for (let n = 0; n < count; n += 1) {
    const form = new URLSearchParams({
      csrf_token: csrf,
      submission_id: randomUUID(),
      municipality: municipality.code,
      letter_number: '',
    });
    const gender = n % 9 < 5 ? 'woman' : n % 9 < 8 ? 'man' : 'other_or_no_answer';
    const answers = {};
    instrument.sections.flatMap((section) => section.items).forEach((item, index) => {
      if (item.show_if && answers[item.show_if.item] !== item.show_if.equals) return;
      let value;
      if (item.type === 'scale') {
        const codes = scaleCodes(item);
        const step = Math.min(3, [0, 0, 1, 1, 2, 3, 0][(n + index) % 7] + shift + (gender === 'man' ? 1 : 0));
        value = (n + index) % 11 === 0 ? codes[codes.length - 1] : codes[step];
      } else if (item.type === 'yes_no') {
        value = (n + index) % 5 === 0 ? 'yes' : 'no';
      } else if (item.id === 'gender') {
        value = gender;
      } else if (item.type === 'single') {
        value = item.options[n % item.options.length].code;
      } else if (item.type === 'multiple') {
        // Places, never together with the option that rules them out ("no such place").
        const options = item.options.filter((option) => !option.exclusive);
        const chosen = [n % options.length, (n + 2) % options.length];
        for (const option of new Set(chosen)) form.append(`q.${item.id}`, options[option].code);
        return;
      } else if (item.type === 'number') {
        value = '5';
      } else {
        return;
      }
      answers[item.id] = value;
      form.append(`q.${item.id}`, value);
    });
    const response = await page.request.post(`${baseUrl}/admin/surveys/${surveyId}/paper`, {
      data: form.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.status(), 200, `a paper form for ${municipality.name}: ${response.status()}`);
  }
}

/** The municipality's row in the survey page's table, by column heading, with `columns` only. */
export async function municipalityRow(page, municipality, columns) {
  const table = page.locator('main table').filter({ has: page.getByRole('columnheader', { name: 'Urval' }) });
  const clean = (texts) => texts.map((text) => text.replace(/\s+/g, ' ').trim());
  const headings = clean(await table.locator('thead th').allTextContents());
  const row = table.locator('tbody tr').filter({
    has: page.getByRole('rowheader', { name: municipality.name, exact: true }),
  });
  assert.equal(await row.count(), 1, `one row for ${municipality.name}`);
  const cells = clean(await row.locator('th, td').allTextContents());
  assert.equal(cells.length, headings.length, `a cell for every heading: ${JSON.stringify({ headings, cells })}`);
  return Object.fromEntries(columns.map((column) => [column, cells[headings.indexOf(column)]]));
}
