//! The response rates' unit tests: by hand, at the thresholds, and as properties over random counts.

use std::collections::BTreeSet;

use super::*;

/// Counts in the order of the AAPOR letters: I, P, R, NC, O, UH, UO, NE.
fn counts([i, p, r, nc, o, uh, uo, ne]: [u64; 8]) -> Counts {
    Counts {
        complete: i,
        partial: p,
        refusal_and_break_off: r,
        non_contact: nc,
        other: o,
        unknown_household: uh,
        unknown_other: uo,
        not_eligible: ne,
    }
}

/// Every field of `rates` by its serialised name, so no test can forget one.
fn fields(rates: &Rates) -> Vec<(String, Option<f64>)> {
    let serde_json::Value::Object(map) = serde_json::to_value(rates).unwrap() else { panic!("not an object") };
    map.into_iter().map(|(name, value)| (name, value.as_f64())).collect()
}

fn field(rates: &Rates, name: &str) -> Option<f64> {
    fields(rates).into_iter().find(|(field, _)| field == name).unwrap_or_else(|| panic!("no field {name}")).1
}

fn assert_rates(rates: &Rates, expected: &[(&str, f64)]) {
    let names: BTreeSet<String> = fields(rates).into_iter().map(|(name, _)| name).collect();
    let covered: BTreeSet<String> = expected.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(names, covered, "every rate needs its expected value");
    for (name, value) in expected {
        let actual = field(rates, name).unwrap_or_else(|| panic!("{name} is None"));
        assert!((actual - value).abs() < 1e-9, "{name}: {actual} != {value}");
    }
}

/// A deterministic xorshift, so the property tests need no new dependency and always run the same cases.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Often 0, so that zero denominators come up too.
    fn count(&mut self) -> u64 {
        let n = self.next();
        if n.is_multiple_of(4) { 0 } else { n % 1_000 }
    }

    fn counts(&mut self) -> Counts {
        counts(std::array::from_fn(|_| self.count()))
    }
}

#[test]
fn a_municipality_of_600_gets_every_rate_by_hand() {
    // Sample 600: 300 completes (I), 12 partials (P), 20 refusals + 15 break-offs (R = 35), NC = 0,
    // 3 deceased (O), 25 undeliverable (UO), 18 moved away (NE), and the rest not returned:
    // UH = 600 − 300 − 12 − 35 − 3 − 25 − 18 = 207.
    // E = 300 + 12 + 35 + 0 + 3 = 350, U = 207 + 25 = 232, E + U = 582 = 600 − 18.
    // e = 350 / (350 + 18) = 350/368 = 175/184 ≈ 0.951087.
    // e·U = 232 · 175/184 = 5075/23 ≈ 220.652, so E + e·U = 13125/23 ≈ 570.652.
    // RR1 = 300/582 ≈ 0.515464          RR2 = 312/582 ≈ 0.536082
    // RR3 = 300 · 23/13125 = 6900/13125 ≈ 0.525714    RR4 = 312 · 23/13125 = 7176/13125 ≈ 0.546743
    // RR5 = 300/350 ≈ 0.857143          RR6 = 312/350 ≈ 0.891429
    // COOP1 = 300/(312 + 35 + 3) = 300/350 ≈ 0.857143      COOP2 = 312/350 ≈ 0.891429
    // COOP3 = 300/(312 + 35) = 300/347 ≈ 0.864553          COOP4 = 312/347 ≈ 0.899135
    // REF1 = 35/582 ≈ 0.060137   REF2 = 35 · 23/13125 = 805/13125 ≈ 0.061333   REF3 = 35/350 = 0.1
    // CON1 = 350/582 ≈ 0.601375  CON2 = 350 · 23/13125 = 8050/13125 ≈ 0.613333  CON3 = 350/350 = 1
    // svarsfrekvens = 300/(600 − 18) = 300/582 ≈ 0.515464
    let municipality = counts([300, 12, 20 + 15, 0, 3, 207, 25, 18]);
    assert_eq!(municipality.sample(), 600);
    assert_eq!(municipality.eligible(), 350);
    assert_eq!(municipality.unknown(), 232);
    assert_rates(
        &rates(&municipality),
        &[
            ("e", 350.0 / 368.0),
            ("rr1", 300.0 / 582.0),
            ("rr2", 312.0 / 582.0),
            ("rr3", 6900.0 / 13125.0),
            ("rr4", 7176.0 / 13125.0),
            ("rr5", 300.0 / 350.0),
            ("rr6", 312.0 / 350.0),
            ("coop1", 300.0 / 350.0),
            ("coop2", 312.0 / 350.0),
            ("coop3", 300.0 / 347.0),
            ("coop4", 312.0 / 347.0),
            ("ref1", 35.0 / 582.0),
            ("ref2", 805.0 / 13125.0),
            ("ref3", 0.1),
            ("con1", 350.0 / 582.0),
            ("con2", 8050.0 / 13125.0),
            ("con3", 1.0),
            ("svarsfrekvens", 300.0 / 582.0),
        ],
    );
    assert_eq!(percent(rates(&municipality).rr1, "sv"), "51,5\u{a0}%");
}

