//! Population margins' unit tests: the background items, the checks against the questionnaire and reading a file.

use super::*;
use crate::domain::instrument::default_instrument;

const GENDER: &str = "gender;woman;5100\ngender;man;5000\ngender;other_or_no_answer;40\n";

fn margins(items: &[(&str, &[(&str, i64)])]) -> Margins {
    Margins(
        items
            .iter()
            .map(|(item, counts)| {
                (item.to_string(), counts.iter().map(|(code, count)| (code.to_string(), *count)).collect())
            })
            .collect(),
    )
}

fn gender(woman: i64, man: i64, other: i64) -> Margins {
    margins(&[("gender", &[("woman", woman), ("man", man), ("other_or_no_answer", other)])])
}

fn fields(problems: &[MarginProblem]) -> Vec<String> {
    problems.iter().map(MarginProblem::field).collect()
}

#[test]
fn background_items_are_the_single_choice_items_outside_the_index_areas() {
    let instrument = default_instrument().unwrap();
    let ids: Vec<&str> = background_items(&instrument).map(|item| item.id.as_str()).collect();
    assert_eq!(ids, ["age_band", "gender", "housing", "municipality_part"]);
    let age = instrument.item("age_band").unwrap();
    assert_eq!(option_codes(age), ["16_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_85"]);
    assert!(option_codes(instrument.item("years_in_area").unwrap()).is_empty());
}

#[test]
fn complete_margins_pass_and_empty_margins_remove() {
    let instrument = default_instrument().unwrap();
    assert!(check(&gender(5100, 5000, 0), &instrument).is_empty());
    assert!(check(&Margins::default(), &instrument).is_empty());
    assert_eq!(gender(5100, 5000, 40).total("gender"), 10_140);
    assert_eq!(gender(5100, 5000, 40).total("age_band"), 0);
}

#[test]
fn unknown_items_and_options_are_named() {
    let instrument = default_instrument().unwrap();
    let problems = check(&margins(&[("shoe_size", &[("42", 10)]), ("littering", &[("none", 3)])]), &instrument);
    assert_eq!(fields(&problems), ["margins.littering", "margins.shoe_size"]);
    assert!(problems[0].reason.swedish().contains("ingen bakgrundsfråga"), "{problems:?}");
    assert!(problems[1].reason.swedish().contains("ingen fråga shoe_size"), "{problems:?}");
    assert!(problems[1].reason.swedish().contains("age_band, gender, housing, municipality_part"), "{problems:?}");

    let mut wrong = gender(1, 1, 1);
    wrong.0.get_mut("gender").unwrap().insert("robot".into(), 3);
    let problems = check(&wrong, &instrument);
    assert_eq!(fields(&problems), ["margins.gender.robot"]);
    assert!(problems[0].reason.swedish().contains("woman, man, other_or_no_answer"), "{problems:?}");
}

#[test]
fn every_option_is_given_none_negative_or_huge_and_not_all_zero() {
    let instrument = default_instrument().unwrap();
    let missing = margins(&[("gender", &[("woman", 10)])]);
    let problems = check(&missing, &instrument);
    assert_eq!(fields(&problems), ["margins.gender"]);
    assert!(problems[0].reason.swedish().contains("man, other_or_no_answer"), "{problems:?}");

    let problems = check(&gender(-1, 5, MAX_POPULATION + 1), &instrument);
    assert_eq!(fields(&problems), ["margins.gender.other_or_no_answer", "margins.gender.woman"]);
    assert!(problems[1].reason.swedish().contains("negativt"));

    let problems = check(&gender(0, 0, 0), &instrument);
    assert_eq!(fields(&problems), ["margins.gender"]);
    assert!(problems[0].reason.swedish().contains("Alla antal"));
}

