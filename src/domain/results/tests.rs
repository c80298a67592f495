//! Known answers for the results: each figure against a second computation written out here, to 1e-9.

use super::codebook::{Codebook, Respondent};
use super::compute::{Margin, Request, compute};
use super::disclosure::Disclosure;
use super::estimate::{Group, estimate};
use super::figures::GroupResults;
use super::protect::protect;
use super::stats::student_t_quantile;
use crate::domain::instrument::Instrument;

/// A questionnaire of two problem items in one area, one in another, a yes/no item with a follow-up, and a
/// background item with two answers.
fn instrument() -> Instrument {
    let text = |sv: &str| format!(r#"{{ "sv": "{sv}" }}"#);
    let json = format!(
        r#"{{ "key": "t", "version": "1", "languages": ["sv"], "title": {title},
        "scales": {{ "problem": {{ "options": [
            {{ "code": "none", "weight": 0, "label": {a} }}, {{ "code": "small", "weight": 2, "label": {b} }},
            {{ "code": "big", "weight": 4, "label": {c} }}, {{ "code": "huge", "weight": 6, "label": {d} }} ],
            "dont_know": {{ "code": "dont_know", "label": {e} }} }} }},
        "sections": [
          {{ "id": "s1", "area": "outdoor", "title": {t1}, "items": [
            {{ "id": "litter", "type": "scale", "scale": "problem", "text": {q} }},
            {{ "id": "graffiti", "type": "scale", "scale": "problem", "text": {q} }} ] }},
          {{ "id": "s2", "area": "disorder", "title": {t2}, "items": [
            {{ "id": "speeding", "type": "scale", "scale": "problem", "text": {q} }} ] }},
          {{ "id": "s3", "area": "victims", "title": {t3}, "items": [
            {{ "id": "theft", "type": "yes_no", "text": {q} }},
            {{ "id": "theft_reported", "type": "yes_no", "text": {q},
               "show_if": {{ "item": "theft", "equals": "yes" }} }} ] }},
          {{ "id": "s4", "title": {t4}, "items": [
            {{ "id": "gender", "type": "single", "text": {q},
               "options": [ {{ "code": "woman", "label": {a} }}, {{ "code": "man", "label": {b} }} ] }} ] }} ] }}"#,
        title = text("T"),
        a = text("a"),
        b = text("b"),
        c = text("c"),
        d = text("d"),
        e = text("e"),
        t1 = text("1"),
        t2 = text("2"),
        t3 = text("3"),
        t4 = text("4"),
        q = text("Fråga"),
    );
    Instrument::load(&json).expect("the fixture loads")
}

/// A respondent of municipality 0 from its values: litter, graffiti, speeding (code index + 1, 5 = don't know,
/// 0 = none), theft, reported (1 = yes, 2 = no), gender (1 = woman, 2 = man).
fn respondent(values: [u32; 6]) -> Respondent {
    Respondent { municipality: 0, values: values.into() }
}

fn group<'a>(respondents: &'a [Respondent], weights: Vec<f64>) -> Group<'a> {
    Group {
        code: "0001".into(),
        name: "Kommunen".into(),
        respondents: respondents.iter().collect(),
        weighted: weights.iter().any(|&w| w != 1.0),
        weights,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The textbook t interval of a sample.
fn t_interval(values: &[f64]) -> (f64, [f64; 2]) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = student_t_quantile(0.975, n - 1.0) * (variance / n).sqrt();
    (mean, [mean - half, mean + half])
}

fn sample() -> Vec<Respondent> {
    vec![
        respondent([1, 2, 4, 1, 1, 1]),
        respondent([2, 2, 3, 1, 2, 2]),
        respondent([2, 3, 5, 2, 0, 1]),
        respondent([3, 4, 1, 2, 0, 2]),
        respondent([4, 4, 2, 2, 0, 1]),
        respondent([5, 1, 2, 1, 1, 2]),
        respondent([0, 0, 0, 0, 0, 0]),
    ]
}

#[test]
fn an_item_index_is_the_mean_weight_of_valid_answers_with_its_t_interval() {
    let codebook = Codebook::new(&instrument());
    let respondents = sample();
    let results = estimate(&codebook, &group(&respondents, vec![1.0; respondents.len()]));
    let litter = &results.items[0];
    // none, small, small, big, huge; don't know apart; one did not answer.
    let (mean, ci) = t_interval(&[0.0, 2.0, 2.0, 4.0, 6.0]);
    assert!(close(litter.index.unwrap(), mean) && close(mean, 2.8));
    let got = litter.ci95.unwrap();
    assert!(close(got[0], ci[0]) && close(got[1], ci[1]), "{got:?} {ci:?}");
    assert_eq!((litter.valid, litter.dont_know), (Some(5), Some(1)));
    assert!(close(litter.dont_know_percent.unwrap(), 100.0 / 6.0));
    let percents: Vec<f64> = litter.options.iter().map(|option| option.percent.unwrap()).collect();
    assert!(close(percents.iter().sum::<f64>(), 100.0));
    assert!(close(percents[1], 200.0 / 6.0));
}