#[test]
fn a_survey_with_non_contacts_gets_every_rate_by_hand() {
    // I = 40, P = 10, R = 20, NC = 5, O = 5, UH = 15, UO = 5, NE = 20; sample 120.
    // E = 80, U = 20, E + U = 100; e = 80/100 = 0.8, E + e·U = 96; I + P + R + O = 75.
    // RR1 = 40/100, RR2 = 50/100, RR3 = 40/96, RR4 = 50/96, RR5 = 40/80, RR6 = 50/80,
    // COOP1 = 40/75, COOP2 = 50/75, COOP3 = 40/70, COOP4 = 50/70,
    // REF1 = 20/100, REF2 = 20/96, REF3 = 20/80, CON1 = 75/100, CON2 = 75/96, CON3 = 75/80,
    // svarsfrekvens = 40/(120 − 20) = 0.4.
    assert_rates(
        &rates(&counts([40, 10, 20, 5, 5, 15, 5, 20])),
        &[
            ("e", 0.8),
            ("rr1", 0.4),
            ("rr2", 0.5),
            ("rr3", 40.0 / 96.0),
            ("rr4", 50.0 / 96.0),
            ("rr5", 0.5),
            ("rr6", 0.625),
            ("coop1", 40.0 / 75.0),
            ("coop2", 50.0 / 75.0),
            ("coop3", 40.0 / 70.0),
            ("coop4", 50.0 / 70.0),
            ("ref1", 0.2),
            ("ref2", 20.0 / 96.0),
            ("ref3", 0.25),
            ("con1", 0.75),
            ("con2", 75.0 / 96.0),
            ("con3", 75.0 / 80.0),
            ("svarsfrekvens", 0.4),
        ],
    );
}

#[test]
fn zero_denominators_give_none() {
    let none = rates(&Counts::default());
    assert!(fields(&none).iter().all(|(_, value)| value.is_none()), "{none:?}");

    // Only ineligible letters: e is 0 and every rate's denominator is 0.
    let ineligible = rates(&counts([0, 0, 0, 0, 0, 0, 0, 7]));
    assert_eq!(ineligible.e, Some(0.0));
    assert!(fields(&ineligible).iter().all(|(name, value)| name == "e" || value.is_none()), "{ineligible:?}");

    // Nothing came back yet: 0 % answered, but nothing is known about eligibility, so no e and no rate that
    // needs it or E.
    let waiting = rates(&counts([0, 0, 0, 0, 0, 300, 0, 0]));
    assert_eq!(
        (waiting.rr1, waiting.ref1, waiting.con1, waiting.svarsfrekvens),
        (Some(0.0), Some(0.0), Some(0.0), Some(0.0))
    );
    assert_eq!((waiting.e, waiting.rr3, waiting.ref2, waiting.con2), (None, None, None, None));
    assert_eq!((waiting.rr5, waiting.coop1, waiting.coop3, waiting.ref3, waiting.con3), (None, None, None, None, None));

    // Only other non-response: contacted, but no one able to answer, so COOP3 and COOP4 have nothing to count.
    let unable = rates(&counts([0, 0, 0, 0, 4, 0, 0, 0]));
    assert_eq!((unable.coop1, unable.coop3, unable.coop4), (Some(0.0), None, None));
    assert_eq!((unable.con3, unable.rr3), (Some(1.0), Some(0.0)));
}

