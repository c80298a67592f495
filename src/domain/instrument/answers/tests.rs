//! The answers' unit tests, on the instrument's sample.

use super::super::tests::sample;
use super::*;

fn raw(pairs: &[(&str, &[&str])]) -> RawAnswers {
    pairs.iter().map(|(item, values)| (item.to_string(), values.iter().map(|v| v.to_string()).collect())).collect()
}

/// The sample's answers to one section when the form gives `pairs`, with no answers to earlier sections.
fn section(index: usize, pairs: &[(&str, &[&str])]) -> Result<Answers, Vec<AnswerError>> {
    sample().validate_section(index, &raw(pairs), &Answers::default())
}

/// The sample's answers to the whole questionnaire when the form gives `pairs`.
fn all(pairs: &[(&str, &[&str])]) -> Result<Answers, Vec<AnswerError>> {
    sample().validate_all(&raw(pairs))
}

/// The answer to `item` when the form gives `values` for it, besides `others`.
fn answer(
    index: usize,
    item: &str,
    values: &[&str],
    others: &[(&str, &[&str])],
) -> Result<Option<AnswerValue>, Vec<AnswerProblem>> {
    let mut form = others.to_vec();
    form.push((item, values));
    section(index, &form)
        .map(|answers| answers.get(item).cloned())
        .map_err(|errors| errors.into_iter().map(|error| error.problem).collect())
}

/// The answer to an item of the first section.
fn first(item: &str, values: &[&str]) -> Result<Option<AnswerValue>, Vec<AnswerProblem>> {
    answer(0, item, values, &[])
}

/// The answer to an item of the second section, whose required age is answered.
fn second(item: &str, values: &[&str]) -> Result<Option<AnswerValue>, Vec<AnswerProblem>> {
    answer(1, item, values, &[("age", &["old"])])
}

fn choice(code: &str) -> Result<Option<AnswerValue>, Vec<AnswerProblem>> {
    Ok(Some(AnswerValue::Choice(code.to_owned())))
}

fn choices(codes: &[&str]) -> Result<Option<AnswerValue>, Vec<AnswerProblem>> {
    Ok(Some(AnswerValue::Choices(codes.iter().map(|code| code.to_string()).collect())))
}

use AnswerProblem::*;

#[test]
fn a_scale_answer_is_one_of_its_steps_or_dont_know() {
    assert_eq!(first("littering", &["small"]), choice("small"));
    assert_eq!(first("littering", &[" dont_know "]), choice("dont_know"));
    assert_eq!(first("littering", &[""]), Ok(None));
    assert_eq!(first("littering", &[]), Ok(None));
    assert_eq!(first("littering", &["Small"]), Err(vec![NotAnOption]));
    assert_eq!(first("littering", &["6"]), Err(vec![NotAnOption]));
    assert_eq!(first("littering", &["small", "big"]), Err(vec![SeveralAnswers]));
    assert_eq!(first("littering", &["small", ""]), choice("small"));
}

#[test]
fn a_yes_no_answer_is_yes_or_no() {
    assert_eq!(answer(0, "victim", &["yes"], &[("reported", &["no"])]), choice("yes"));
    assert_eq!(first("victim", &["no"]), choice("no"));
    assert_eq!(first("victim", &["Ja"]), Err(vec![NotAnOption]));
    assert_eq!(first("victim", &["true"]), Err(vec![NotAnOption]));
}

#[test]
fn a_single_answer_is_one_of_its_options() {
    assert_eq!(second("age", &["young"]), choice("young"));
    assert_eq!(second("age", &["middle"]), Err(vec![NotAnOption]));
    assert_eq!(second("age", &["young", "old"]), Err(vec![SeveralAnswers]));
    assert_eq!(second("age", &["young", "young"]), Err(vec![SeveralAnswers]));
}

#[test]
fn a_multiple_answer_is_a_subset_in_option_order() {
    assert_eq!(first("transport", &["walk", "bus"]), choices(&["bus", "walk"]));
    assert_eq!(first("transport", &["car"]), choices(&["car"]));
    assert_eq!(first("transport", &["", " "]), Ok(None));
    assert_eq!(first("transport", &["bus", "walk", "car"]), Err(vec![TooMany { max: 2 }]));
    assert_eq!(first("transport", &["bus", "bus"]), Err(vec![NotAnOption]));
    assert_eq!(first("transport", &["bus", "train"]), Err(vec![NotAnOption]));
}

