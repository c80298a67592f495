//! Tests of both charts and of the functions they draw with.

use super::bars::LABEL_MAX;
use super::distribution::{APART_FILL, OPTION_FILLS, option_look};
use super::lines::{LineStyle, YAxis, x_ticks};
use super::svg::{MUTED, N, TEXT, WIDTH, escape, text_width, wrap_label};
use super::*;
use crate::domain::aapor;

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, month, day).unwrap()
}

fn bars(lang: &str, bars: Vec<Bar>) -> RateBars {
    RateBars {
        id: "rates".to_owned(),
        title: "Svarsfrekvens per kommun".to_owned(),
        description: "Andel inbjudna som har svarat.".to_owned(),
        lang: lang.to_owned(),
        bars,
    }
}

fn bar(label: &str, rate: Option<f64>, target: Option<f64>) -> Bar {
    Bar { label: label.to_owned(), rate, target }
}

fn lines(series: Vec<Series>, markers: Vec<(NaiveDate, String)>) -> CumulativeLines {
    CumulativeLines {
        id: "completes".to_owned(),
        title: "Klara svar per dag".to_owned(),
        description: "Kumulativt antal klara svar.".to_owned(),
        lang: "sv".to_owned(),
        series,
        markers,
    }
}

/// A survey running `days` days, with three municipalities answering at different paces and one not started.
fn survey(days: u64) -> CumulativeLines {
    let paced = |label: &str, per_day: u64| Series {
        label: label.to_owned(),
        points: (0..days)
            .map(|offset| (day(10, 1) + chrono::Days::new(offset), offset * per_day + offset / 3))
            .collect(),
    };
    lines(
        vec![
            paced("Sundsvall", 7),
            paced("Timrå", 3),
            paced("Upplands Väsby", 5),
            Series { label: "Ånge".to_owned(), points: vec![] },
        ],
        vec![(day(10, 8), "Påminnelse 1".to_owned()), (day(10, 10), "Påminnelse 2".to_owned())],
    )
}

/// The elements whose start tag begins with `start` (e.g. `rect class="bar"`).
fn elements<'a>(svg: &'a str, start: &str) -> Vec<&'a str> {
    svg.match_indices(&format!("<{start}")).map(|(at, _)| &svg[at..at + svg[at..].find('>').unwrap() + 1]).collect()
}

fn attribute(element: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let from = element.find(&key).unwrap_or_else(|| panic!("no {name} in {element}")) + key.len();
    element[from..from + element[from..].find('"').unwrap()].parse().unwrap()
}

/// A small well-formedness check: tags balance, one root, and every `&` starts an entity.
fn assert_well_formed(svg: &str) {
    let entities = |text: &str| {
        for (at, _) in text.match_indices('&') {
            let rest = &text[at..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|entity| rest.starts_with(entity)),
                "bare & in {text:?}"
            );
        }
    };
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg.trim_end();
    assert!(rest.starts_with("<svg "), "the root is not an svg");
    let mut closed_root = false;
    while let Some(start) = rest.find('<') {
        assert!(!closed_root, "content after the root element");
        let between = &rest[..start];
        assert!(!between.contains('>'), "stray > in {between:?}");
        entities(between);
        let end = start + rest[start..].find('>').expect("an unclosed tag");
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "< inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        entities(tag);
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
            closed_root = open.is_empty();
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().expect("an empty tag"));
        }
        rest = &rest[end + 1..];
    }
    assert!(rest.trim().is_empty() && open.is_empty(), "unclosed: {open:?}");
}