#[test]
fn municipalities_add_up_to_the_survey_total() {
    use AaporClass as A;
    let letters = |classes: &[(AaporClass, u64)]| -> Vec<AaporClass> {
        classes.iter().flat_map(|&(class, n)| std::iter::repeat_n(class, n as usize)).collect()
    };
    let hagfors = letters(&[(A::Complete, 150), (A::Refusal, 9), (A::UnknownHousehold, 120), (A::NotEligible, 6)]);
    let munkfors = letters(&[(A::Complete, 170), (A::Partial, 4), (A::Other, 2), (A::UnknownOther, 11)]);
    let sunne = letters(&[(A::Complete, 160), (A::NonContact, 1), (A::UnknownHousehold, 130), (A::Refusal, 3)]);
    let parts: Vec<Counts> =
        [&hagfors, &munkfors, &sunne].iter().map(|letters| letters.iter().copied().collect()).collect();

    let total: Counts = [hagfors, munkfors, sunne].concat().into_iter().collect();
    assert_eq!(parts.iter().sum::<Counts>(), total);
    assert_eq!(parts.iter().copied().sum::<Counts>(), total);
    assert_eq!(parts[0] + parts[1] + parts[2], total);
    assert_eq!(total, counts([480, 4, 12, 1, 2, 250, 11, 6]));
    assert_eq!(total.sample(), parts.iter().map(Counts::sample).sum::<u64>());
    assert_eq!(std::iter::empty::<Counts>().sum::<Counts>(), Counts::default());

    let mut random = Xorshift(0x2016_1221);
    for _ in 0..200 {
        let parts: Vec<Counts> = (0..5).map(|_| random.counts()).collect();
        let total: Counts = parts.iter().sum();
        assert_eq!(total.sample(), parts.iter().map(Counts::sample).sum::<u64>());
        assert_eq!(total.eligible(), parts.iter().map(Counts::eligible).sum::<u64>());
        assert_eq!(total.unknown(), parts.iter().map(Counts::unknown).sum::<u64>());
        assert_eq!(total.not_eligible, parts.iter().map(|part| part.not_eligible).sum::<u64>());
    }
}

#[test]
fn counts_record_each_class_in_its_own_field() {
    let mut recorded = Counts::default();
    for (n, class) in AaporClass::ALL.into_iter().enumerate() {
        for _ in 0..=n {
            recorded.record(class);
        }
    }
    assert_eq!(recorded, counts([1, 2, 3, 4, 5, 6, 7, 8]));
    assert_eq!((recorded.eligible(), recorded.unknown(), recorded.sample()), (15, 13, 36));
}

#[test]
fn classify_at_the_exact_thresholds() {
    use Completeness::*;
    for (answered, applicable, expected) in [
        (7_999, 10_000, Partial), // 79.99 %
        (8_000, 10_000, Complete),
        (4_999, 10_000, BreakOff), // 49.99 %
        (5_000, 10_000, Partial),
        (4, 5, Complete), // exactly 80 %, where 4.0 / 5.0 >= 0.8 as floats would be a gamble
        (3, 5, Partial),
        (2, 5, BreakOff),
        (1, 2, Partial),
        (39, 49, Partial), // 79.6 %
        (40, 50, Complete),
        (24, 49, BreakOff), // 48.98 %
        (25, 49, Partial),  // 51.02 %
        (7, 7, Complete),
        (0, 7, BreakOff),
        (0, 0, BreakOff),
        (3, 0, BreakOff),
        (8, 7, Complete),
        (usize::MAX, usize::MAX, Complete),
        (usize::MAX / 10 * 8, usize::MAX / 10 * 10, Complete),
        (usize::MAX / 10 * 8 - 1, usize::MAX / 10 * 10, Partial),
    ] {
        assert_eq!(classify(answered, applicable), expected, "{answered} of {applicable}");
    }
    assert_eq!((COMPLETE_MIN_PERCENT, PARTIAL_MIN_PERCENT), (80, 50));
}

#[test]
fn completeness_counts_as_its_aapor_class() {
    assert_eq!(Completeness::Complete.aapor_class(), AaporClass::Complete);
    assert_eq!(Completeness::Partial.aapor_class(), AaporClass::Partial);
    assert_eq!(Completeness::BreakOff.aapor_class(), AaporClass::Refusal);
}