#[test]
fn a_number_is_whole_digits_within_its_range() {
    assert_eq!(second("years", &[" 12 "]), Ok(Some(AnswerValue::Number(12))));
    assert_eq!(second("years", &["0"]), Ok(Some(AnswerValue::Number(0))));
    assert_eq!(second("years", &["100"]), Ok(Some(AnswerValue::Number(100))));
    assert_eq!(second("years", &["007"]), Ok(Some(AnswerValue::Number(7))));
    assert_eq!(second("years", &["-0"]), Ok(Some(AnswerValue::Number(0))));
    assert_eq!(second("years", &["\u{663}\u{665}"]), Ok(Some(AnswerValue::Number(35))), "Arabic-Indic digits");
    assert_eq!(second("years", &["\u{6f1}\u{6f2}"]), Ok(Some(AnswerValue::Number(12))), "Persian digits");
    assert_eq!(second("years", &["\u{ff18}"]), Ok(Some(AnswerValue::Number(8))), "full-width digits");
    assert_eq!(second("years", &[""]), Ok(None));
    for out_of_range in ["101", "-1", "\u{2212}5", "99999999999999999999999"] {
        assert_eq!(second("years", &[out_of_range]), Err(vec![OutOfRange { min: 0, max: 100 }]), "{out_of_range}");
    }
    for not_a_number in ["1.5", "1,5", "12 år", "tolv", "1 2", "+3", "-", "0x10", "1e2", "٣.٥"] {
        assert_eq!(second("years", &[not_a_number]), Err(vec![NotANumber]), "{not_a_number}");
    }
    assert_eq!(second("years", &["1", "2"]), Err(vec![SeveralAnswers]));
    assert_eq!(
        parse_integer(&i64::MIN.to_string(), i64::MIN, i64::MAX),
        Err(OutOfRange { min: i64::MIN, max: i64::MAX })
    );
    assert_eq!(parse_integer("-9223372036854775807", i64::MIN, 0), Ok(-i64::MAX));
}

#[test]
fn a_text_is_trimmed_and_counted_in_characters() {
    assert_eq!(second("comment", &["  hej  "]), Ok(Some(AnswerValue::Text("hej".to_owned()))));
    assert_eq!(second("comment", &["åäöåäöåäöå"]), Ok(Some(AnswerValue::Text("åäöåäöåäöå".to_owned()))), "20 bytes");
    assert_eq!(second("comment", &["åäöåäöåäöåä"]), Err(vec![TooLong { max: 10 }]));
    assert_eq!(second("comment", &["a\r\nb\rc\td"]), Ok(Some(AnswerValue::Text("a\nb\nc\td".to_owned()))));
    assert_eq!(second("comment", &[" \r\n "]), Ok(None));
    for bad in ["a\u{0}b", "a\u{1b}b", "a\u{7f}", "x\u{85}y"] {
        assert_eq!(second("comment", &[bad]), Err(vec![BadCharacters]), "{bad:?}");
    }
    assert_eq!(second("comment", &["a", "b"]), Err(vec![SeveralAnswers]));
    assert_eq!(second("comment", &["a", "  "]), Ok(Some(AnswerValue::Text("a".to_owned()))));
}

#[test]
fn a_follow_up_is_dropped_when_its_parent_is_unanswered_and_refused_when_its_parent_says_otherwise() {
    for victim in [&[""][..], &[]] {
        let answers = section(0, &[("victim", victim), ("reported", &["maybe"])]).unwrap();
        assert_eq!(answers.get("reported"), None, "{victim:?}");
    }
    // "No", then the follow-up answered all the same (both are on the page without JavaScript): the resident is
    // asked which holds, nothing is dropped silently. An empty follow-up is no contradiction.
    let contradicted = section(0, &[("victim", &["no"]), ("reported", &["maybe"])]);
    assert_eq!(contradicted, Err(vec![AnswerError { item: "reported".to_owned(), problem: NotAsked }]));
    assert_eq!(section(0, &[("victim", &["no"]), ("reported", &[" "])]).unwrap().get("reported"), None);
    // An invalid parent is an error of its own; its follow-up is not asked, so it is neither required nor checked.
    let errors = section(0, &[("victim", &["kanske"]), ("reported", &["x"])]);
    assert_eq!(errors, Err(vec![AnswerError { item: "victim".to_owned(), problem: NotAnOption }]));
}