#[test]
fn an_area_answered_in_full_has_the_interval_of_the_respondents_own_means() {
    let codebook = Codebook::new(&instrument());
    // Everyone answers both outdoor items: the area's linearised interval is the t interval of each person's mean.
    let respondents: Vec<Respondent> = [[1, 2], [2, 2], [2, 3], [3, 4], [4, 4], [1, 1], [4, 2]]
        .iter()
        .map(|&[a, b]| respondent([a, b, 0, 0, 0, 0]))
        .collect();
    let results = estimate(&codebook, &group(&respondents, vec![1.0; respondents.len()]));
    let weight = |code: u32| f64::from(code - 1) * 2.0;
    let own: Vec<f64> = respondents.iter().map(|r| (weight(r.values[0]) + weight(r.values[1])) / 2.0).collect();
    let (mean, ci) = t_interval(&own);
    let outdoor = &results.areas[0];
    assert!(close(outdoor.index.unwrap(), mean));
    let got = outdoor.ci95.unwrap();
    assert!(close(got[0], ci[0]) && close(got[1], ci[1]), "{got:?} {ci:?}");
    // The total is the mean of the areas that have an index: only this one here.
    assert!(close(results.total.index.unwrap(), mean));
    assert_eq!(results.areas[2].index, None, "victimisation has no scale item");
}

#[test]
fn weighted_indices_use_the_linearised_variance_and_the_effective_sample_size() {
    let codebook = Codebook::new(&instrument());
    let respondents = sample();
    let weights = vec![0.5, 1.5, 1.0, 2.0, 0.8, 1.2, 1.0];
    let results = estimate(&codebook, &group(&respondents, weights.clone()));
    let valid: Vec<(f64, f64)> = respondents
        .iter()
        .zip(&weights)
        .filter(|(r, _)| (1..=4).contains(&r.values[0]))
        .map(|(r, &w)| (w, f64::from(r.values[0] - 1) * 2.0))
        .collect();
    let total: f64 = valid.iter().map(|(w, _)| w).sum();
    let mean = valid.iter().map(|(w, x)| w * x).sum::<f64>() / total;
    let n = valid.len() as f64;
    let variance = n / (n - 1.0) * valid.iter().map(|(w, x)| (w * (x - mean) / total).powi(2)).sum::<f64>();
    let effective = total.powi(2) / valid.iter().map(|(w, _)| w * w).sum::<f64>();
    let half = student_t_quantile(0.975, effective - 1.0) * variance.sqrt();
    let litter = &results.items[0];
    assert!(close(litter.index.unwrap(), mean));
    let got = litter.ci95.unwrap();
    assert!(close(got[0], mean - half) && close(got[1], mean + half), "{got:?}");
}

#[test]
fn shares_count_only_those_who_were_asked() {
    let codebook = Codebook::new(&instrument());
    let respondents = sample();
    let results = estimate(&codebook, &group(&respondents, vec![1.0; respondents.len()]));
    let theft = &results.shares[0];
    assert_eq!((theft.yes, theft.valid), (Some(3), Some(6)));
    assert!(close(theft.percent.unwrap(), 50.0));
    let reported = &results.shares[1];
    assert_eq!((reported.yes, reported.valid), (Some(2), Some(3)), "only the victims were asked");
    let [low, high] = theft.ci95.unwrap();
    let wilson = super::stats::wilson_interval(3.0, 6.0).unwrap();
    assert!(close(low, 100.0 * wilson[0]) && close(high, 100.0 * wilson[1]));
}

#[test]
fn every_index_stays_in_its_scale_and_every_interval_holds_its_estimate() {
    let codebook = Codebook::new(&instrument());
    let mut seed = 7_u64;
    let mut next = |modulo: u32| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) % u64::from(modulo)) as u32
    };
    for _ in 0..200 {
        let size = 2 + next(60) as usize;
        let respondents: Vec<Respondent> =
            (0..size).map(|_| respondent([next(6), next(6), next(6), next(3), next(3), next(3)])).collect();
        let weights: Vec<f64> = (0..size).map(|_| 0.3 + f64::from(next(100)) / 40.0).collect();
        let results = estimate(&codebook, &group(&respondents, weights));
        let indices = results.items.iter().map(|i| (i.index, i.ci95));
        let indices = indices.chain(results.areas.iter().chain([&results.total]).map(|a| (a.index, a.ci95)));
        for (index, ci) in indices {
            let Some(index) = index else { continue };
            assert!((-1e-12..=6.0 + 1e-12).contains(&index), "{index}");
            if let Some([low, high]) = ci {
                assert!(low <= index + 1e-12 && index <= high + 1e-12, "{low} {index} {high}");
            }
        }
    }
}

fn two_municipalities(small: usize) -> (Codebook, Vec<Respondent>) {
    let codebook = Codebook::new(&instrument());
    let mut respondents = Vec::new();
    for index in 0..40 {
        let values =
            [1 + (index % 4) as u32, 1 + (index % 3) as u32, 2, 1 + (index % 2) as u32, 0, 1 + (index % 2) as u32];
        respondents.push(Respondent { municipality: 0, values: values.into() });
    }
    for index in 0..small {
        let values = [1 + (index % 4) as u32, 2, 3, 2, 0, 2];
        respondents.push(Respondent { municipality: 1, values: values.into() });
    }
    (codebook, respondents)
}