#[test]
fn a_file_reads_with_any_delimiter_a_header_and_a_byte_order_mark() {
    let instrument = default_instrument().unwrap();
    for text in [
        GENDER.to_owned(),
        format!("\u{feff}fråga;svar;antal\r\n{}", GENDER.replace('\n', "\r\n")),
        GENDER.replace(';', ","),
        format!("item\toption\tpopulation\n{}", GENDER.replace(';', "\t")),
        "gender;woman;5 100;;\n\ngender;man;5\u{a0}000\ngender;other_or_no_answer;40\n".to_owned(),
    ] {
        assert_eq!(read_checked(&text, &instrument), Ok(gender(5100, 5000, 40)), "{text:?}");
    }
}

#[test]
fn every_problem_in_a_file_is_named_by_its_line() {
    let instrument = default_instrument().unwrap();
    let text = "item;option;population\n\
                gender;woman;5100\n\
                gender;man;tusen\n\
                gender;woman;3\n\
                gender;robot;1\n\
                age_band;16_24\n\
                shoe_size;42;7\n\
                ;16_24;5\n\
                gender;other_or_no_answer;-4\n";
    let problems = read_checked(text, &instrument).unwrap_err();
    let lines: Vec<u64> = problems.iter().map(|problem| problem.line).collect();
    // "man" is not reported missing as well: its line is there, with a count that cannot be read.
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9], "{problems:?}");
    let reasons: Vec<String> = problems.iter().map(|problem| problem.reason.swedish()).collect();
    assert!(reasons[0].contains("”tusen” är inget heltal"), "{reasons:?}");
    assert!(reasons[1].contains("finns redan på rad 2"), "{reasons:?}");
    assert!(reasons[2].contains("inget svarsalternativ robot"), "{reasons:?}");
    assert!(reasons[3].contains("färre än tre fält"), "{reasons:?}");
    assert!(reasons[4].contains("ingen fråga shoe_size"), "{reasons:?}");
    assert!(reasons[5].starts_with("Frågan saknas"), "{reasons:?}");
    assert!(reasons[6].contains("negativt"), "{reasons:?}");
}

#[test]
fn an_option_missing_from_a_file_is_named_on_its_items_first_line() {
    let instrument = default_instrument().unwrap();
    let problems = read_checked("gender;woman;0\ngender;man;0\nhousing;house;5\n", &instrument).unwrap_err();
    let found: Vec<(u64, String)> = problems.iter().map(|problem| (problem.line, problem.reason.swedish())).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, 1);
    assert!(found[0].1.starts_with("Antal saknas för gender: other_or_no_answer"), "{found:?}");
    assert_eq!(found[1].0, 3);
    assert!(found[1].1.starts_with("Antal saknas för housing: tenant_owned, rental, other"), "{found:?}");
    // With the missing option's count unreadable, an item whose other counts are 0 is not called all 0 either.
    let problems = read_checked("gender;woman;0\ngender;man;0\ngender;other_or_no_answer;x\n", &instrument);
    assert_eq!(problems.unwrap_err().len(), 1);
}

#[test]
fn a_file_without_counts_is_a_problem() {
    let instrument = default_instrument().unwrap();
    for text in ["", "\u{feff}", "fråga;svar;antal\n\n"] {
        let problems = read_checked(text, &instrument).unwrap_err();
        assert_eq!(problems.len(), 1, "{text:?}");
        assert_eq!(problems[0].line, 0);
        assert!(problems[0].reason.swedish().starts_with("Filen innehåller inga rader"), "{problems:?}");
    }
}

#[test]
fn only_the_first_line_can_be_a_header() {
    let (read, problems) = read_margins(&format!("{GENDER}fråga;svar;antal\n"));
    assert_eq!(read.margins, gender(5100, 5000, 40));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 4);
    assert_eq!(
        read.line_of(&MarginProblem {
            item: "gender".into(),
            option: Some("man".into()),
            reason: Text::new("problem.population.empty")
        }),
        2
    );
    assert_eq!(
        read.line_of(&MarginProblem {
            item: "gender".into(),
            option: None,
            reason: Text::new("problem.population.empty")
        }),
        1
    );
    assert_eq!(
        read.line_of(&MarginProblem {
            item: "housing".into(),
            option: None,
            reason: Text::new("problem.population.empty")
        }),
        0
    );
}