#[test]
fn a_required_follow_up_is_required_only_when_shown() {
    let result = section(0, &[("victim", &["yes"])]);
    assert_eq!(result, Err(vec![AnswerError { item: "reported".to_owned(), problem: Required }]));
    let answers = section(0, &[("victim", &["yes"]), ("reported", &["yes"])]);
    assert_eq!(answers.unwrap().get("reported"), Some(&AnswerValue::Choice("yes".to_owned())));
    assert!(section(0, &[("victim", &["no"])]).is_ok());
}

#[test]
fn a_draft_is_checked_without_asking_for_the_required_questions_not_reached_yet() {
    let instrument = sample();
    // The first page saved: the second page's required age is not answered yet.
    let draft = raw(&[("victim", &["yes"]), ("reported", &["yes"])]);
    let whole = instrument.validate_all(&draft).unwrap_err();
    assert!(whole.iter().any(|error| error.item == "age" && error.problem == Required), "{whole:?}");
    let saved = instrument.validate_saved(&draft).unwrap();
    assert_eq!(saved.get("reported"), Some(&AnswerValue::Choice("yes".to_owned())));
    // An answer that does not fit is still an error, named by the answer that is there.
    let damaged = raw(&[("victim", &["kanske"])]);
    let errors = instrument.validate_saved(&damaged);
    assert_eq!(errors, Err(vec![AnswerError { item: "victim".to_owned(), problem: NotAnOption }]));
}

#[test]
fn a_condition_on_a_multiple_choice_item_holds_when_the_option_is_among_those_chosen() {
    let with = section(0, &[("transport", &["walk", "bus"]), ("bus_safe", &["no"])]);
    assert!(with.unwrap().get("bus_safe").is_some());
    let without = section(0, &[("transport", &["walk", "car"]), ("bus_safe", &["no"])]);
    assert_eq!(without, Err(vec![AnswerError { item: "bus_safe".to_owned(), problem: NotAsked }]));
    let unasked = section(0, &[("transport", &["walk", "car"])]);
    assert!(unasked.unwrap().get("bus_safe").is_none());
}

#[test]
fn a_condition_may_refer_to_an_earlier_section() {
    let instrument = sample();
    let page_two = raw(&[("age", &["old"]), ("why_reported", &["Det var allvarligt."])]);
    let reported = section(0, &[("victim", &["yes"]), ("reported", &["yes"])]).unwrap();
    let answers = instrument.validate_section(1, &page_two, &reported).unwrap();
    assert_eq!(answers.get("why_reported"), Some(&AnswerValue::Text("Det var allvarligt.".to_owned())));
    assert_eq!(answers.get("victim"), None, "only the section's own answers are returned");
    let answers = instrument.validate_section(1, &page_two, &Answers::default()).unwrap();
    assert_eq!(answers.get("why_reported"), None);
}

#[test]
fn a_section_answered_again_replaces_its_answers_and_drops_stale_follow_ups() {
    let instrument = sample();
    let mut answers = all(&[
        ("victim", &["yes"]),
        ("reported", &["yes"]),
        ("littering", &["big"]),
        ("age", &["young"]),
        ("why_reported", &["Ja"]),
    ])
    .unwrap();
    let again = section(0, &[("victim", &["no"])]).unwrap();
    instrument.replace_section(&mut answers, 0, again);
    let left: Vec<&str> = answers.iter().map(|(item, _)| item).collect();
    assert_eq!(left, ["age", "victim"], "littering was cleared, reported and why_reported are no longer asked");
}

#[test]
fn merge_lets_newer_answers_win() {
    let mut answers = section(0, &[("littering", &["big"])]).unwrap();
    let newer = section(0, &[("littering", &["none"]), ("victim", &["no"])]).unwrap();
    answers.merge(newer);
    assert_eq!(answers.len(), 2);
    assert_eq!(answers.get("littering"), Some(&AnswerValue::Choice("none".to_owned())));
}