fn assert_accessible_frame(svg: &str, id: &str) {
    assert_well_formed(svg);
    assert!(svg.starts_with(&format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" viewBox="0 0 {} "#,
        N(WIDTH)
    )));
    assert!(svg.contains(r#"width="100%" preserveAspectRatio="xMinYMin meet">"#));
    let first_children = svg.split_once('>').unwrap().1.trim_start();
    assert!(first_children.starts_with(&format!(r#"<title id="{id}-title">"#)), "title first");
    let after_title = first_children.split_once("</title>").unwrap().1.trim_start();
    assert!(after_title.starts_with(&format!(r#"<desc id="{id}-desc">"#)), "desc second");
    assert!(svg.contains(r#"font-family="system-ui, sans-serif" font-size="24""#));
    assert!(!svg.split_once('>').unwrap().0.contains(" height="), "no fixed size");
}

#[test]
fn escape_replaces_markup_characters_and_drops_control_characters() {
    assert_eq!(escape(r#"Åre <script>&"'"#), "Åre &lt;script&gt;&amp;&quot;&#39;");
    assert_eq!(escape("a\u{0}b\u{1b}c\td"), "abc\td");
}

#[test]
fn rate_bars_have_an_accessible_frame() {
    let svg = rate_bars(&bars("sv", vec![bar("Sundsvall", Some(0.532), Some(0.6))]));
    assert_accessible_frame(&svg, "rates");
    assert!(svg.contains(r#"<title id="rates-title">Svarsfrekvens per kommun</title>"#));
    assert!(
        svg.contains("Andel inbjudna som har svarat. Sundsvall: 53,2\u{a0}%, mål 60,0\u{a0}%."),
        "the description carries the data"
    );
}

#[test]
fn ids_are_made_safe_for_aria_labelledby() {
    let mut chart = bars("sv", vec![bar("Sundsvall", Some(0.5), None)]);
    chart.id = "rates 2\"x".to_owned();
    assert_accessible_frame(&rate_bars(&chart), "rates-2-x");
}

#[test]
fn user_text_is_escaped_everywhere() {
    let evil = r#"Åre <script>&""#;
    let mut chart = bars("sv", vec![bar(evil, Some(0.5), None)]);
    chart.title = evil.to_owned();
    chart.description = evil.to_owned();
    let svg = rate_bars(&chart);
    assert_well_formed(&svg);
    assert!(!svg.contains("<script"));
    assert!(svg.contains("Åre &lt;script&gt;&amp;&quot;"));

    let mut chart = survey(5);
    chart.series[0].label = evil.to_owned();
    chart.markers[0].1 = evil.to_owned();
    chart.title = evil.to_owned();
    let svg = cumulative_lines(&chart);
    assert_well_formed(&svg);
    assert!(!svg.contains("<script"));
}

#[test]
fn bars_scale_with_the_rate() {
    let svg = rate_bars(&bars(
        "sv",
        vec![bar("Halva", Some(0.5), None), bar("Alla", Some(1.0), None), bar("Inga", Some(0.0), None)],
    ));
    let widths: Vec<f64> = elements(&svg, r#"rect class="bar""#).iter().map(|rect| attribute(rect, "width")).collect();
    assert_eq!(widths.len(), 3);
    assert!((widths[0] * 2.0 - widths[1]).abs() <= 0.2, "{widths:?}");
    assert_eq!(widths[2], 0.0);
    assert!(
        svg.contains(">50,0\u{a0}%</text>")
            && svg.contains(">100,0\u{a0}%</text>")
            && svg.contains(">0,0\u{a0}%</text>")
    );
}

#[test]
fn target_marker_sits_at_the_target_share() {
    let svg = rate_bars(&bars("en", vec![bar("Full", Some(1.0), None), bar("Half", Some(0.5), Some(0.75))]));
    let full = elements(&svg, r#"rect class="bar""#)[0];
    let (left, width) = (attribute(full, "x"), attribute(full, "width"));
    let target = elements(&svg, r#"line class="target""#);
    assert_eq!(target.len(), 1);
    assert!((attribute(target[0], "x1") - (left + 0.75 * width)).abs() <= 0.2);
    assert!(svg.contains(">50.0%</text>"), "English percentages");
    assert!(svg.contains(">Target</text>"), "a legend explains the marker");
}

#[test]
fn percentages_are_written_as_everywhere_else_in_the_service() {
    for (lang, code) in [(Lang::Sv, "sv"), (Lang::En, "en")] {
        assert_eq!(lang.percent(0.532), aapor::percent(Some(0.532), code));
    }
    assert_eq!(Lang::Sv.percent(-0.2), "0,0\u{a0}%", "a share below zero reads as 0");
    assert_eq!(Lang::Sv.percent_whole(25), "25\u{a0}%");
    assert_eq!(Lang::En.percent_whole(100), "100%");
    let svg = rate_bars(&bars("sv", vec![bar("Sundsvall", Some(0.532), None)]));
    assert!(svg.contains(">0\u{a0}%</text>") && svg.contains(">100\u{a0}%</text>"), "the axis is labelled");
}

#[test]
fn every_text_of_the_charts_is_in_both_languages() {
    for key in ["chart_no_data", "chart_no_rate", "chart_no_responses", "chart_rate", "chart_target"] {
        let (swedish, english) = (Lang::Sv.phrase(key), Lang::En.phrase(key));
        assert!(!swedish.contains(key) && !english.contains(key) && swedish != english, "{key}");
    }
    let svg = rate_bars(&bars("en", vec![bar("Ånge", Some(0.5), Some(0.6))]));
    assert!(svg.contains(">Response rate</text>") && svg.contains("Ånge: 50.0%, target 60.0%."));
    let svg = cumulative_lines(&CumulativeLines { lang: "en".to_owned(), ..survey(14) });
    assert!(svg.contains("Sundsvall: 95 completes by 14 Oct.") && svg.contains("Ånge: no responses yet."));
    assert!(svg.contains(">Ånge (no responses yet)</text>") && svg.contains("Events: Påminnelse 1 (8 Oct)"));
}

#[test]
fn the_value_moves_past_a_target_it_would_cross() {
    let svg = rate_bars(&bars("sv", vec![bar("Nära", Some(0.5), Some(0.55))]));
    let target_x = attribute(elements(&svg, r#"line class="target""#)[0], "x1");
    let value_x = attribute(elements(&svg, "text x=").into_iter().find(|t| t.contains("value")).unwrap(), "x");
    assert!(value_x > target_x);
}

#[test]
fn a_missing_rate_is_said_in_words() {
    let svg = rate_bars(&bars("sv", vec![bar("Ånge", None, Some(0.5)), bar("Nan", Some(f64::NAN), None)]));
    assert!(elements(&svg, r#"rect class="bar""#).is_empty());
    assert_eq!(svg.matches(">ingen svarsfrekvens än</text>").count(), 2);
    assert!(svg.contains("Ånge: ingen svarsfrekvens än, mål 50,0\u{a0}%."));
    let english = rate_bars(&bars("en", vec![bar("Ånge", None, None)]));
    assert!(english.contains(">no rate yet</text>"));
}

#[test]
fn rates_and_targets_outside_zero_to_one_are_drawn_at_the_ends() {
    let svg = rate_bars(&bars(
        "sv",
        vec![bar("Över", Some(12.5), Some(3.0)), bar("Under", Some(-0.2), Some(-1.0)), bar("Full", Some(1.0), None)],
    ));
    assert_well_formed(&svg);
    let widths: Vec<f64> = elements(&svg, r#"rect class="bar""#).iter().map(|rect| attribute(rect, "width")).collect();
    assert_eq!(widths[0], widths[2]);
    assert_eq!(widths[1], 0.0);
    assert!(svg.contains(">1250,0\u{a0}%</text>"), "the table's number, not a clamped one");
}

#[test]
fn long_names_wrap_onto_two_lines() {
    let svg = rate_bars(&bars("sv", vec![bar("Polisområde Västernorrland och Jämtland", Some(0.4), None)]));
    assert_eq!(elements(&svg, r#"text x="#).iter().filter(|t| t.contains("label")).count(), 2);
    assert_eq!(wrap_label("Sundsvall", LABEL_MAX), ["Sundsvall"]);
    assert_eq!(wrap_label("Malung-Sälen kommun i Dalarna", LABEL_MAX), ["Malung-Sälen", "kommun i Dalarna"]);
    assert!(wrap_label(&"x".repeat(40), LABEL_MAX)[0].ends_with('…'));
}

#[test]
fn empty_charts_say_there_is_no_data_yet() {
    let svg = rate_bars(&bars("sv", vec![]));
    assert_accessible_frame(&svg, "rates");
    assert!(svg.contains(">Inga uppgifter än</text>"));

    let svg = cumulative_lines(&lines(vec![], vec![]));
    assert_accessible_frame(&svg, "completes");
    assert!(svg.contains(">Inga svar än</text>"));

    let svg = cumulative_lines(&lines(vec![Series { label: "Ånge".to_owned(), points: vec![] }], vec![]));
    assert_accessible_frame(&svg, "completes");
    assert!(svg.contains(">Inga svar än</text>"));
}

#[test]
fn cumulative_lines_have_an_accessible_frame_and_a_legend() {
    let svg = cumulative_lines(&survey(14));
    assert_accessible_frame(&svg, "completes");
    assert_eq!(elements(&svg, r#"path class="series""#).len(), 3);
    assert_eq!(elements(&svg, r#"line class="event""#).len(), 2);
    assert!(svg.contains(">Påminnelse 1</text>"));
    assert!(svg.contains(">Ånge (inga svar än)</text>"), "a series without points is still in the legend");
    assert!(svg.contains("Sundsvall: 95 svar till och med 14/10."));
    assert!(svg.contains("Händelser: Påminnelse 1 (8/10), Påminnelse 2 (10/10)."));
}

#[test]
fn lines_rise_left_to_right_and_stay_below_the_top_of_the_axis() {
    let chart = survey(30);
    let svg = cumulative_lines(&chart);
    let highest = chart.series.iter().flat_map(|s| &s.points).map(|(_, count)| *count).max().unwrap();
    let axis = YAxis::nice(highest);
    assert!(axis.top >= highest);
    assert!(svg.contains(&format!(">{}</text>", Lang::Sv.count(axis.top))), "the top tick is labelled");
    for path in elements(&svg, r#"path class="series""#) {
        let d = path.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        let points: Vec<(f64, f64)> = d[1..]
            .split('L')
            .map(|point| {
                let (x, y) = point.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(points.len(), 30);
        for pair in points.windows(2) {
            assert!(pair[1].0 > pair[0].0, "x increases");
            assert!(pair[1].1 <= pair[0].1, "the count never falls (y grows downwards)");
        }
    }
}

#[test]
fn the_y_axis_is_round_with_four_to_six_gridlines() {
    for highest in [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 19, 23, 49, 50, 51, 99, 101, 249, 999, 1234, 98_765] {
        let axis = YAxis::nice(highest);
        let gridlines = axis.ticks().count();
        assert!((4..=6).contains(&gridlines), "{highest}: {axis:?}");
        assert!(axis.top >= highest && axis.ticks().last() == Some(axis.top), "{highest}: {axis:?}");
    }
    assert_eq!(YAxis::nice(95), YAxis { step: 20, top: 100 });
    assert_eq!(Lang::Sv.count(12_300), "12 300");
    assert_eq!(Lang::En.count(1_234_567), "1,234,567");
}

#[test]
fn day_labels_are_thinned_so_they_do_not_overlap() {
    let first = day(9, 1);
    let last = first + chrono::Days::new(59);
    for lang in [Lang::Sv, Lang::En] {
        let ticks = x_ticks(first, last, 520.0, lang);
        assert!((3..=8).contains(&ticks.len()), "{ticks:?}");
        let per_day = 520.0 / 59.0;
        for pair in ticks.windows(2) {
            let distance = (pair[1].0 - pair[0].0).num_days() as f64 * per_day;
            assert!(distance >= (text_width(&pair[0].1) + text_width(&pair[1].1)) / 2.0 + 8.0, "{pair:?}");
        }
    }
    assert_eq!(x_ticks(day(11, 3), day(11, 5), 520.0, Lang::Sv).len(), 3, "few days: every day");
    assert_eq!(Lang::Sv.day(day(11, 3)), "3/11");
    assert_eq!(Lang::En.day(day(11, 3)), "3 Nov");
}

#[test]
fn one_day_and_all_zero_still_draw() {
    let chart = lines(
        vec![
            Series { label: "Sundsvall".to_owned(), points: vec![(day(11, 3), 0)] },
            Series { label: "Timrå".to_owned(), points: vec![(day(11, 3), 0)] },
        ],
        vec![(day(11, 3), "Start".to_owned()), (day(12, 1), "Påminnelse 1".to_owned())],
    );
    let svg = cumulative_lines(&chart);
    assert_accessible_frame(&svg, "completes");
    assert!(svg.contains(">3/11</text>"));
    assert!(svg.contains("<circle") && svg.contains("<rect x="), "a marker for each single point");
    assert_eq!(elements(&svg, r#"line class="event""#).len(), 1, "events outside the days are left out");
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}

#[test]
fn lines_differ_in_more_than_colour() {
    let styles: Vec<LineStyle> = (0..12).map(LineStyle::nth).collect();
    for (a, first) in styles.iter().enumerate() {
        for second in &styles[a + 1..] {
            assert!(first.dash != second.dash || first.shape != second.shape);
        }
    }
}

fn luminance(hex: &str) -> f64 {
    let channel = |at: usize| {
        let value = f64::from(u8::from_str_radix(&hex[at..at + 2], 16).unwrap()) / 255.0;
        if value <= 0.04045 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

#[test]
fn palette_colours_contrast_with_white() {
    assert_eq!(PALETTE[0], "#0b4f9c");
    for colour in PALETTE.iter().chain(&[TEXT, MUTED]) {
        let contrast = 1.05 / (luminance(colour) + 0.05);
        assert!(contrast >= 4.5, "{colour}: {contrast:.2}");
    }
}

#[test]
fn output_is_deterministic_and_compact() {
    let chart = survey(60);
    assert_eq!(cumulative_lines(&chart), cumulative_lines(&chart));
    let svg = cumulative_lines(&chart);
    assert!(svg.split(['"', ',', ' ', 'L', 'M']).all(|part| {
        part.split_once('.')
            .is_none_or(|(_, decimals)| !decimals.bytes().all(|b| b.is_ascii_digit()) || decimals.len() <= 1)
    }));
    assert_eq!(N(-0.04).to_string(), "0");
    assert_eq!(N(12.345).to_string(), "12.3");
    assert_eq!(N(7.0).to_string(), "7");
}

/// Writes sample charts to the temp directory, for a look in a browser: `cargo test --lib charts -- --ignored`.
#[test]
#[ignore = "writes files for a visual check"]
fn write_samples() {
    let directory = std::env::temp_dir().join("charts-sample");
    std::fs::create_dir_all(&directory).unwrap();
    let rates = bars(
        "sv",
        vec![
            bar("Sundsvall", Some(0.532), Some(0.6)),
            bar("Timrå", Some(0.61), Some(0.6)),
            bar("Upplands Väsby", Some(0.18), Some(0.5)),
            bar("Ånge", None, Some(0.5)),
            bar("Härnösand", Some(0.98), Some(1.0)),
            bar("Polisområde Västernorrland", Some(0.0), None),
        ],
    );
    std::fs::write(directory.join("rate-bars.svg"), rate_bars(&rates)).unwrap();
    let english = RateBars { lang: "en".to_owned(), ..rates };
    std::fs::write(directory.join("rate-bars-en.svg"), rate_bars(&english)).unwrap();
    std::fs::write(directory.join("cumulative-lines.svg"), cumulative_lines(&survey(21))).unwrap();
    let mut long = CumulativeLines { lang: "en".to_owned(), ..survey(60) };
    long.markers = vec![(day(10, 8), "Reminder 1".to_owned()), (day(11, 27), "Reminder 2".to_owned())];
    std::fs::write(directory.join("cumulative-lines-60-en.svg"), cumulative_lines(&long)).unwrap();
    std::fs::write(directory.join("empty.svg"), cumulative_lines(&lines(vec![], vec![]))).unwrap();
    let zero = |label: &str| Series { label: label.to_owned(), points: vec![(day(11, 3), 0)] };
    let one_day = lines(vec![zero("Sundsvall"), zero("Timrå")], vec![(day(11, 3), "Start".to_owned())]);
    std::fs::write(directory.join("one-day.svg"), cumulative_lines(&one_day)).unwrap();
    std::fs::write(directory.join("distribution.svg"), distribution_bars(&distribution())).unwrap();
}

#[test]
fn the_index_chart_reads_out_each_index_with_its_interval_and_draws_no_hidden_one() {
    let chart = IndexBars {
        id: "chart-outdoor".into(),
        title: "Index, Utemiljö".into(),
        description: "Index från 0 till 6.".into(),
        lang: "sv".into(),
        bars: vec![
            IndexBar { label: "Hagfors".into(), index: Some(1.634), ci95: Some([1.402, 1.866]), ..Default::default() },
            IndexBar { label: "Munkfors".into(), ..Default::default() },
            IndexBar { label: "Totalt".into(), index: Some(1.7), total: true, ..Default::default() },
        ],
    };
    let svg = index_bars(&chart);
    assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"chart-outdoor-title\">Index, Utemiljö</title>"));
    assert!(svg.contains("Hagfors: 1,63 (95 % intervall 1,40–1,87)."), "{svg}");
    assert!(svg.contains("Munkfors: dold, för få svar."));
    assert_eq!(svg.matches(r#"class="bar""#).count(), 2, "a hidden index has no bar");
    assert_eq!(svg.matches(r#"class="whisker""#).count(), 3, "one interval: a line and two caps");

    let english = index_bars(&IndexBars { lang: "en".into(), ..chart });
    assert!(english.contains("Hagfors: 1.63 (95 % interval 1.40–1.87)."), "{english}");
    assert!(english.contains("Munkfors: hidden, too few answers.") && english.contains(">95 % interval<"));
}

/// Hagfors and the total answer a four-step scale with "don't know" apart; Munkfors is too small to show, and in
/// Sunne two options are hidden.
fn distribution() -> DistributionBars {
    let row = |label: &str, percents: [Option<f64>; 5], hidden: bool| DistributionRow {
        label: label.into(),
        percents: percents.to_vec(),
        hidden,
        total: label == "Totalt",
    };
    DistributionBars {
        lang: "sv".to_owned(),
        id: "dist-1783-littering".into(),
        title: "Nedskräpning".into(),
        description: "Svaren i procent.".into(),
        options: ["Inget problem", "Litet problem", "Ganska stort problem", "Mycket stort problem", "Vet inte"]
            .map(String::from)
            .to_vec(),
        apart: 1,
        rows: vec![
            row("Hagfors", [Some(31.3), Some(40.0), Some(18.7), Some(5.0), Some(5.0)], false),
            row("Munkfors", [None; 5], true),
            row("Sunne", [Some(50.0), Some(40.0), None, None, Some(10.0)], true),
            row("Totalt", [Some(35.0), Some(40.0), Some(15.0), Some(5.0), Some(5.0)], false),
        ],
    }
}

#[test]
fn a_distribution_reads_out_every_share_and_draws_no_group_with_a_hidden_one() {
    let svg = distribution_bars(&distribution());
    assert_accessible_frame(&svg, "dist-1783-littering");
    assert!(svg.contains(
        "Hagfors: Inget problem 31,3\u{a0}%, Litet problem 40,0\u{a0}%, Ganska stort problem 18,7\u{a0}%, Mycket stort \
         problem 5,0\u{a0}%, Vet inte 5,0\u{a0}%."
    ));
    assert!(svg.contains("Munkfors: dold, för få svar."), "{svg}");
    assert!(svg.contains("Sunne: Inget problem 50,0\u{a0}%, Litet problem 40,0\u{a0}%, Ganska stort problem dold"));
    assert!(svg.contains(">delvis dold, se tabellen<"), "a partly hidden group is not drawn");
    let english = distribution_bars(&DistributionBars { lang: "en".into(), ..distribution() });
    assert!(
        english.contains("Hagfors: Inget problem 31.3%, Litet problem 40.0%,"),
        "the chart's own words and numbers"
    );
    assert!(
        english.contains("Munkfors: hidden, too few answers.") && english.contains(">partly hidden, see the table<")
    );
    assert!(!english.contains("dold"), "{english}");
    let parts = elements(&svg, "rect class=\"part\"");
    assert_eq!(parts.len(), 10, "Hagfors and the total, five parts each");
    // "Vet inte" lies apart: after a gap, not straight after the last step of the scale.
    let (last_step, apart) = (parts[3], parts[4]);
    let end = attribute(last_step, "x") + attribute(last_step, "width");
    assert!(attribute(apart, "x") >= end + 10.0, "{last_step} {apart}");
    // Shares add up to the whole bar: the total's parts end where Hagfors' do.
    let right = |part: &str| attribute(part, "x") + attribute(part, "width");
    assert!((right(parts[4]) - right(parts[9])).abs() < 0.2);
}

#[test]
fn a_distribution_tells_options_apart_by_pattern_as_well_as_colour() {
    let svg = distribution_bars(&distribution());
    let patterns = elements(&svg, "pattern ");
    assert_eq!(patterns.len(), 5, "one pattern per option");
    let bodies: Vec<&str> = svg
        .split("<pattern ")
        .skip(1)
        .map(|rest| rest.split_once('>').unwrap().1.split("</pattern>").next().unwrap())
        .collect();
    let strokes: Vec<&str> = bodies.iter().map(|body| body.split_once("/>").unwrap().1).collect();
    for (a, first) in strokes.iter().enumerate() {
        for second in &strokes[a + 1..] {
            assert_ne!(first, second, "two options with the same pattern");
        }
    }
    assert_eq!(elements(&svg, "rect class=\"swatch\"").len(), 5, "a legend entry per option");
    for option in ["Inget problem", "Mycket stort problem", "Vet inte"] {
        assert!(svg.contains(&format!(">{option}</text>")), "{option} in the legend");
    }
    // Neighbouring options differ, and the first and last of a scale are the ends of the palette.
    for count in 2..=OPTION_FILLS.len() {
        let looks: Vec<usize> = (0..count).map(|option| option_look(option, count)).collect();
        assert!(looks.windows(2).all(|pair| pair[0] < pair[1]), "{count}: {looks:?}");
        assert_eq!((looks[0], looks[count - 1]), (0, OPTION_FILLS.len() - 1));
    }
    for colour in OPTION_FILLS.iter().chain(&[APART_FILL]) {
        let contrast = 1.05 / (luminance(colour) + 0.05);
        assert!(contrast >= 3.0, "{colour}: {contrast:.2}");
    }
}

#[test]
fn a_multiple_choice_item_has_a_bar_per_option_and_draws_no_hidden_one() {
    let chart = ChoiceBars {
        lang: "sv".to_owned(),
        id: "choice-unsafe_places".into(),
        title: "Platser".into(),
        description: String::new(),
        options: vec!["Centrum".into(), "Parker".into()],
        groups: vec![
            DistributionRow { label: "Hagfors".into(), percents: vec![Some(42.0), None], hidden: true, total: false },
            DistributionRow { label: "Munkfors".into(), percents: vec![None, None], hidden: true, total: false },
        ],
    };
    let svg = choice_bars(&chart);
    assert_accessible_frame(&svg, "choice-unsafe_places");
    assert!(svg.contains("Hagfors: Centrum 42,0\u{a0}%, Parker dold. Munkfors: dold, för få svar."), "{svg}");
    assert_eq!(elements(&svg, "rect class=\"bar\"").len(), 1);
}

#[test]
fn the_index_chart_puts_groups_under_their_municipality_and_the_earlier_wave_beside() {
    let earlier = |value: f64, change: f64, significant: bool| {
        Some(Earlier { value: Some(value), change: Some(change), significant })
    };
    let bar = |section: &str, label: &str, index: f64, before: Option<Earlier>| IndexBar {
        label: label.into(),
        section: Some(section.into()),
        index: Some(index),
        ci95: Some([index - 0.2, index + 0.2]),
        earlier: before,
        ..Default::default()
    };
    let chart = IndexBars {
        id: "by-total".into(),
        title: "Index efter kön".into(),
        description: String::new(),
        lang: "sv".into(),
        bars: vec![
            bar("Hagfors", "Kvinna", 1.634, earlier(1.8, -0.166, true)),
            bar("Hagfors", "Man", 1.5, earlier(1.45, 0.05, false)),
            bar("Munkfors", "Kvinna", 2.0, Some(Earlier::default())),
        ],
    };
    let svg = index_bars(&chart);
    assert_accessible_frame(&svg, "by-total");
    assert!(svg.contains("Hagfors, Kvinna: 1,63 (95 % intervall 1,43–1,83), förra mätningen 1,80, förändring −0,17*."));
    assert!(svg.contains("Hagfors, Man: 1,50 (95 % intervall 1,30–1,70), förra mätningen 1,45, förändring +0,05."));
    assert!(svg.contains("Munkfors, Kvinna: 2,00 (95 % intervall 1,80–2,20), förra mätningen dold eller saknas."));
    assert!(svg.contains(">1,63 (−0,17*)<") && svg.contains(">1,50 (+0,05)<"), "the change beside the index");
    assert_eq!(elements(&svg, "text x=\"12\"").iter().filter(|t| t.contains("class=\"section\"")).count(), 2);
    assert_eq!(elements(&svg, "path class=\"earlier\"").len(), 2, "a diamond where the earlier wave is known");
    assert!(svg.contains("Förra mätningen; * signifikant förändring"), "the legend explains the diamond");
}