#[test]
fn every_rate_is_a_fraction_or_none_for_random_counts() {
    let mut random = Xorshift(0x5eed_1783);
    for _ in 0..20_000 {
        let counts = random.counts();
        let rates = rates(&counts);
        for (name, value) in fields(&rates) {
            if let Some(value) = value {
                assert!(value.is_finite() && (0.0..=1.0).contains(&value), "{name} = {value} for {counts:?}");
            }
        }
        let known = counts.eligible() > 0;
        let any = counts.eligible() + counts.unknown() > 0;
        assert_eq!(rates.rr1.is_some(), any, "{counts:?}");
        assert_eq!(rates.rr5.is_some(), known, "{counts:?}");
        assert_eq!(rates.e.is_some(), counts.eligible() + counts.not_eligible > 0, "{counts:?}");
        assert_eq!(rates.svarsfrekvens, rates.rr1, "{counts:?}");
    }
}

#[test]
fn rates_keep_their_aapor_order() {
    let mut random = Xorshift(0x0a90_0e25);
    let le = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => a <= b,
        _ => true,
    };
    for _ in 0..20_000 {
        let counts = random.counts();
        let r = rates(&counts);
        let pairs = [
            ("RR1 ≤ RR3", r.rr1, r.rr3),
            ("RR3 ≤ RR5", r.rr3, r.rr5),
            ("RR1 ≤ RR2", r.rr1, r.rr2),
            ("RR3 ≤ RR4", r.rr3, r.rr4),
            ("RR5 ≤ RR6", r.rr5, r.rr6),
            ("RR2 ≤ RR4", r.rr2, r.rr4),
            ("RR4 ≤ RR6", r.rr4, r.rr6),
            ("RR5 ≤ COOP1", r.rr5, r.coop1),
            ("COOP1 ≤ COOP2", r.coop1, r.coop2),
            ("COOP1 ≤ COOP3", r.coop1, r.coop3),
            ("COOP3 ≤ COOP4", r.coop3, r.coop4),
            ("REF1 ≤ REF2", r.ref1, r.ref2),
            ("REF2 ≤ REF3", r.ref2, r.ref3),
            ("CON1 ≤ CON2", r.con1, r.con2),
            ("CON2 ≤ CON3", r.con2, r.con3),
            ("RR2 ≤ CON1", r.rr2, r.con1),
        ];
        for (relation, smaller, larger) in pairs {
            assert!(le(smaller, larger), "{relation}: {smaller:?} > {larger:?} for {counts:?}");
        }
    }
}

/// Evaluates a definition's formula (letters, `+`, `·`, `/`, parentheses) in `letters`, so the formulas shown
/// to coordinators are checked against the ones computed.
fn evaluate(formula: &str, letters: &[(&str, f64)]) -> f64 {
    fn tokens(formula: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        let mut chars = formula.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphabetic() {
                let mut word = c.to_string();
                while let Some(&next) = chars.peek().filter(|next| next.is_alphabetic()) {
                    word.push(next);
                    chars.next();
                }
                tokens.push(word);
            } else if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
        }
        tokens
    }
    struct Parser<'a> {
        tokens: Vec<String>,
        at: usize,
        letters: &'a [(&'a str, f64)],
    }
    impl Parser<'_> {
        fn peek(&self) -> Option<&str> {
            self.tokens.get(self.at).map(String::as_str)
        }
        fn take(&mut self) -> String {
            self.at += 1;
            self.tokens[self.at - 1].clone()
        }
        fn sum(&mut self) -> f64 {
            let mut value = self.product();
            while self.peek() == Some("+") {
                self.take();
                value += self.product();
            }
            value
        }
        fn product(&mut self) -> f64 {
            let mut value = self.atom();
            while let Some(op @ ("·" | "/")) = self.peek() {
                let multiply = op == "·";
                self.take();
                let next = self.atom();
                value = if multiply { value * next } else { value / next };
            }
            value
        }
        fn atom(&mut self) -> f64 {
            let token = self.take();
            if token == "(" {
                let value = self.sum();
                assert_eq!(self.take(), ")");
                return value;
            }
            self.letters.iter().find(|(letter, _)| *letter == token).unwrap_or_else(|| panic!("{token}?")).1
        }
    }
    let mut parser = Parser { tokens: tokens(formula), at: 0, letters };
    let value = parser.sum();
    assert_eq!(parser.peek(), None, "{formula} has trailing tokens");
    value
}