#[test]
fn validate_all_reports_every_problem_and_ignores_unknown_fields() {
    let errors = all(&[("littering", &["huge"]), ("years", &["ett"]), ("csrf_token", &["abc"])]).unwrap_err();
    let problems: Vec<(&str, AnswerProblem)> =
        errors.iter().map(|error| (error.item.as_str(), error.problem)).collect();
    assert_eq!(problems, [("littering", NotAnOption), ("age", Required), ("years", NotANumber)]);
    assert_eq!(errors[0].to_string(), "littering: NotAnOption");
    assert_eq!(errors[0].problem.text().swedish(), "Välj ett av alternativen.");
    let answers = all(&[("age", &["young"]), ("csrf_token", &["abc"])]).unwrap();
    assert_eq!(answers.len(), 1);
    assert!(section(9, &[("age", &["young"])]).unwrap().is_empty());
}

#[test]
fn messages_are_short_and_kind_in_swedish_and_english() {
    let cases = [
        (Required, "Svara på den här frågan.", "Please answer this question."),
        (NotAnOption, "Välj ett av alternativen.", "Please choose one of the options."),
        (SeveralAnswers, "Ge bara ett svar på den här frågan.", "Please give only one answer to this question."),
        (TooMany { max: 1 }, "Välj bara ett alternativ.", "Please choose only one option."),
        (TooMany { max: 3 }, "Välj högst 3 alternativ.", "Please choose at most 3 options."),
        (NotANumber, "Skriv bara siffror, till exempel 12.", "Please use digits only, for example 12."),
        (
            OutOfRange { min: 0, max: 120 },
            "Skriv en siffra mellan 0 och 120.",
            "Please enter a number between 0 and 120.",
        ),
        (
            OutOfRange { min: -5, max: 25_000 },
            "Skriv en siffra mellan -5 och 25\u{a0}000.",
            "Please enter a number between -5 and 25,000.",
        ),
        (
            TooLong { max: 2000 },
            "Texten är för lång. Korta den till högst 2000 tecken.",
            "The text is too long. Please shorten it to at most 2,000 characters.",
        ),
        (
            BadCharacters,
            "Texten innehåller osynliga tecken som inte kan sparas. Prova att skriva den igen.",
            "The text contains hidden characters that cannot be saved. Please try typing it again.",
        ),
    ];
    for (problem, swedish, english) in cases {
        assert_eq!(crate::i18n::say("sv", &problem.text()), swedish);
        assert_eq!(crate::i18n::say("en", &problem.text()), english);
        for lang in crate::i18n::page_languages().iter().filter(|lang| !["sv", "en"].contains(&lang.as_str())) {
            let said = crate::i18n::say(lang, &problem.text());
            assert!(said != swedish && said != english && !said.is_empty(), "{lang} has its own: {said}");
        }
        assert_eq!(crate::i18n::say("xx", &problem.text()), swedish, "a language without texts falls back to Swedish");
    }
}

#[test]
fn rows_round_trip() {
    let instrument = sample();
    let answers = all(&[
        ("littering", &["dont_know"]),
        ("victim", &["yes"]),
        ("reported", &["yes"]),
        ("transport", &["walk", "bus"]),
        ("bus_safe", &["yes"]),
        ("age", &["old"]),
        ("years", &["-0"]),
        ("comment", &["rad\r\nrad"]),
        ("why_reported", &["Därför."]),
    ])
    .unwrap();
    let rows = answers.rows();
    assert_eq!(rows.len(), answers.len() + 1, "two rows for the two options chosen");
    let transport: Vec<&str> =
        rows.iter().filter(|row| row.item_id == "transport").filter_map(|row| row.option_code.as_deref()).collect();
    assert_eq!(transport, ["bus", "walk"]);
    assert!(rows.iter().all(|row| {
        [row.option_code.is_some(), row.number.is_some(), row.text.is_some()].into_iter().filter(|set| *set).count()
            == 1
    }));
    assert_eq!(Answers::from_rows(&instrument, rows.iter().rev().cloned()), Ok(answers.clone()));
    assert_eq!(Answers::from_rows(&instrument, Vec::new()), Ok(Answers::default()));
    let filled = instrument.validate_all(&answers.to_raw()).unwrap();
    assert_eq!(filled, answers, "to_raw fills a form that gives the same answers");
}