fn results_of(codebook: &Codebook, respondents: &[Respondent], by: Option<usize>) -> super::compute::Results {
    let municipalities = vec![("0001".into(), "Stora".into(), Vec::new()), ("0002".into(), "Lilla".into(), Vec::new())];
    compute(&Request { codebook, municipalities, respondents, weighted: false, by })
}

/// Every figure a group shows that the rules forbid.
fn forbidden(group: &GroupResults, rules: &Disclosure) -> Vec<String> {
    let mut found = Vec::new();
    let small = |count: Option<u64>| count.is_some_and(|c| c > 0 && c < rules.min_cell);
    for item in &group.items {
        if item.index.is_some() && item.valid.is_none_or(|v| v < rules.min_base) {
            found.push(format!("{}: index on {:?}", item.id, item.valid));
        }
        for option in &item.options {
            if small(option.count) {
                found.push(format!("{}.{}: count {:?}", item.id, option.code, option.count));
            }
        }
        if small(item.valid) || small(item.dont_know) {
            found.push(format!("{}: small count", item.id));
        }
    }
    for share in &group.shares {
        if share.percent.is_some() && share.valid.is_none_or(|v| v < rules.min_base) || small(share.yes) {
            found.push(format!("{}: share", share.id));
        }
    }
    for part in &group.groups {
        found.extend(forbidden(part, rules));
    }
    found
}

#[test]
fn a_small_municipality_shows_no_figure_the_rules_forbid_and_cannot_be_recovered_from_the_total() {
    let rules = Disclosure { min_base: 30, min_cell: 5 };
    let (codebook, respondents) = two_municipalities(12);
    let mut results = results_of(&codebook, &respondents, Some(5));
    protect(&mut results, &rules);
    for group in results.municipalities.iter().chain(results.total.iter()) {
        assert_eq!(forbidden(group, &rules), Vec::<String>::new(), "{}", group.code);
    }
    let (big, little, total) =
        (&results.municipalities[0], &results.municipalities[1], results.total.as_ref().unwrap());
    // The small municipality's litter index is hidden (12 answers); so is the total's, which would give it away.
    assert!(little.items[0].suppressed && little.items[0].index.is_none());
    assert!(big.items[0].index.is_some(), "the large municipality keeps its figures");
    assert!(total.items[0].suppressed && total.items[0].index.is_none(), "the total would reveal the small one");
    // Each option count hidden in one municipality is hidden in another too, so the total does not give it away.
    for (slot, item) in total.items.iter().enumerate() {
        for (code, option) in item.options.iter().enumerate() {
            if option.count.is_none() {
                continue;
            }
            let hidden = results.municipalities.iter().filter(|m| m.items[slot].options[code].count.is_none()).count();
            assert!(hidden != 1, "{}.{} can be recovered from the total", item.id, option.code);
        }
    }
}

#[test]
fn raked_weights_reproduce_the_population_margins() {
    let (codebook, respondents) = two_municipalities(0);
    let gender = codebook.slot("gender").unwrap();
    let margins = vec![Margin { slot: gender, population: vec![600.0, 400.0] }];
    let ours: Vec<&Respondent> = respondents.iter().filter(|r| r.municipality == 0).collect();
    let weights = super::compute::population_weights(&codebook, &ours, &margins).unwrap();
    let women: f64 = ours.iter().zip(&weights).filter(|(r, _)| r.values[gender] == 1).map(|(_, w)| w).sum();
    assert!(close(weights.iter().sum::<f64>(), 1000.0));
    assert!(close(women, 600.0), "{women}");
}

#[test]
fn a_percentage_is_hidden_with_the_count_it_would_give_away() {
    let rules = Disclosure { min_base: 30, min_cell: 5 };
    let codebook = Codebook::new(&instrument());
    // 40 respondents: 3 stolen from ("yes"), 3 "don't know" on litter; everyone answers everything else.
    let respondents: Vec<Respondent> = (0..40)
        .map(|index| {
            let theft = if index < 3 { 1 } else { 2 };
            let litter = if index >= 37 { 5 } else { 1 + (index % 4) as u32 };
            Respondent { municipality: 0, values: [litter, 2, 2, theft, 0, 1].into() }
        })
        .collect();
    let municipalities = vec![("0001".into(), "Kommunen".into(), Vec::new())];
    let mut results =
        compute(&Request { codebook: &codebook, municipalities, respondents: &respondents, weighted: false, by: None });
    protect(&mut results, &rules);
    let group = &results.municipalities[0];
    let theft = &group.shares[0];
    assert_eq!((theft.yes, theft.percent, theft.ci95), (None, None, None), "3 of 40 is 7.5 %: the count follows");
    assert!(theft.suppressed);
    let litter = &group.items[0];
    assert_eq!((litter.dont_know, litter.dont_know_percent), (None, None), "3 of 40 don't know");
    assert!(litter.index.is_some(), "the index on 37 valid answers stays");
}