#[test]
fn every_formula_shown_is_the_one_computed() {
    let mut random = Xorshift(0x0def_10e5);
    for _ in 0..2_000 {
        let c = random.counts();
        let r = rates(&c);
        let Some(e) = r.e else { continue };
        let letters = [
            ("I", c.complete as f64),
            ("P", c.partial as f64),
            ("R", c.refusal_and_break_off as f64),
            ("NC", c.non_contact as f64),
            ("O", c.other as f64),
            ("UH", c.unknown_household as f64),
            ("UO", c.unknown_other as f64),
            ("NE", c.not_eligible as f64),
            ("E", c.eligible() as f64),
            ("U", c.unknown() as f64),
            ("e", e),
        ];
        for definition in definitions() {
            let shown = evaluate(definition.formula, &letters);
            let computed = match letters.iter().find(|(letter, _)| *letter == definition.key) {
                Some(&(_, value)) => Some(value),
                None => field(&r, definition.key),
            };
            match computed {
                Some(computed) => assert!(
                    (shown - computed).abs() <= 1e-12 * computed.abs().max(1.0),
                    "{}: {} = {shown}, computed {computed} for {c:?}",
                    definition.key,
                    definition.formula
                ),
                None => assert!(!shown.is_finite(), "{}: {shown} but computed None for {c:?}", definition.key),
            }
        }
    }
}

#[test]
fn every_rate_and_letter_has_one_definition_and_nothing_else_does() {
    let keys: Vec<&str> = definitions().iter().map(|definition| definition.key).collect();
    let unique: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(unique.len(), keys.len(), "a key is defined twice: {keys:?}");

    let rate_fields: Vec<String> = fields(&rates(&Counts::default())).into_iter().map(|(name, _)| name).collect();
    let mut expected: BTreeSet<String> = rate_fields.iter().cloned().collect();
    expected.extend(AaporClass::ALL.iter().map(|class| class.code().to_owned()));
    expected.extend(["E".to_owned(), "U".to_owned()]);
    let defined: BTreeSet<String> = keys.iter().map(|key| (*key).to_owned()).collect();
    assert_eq!(defined, expected);

    for definition in definitions() {
        for text in [definition.sv, definition.en] {
            assert!(text.ends_with('.') && !text.contains("  "), "{}: {text}", definition.key);
            assert!(text.chars().next().is_some_and(char::is_uppercase), "{}: {text}", definition.key);
        }
        assert_ne!(definition.sv, definition.en);
    }
}

#[test]
fn the_letter_definitions_name_the_dispositions_that_feed_them() {
    let sv = |key: &str| definitions().iter().find(|definition| definition.key == key).unwrap().sv;
    let en = |key: &str| definitions().iter().find(|definition| definition.key == key).unwrap().en;
    for (key, labels, names) in [
        ("I", &["Besvarad"][..], &["completed"][..]),
        ("P", &["Besvarad"], &["completed"]),
        ("R", &["Avböjt", "Påbörjad"], &["refused", "started"]),
        ("O", &["Avliden", "Kan inte svara"], &["deceased", "unable"]),
        ("UH", &["Inget svar ännu"], &["not returned"]),
        ("UO", &["Obeställbar"], &["undeliverable"]),
        ("NE", &["Flyttat", "Ej i målgruppen"], &["moved away", "not eligible"]),
    ] {
        for label in labels {
            assert!(sv(key).contains(&format!("”{label}”")), "{key} should name {label}");
        }
        for name in names {
            assert!(en(key).contains(&format!("“{name}”")), "{key} should name {name}");
        }
    }
    assert!(sv("NE").starts_with("Naturligt bortfall"));
}

#[test]
fn percentages_read_as_in_each_language() {
    assert_eq!(percent(Some(0.532), "sv"), "53,2\u{a0}%");
    assert_eq!(percent(Some(0.532), "en"), "53.2%");
    assert_eq!(percent(Some(0.0), "sv"), "0,0\u{a0}%");
    assert_eq!(percent(Some(1.0), "en"), "100.0%");
    assert_eq!(percent(Some(300.0 / 582.0), "en"), "51.5%");
    assert_eq!(percent(Some(0.5), "ar"), "50,0\u{a0}%");
    for lang in ["sv", "en"] {
        assert_eq!(percent(None, lang), "–");
        assert_eq!(percent(Some(f64::NAN), lang), "–");
        assert_eq!(percent(Some(f64::INFINITY), lang), "–");
    }
}