#[test]
fn rows_that_do_not_fit_the_instrument_are_refused() {
    let instrument = sample();
    let row = |item: &str, code: Option<&str>, number: Option<i64>, text: Option<&str>| AnswerRow {
        item_id: item.to_owned(),
        position: 0,
        option_code: code.map(str::to_owned),
        number,
        text: text.map(str::to_owned),
    };
    let refused = |rows: Vec<AnswerRow>| Answers::from_rows(&instrument, rows).unwrap_err();
    let error = refused(vec![row("gone", Some("yes"), None, None)]);
    assert_eq!(error, RowError { item: "gone".to_owned(), problem: RowProblem::UnknownItem });
    assert_eq!(error.to_string(), "stored answer to \"gone\": the instrument has no such item");
    assert_eq!(refused(vec![row("years", Some("12"), None, None)]).problem, RowProblem::WrongKind);
    assert_eq!(refused(vec![row("victim", Some("yes"), Some(1), None)]).problem, RowProblem::WrongKind);
    assert_eq!(refused(vec![row("comment", None, None, None)]).problem, RowProblem::WrongKind);
    assert_eq!(refused(vec![row("years", None, Some(101), None)]).problem, RowProblem::NotAnAnswer);
    assert_eq!(refused(vec![row("victim", Some("maybe"), None, None)]).problem, RowProblem::NotAnAnswer);
    let twice = vec![row("victim", Some("yes"), None, None), row("victim", Some("no"), None, None)];
    assert_eq!(refused(twice).problem, RowProblem::NotAnAnswer);
    let three = ["bus", "walk", "car"].map(|code| row("transport", Some(code), None, None)).to_vec();
    assert_eq!(refused(three).problem, RowProblem::NotAnAnswer);
}

#[test]
fn the_default_instrument_takes_a_complete_paper_form() {
    let instrument = super::super::default_instrument().unwrap();
    let mut form = RawAnswers::new();
    for item in instrument.items() {
        let value = match &item.kind {
            ItemKind::Number { .. } => "3".to_owned(),
            ItemKind::Text { .. } => "Bra område.".to_owned(),
            _ => instrument.choice_codes(item).unwrap()[0].to_owned(),
        };
        form.insert(item.id.clone(), vec![value]);
    }
    let answers = instrument.validate_all(&form).unwrap();
    // Every first option of a yes/no item is "yes", so every follow-up is shown and kept.
    assert_eq!(answers.len(), instrument.items().count());
    assert_eq!(Answers::from_rows(&instrument, answers.rows()), Ok(answers));
}

#[test]
fn an_option_that_rules_out_the_others_is_taken_alone() {
    let instrument = crate::domain::instrument::default_instrument().unwrap();
    let section = instrument.sections.iter().position(|s| s.items.iter().any(|i| i.id == "unsafe_places")).unwrap();
    let check = |chosen: &[&str]| {
        let form = raw(&[("unsafe_places", chosen)]);
        instrument
            .validate_section(section, &form, &Answers::default())
            .map(|answers| answers.get("unsafe_places").cloned())
    };
    let alone = AnswerValue::Choices(vec!["no_place".to_owned()]);
    assert_eq!(check(&["no_place"]), Ok(Some(alone)), "\"no such place\" differs from no answer");
    assert_eq!(check(&[]), Ok(None));
    let places = AnswerValue::Choices(vec!["town_centre".to_owned(), "parks".to_owned()]);
    assert_eq!(check(&["town_centre", "parks"]), Ok(Some(places)));
    let both = check(&["parks", "no_place"]);
    assert_eq!(both, Err(vec![AnswerError { item: "unsafe_places".to_owned(), problem: ExclusiveWithOthers }]));
    assert_eq!(
        crate::i18n::say("sv", &ExclusiveWithOthers.text()),
        "Ett av dina val utesluter de andra. Välj det ensamt, eller bara de andra."
    );
}
