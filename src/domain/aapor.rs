//! AAPOR response rates (Standard Definitions) from counts of final dispositions, and their explanations.
//!
//! The formulas only ever see [`Counts`] of AAPOR classes, never letters or responses, so one survey's rates and the
//! sum over its municipalities come from the same code, and the module stays pure (no I/O, no database).
//!
//! A letter's class is [`Disposition::aapor_class`](super::dispositions::Disposition::aapor_class), except for a
//! submitted response (`Completed`): its class depends on how much of the questionnaire was answered, and is
//! [`classify`]`(answered, applicable).`[`aapor_class`](Completeness::aapor_class)`()` (AAPOR's usual thresholds:
//! at least 80 % of the questions that applied is complete, at least 50 % partial, less a break-off).
//!
//! A mailed survey never learns of a non-contact, so NC is 0 in trygghet; it stays in [`Counts`] so the formulas
//! are AAPOR's own. A rate whose denominator is 0 is `None`, never NaN or infinity, so a page or an export shows
//! "–" instead of a made-up number. The Swedish *svarsfrekvens* (completes over the sample less the known
//! ineligible) is kept as its own field because municipal reports name it, although it always equals RR1.

use std::iter::Sum;
use std::ops::{Add, AddAssign};

use serde::Serialize;

use super::dispositions::AaporClass;

/// At least this share (in percent) of the questions that applied answered makes a complete response (I).
pub const COMPLETE_MIN_PERCENT: u8 = 80;

/// At least this share (in percent) makes a partial response (P); less is a break-off (R).
pub const PARTIAL_MIN_PERCENT: u8 = 50;

/// How many sampled letters ended in each AAPOR class, for one municipality or a whole survey.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Counts {
    /// I: submitted responses (`Completed`) with at least 80 % of the questions that applied answered.
    pub complete: u64,
    /// P: submitted responses with at least 50 % but under 80 % answered.
    pub partial: u64,
    /// R: `Refused`, `Started` (logged in, never submitted) and submitted responses with under 50 % answered.
    pub refusal_and_break_off: u64,
    /// NC: nothing in trygghet (a mailed survey never learns of a non-contact), so 0; kept for the formulas.
    pub non_contact: u64,
    /// O: `Deceased` (during fieldwork) and `Unable` (illness, language).
    pub other: u64,
    /// UH: `NotReturned`, nothing ever came back.
    pub unknown_household: u64,
    /// UO: `Undeliverable`, the letter came back.
    pub unknown_other: u64,
    /// NE: `MovedAway` (out of the municipality) and `NotEligible` (e.g. outside the age range).
    pub not_eligible: u64,
}

impl Counts {
    /// Every sampled letter: I + P + R + NC + O + UH + UO + NE.
    pub fn sample(&self) -> u64 {
        self.eligible() + self.unknown() + self.not_eligible
    }

    /// E = I + P + R + NC + O, the letters known to have reached an eligible person.
    pub fn eligible(&self) -> u64 {
        self.complete + self.partial + self.refusal_and_break_off + self.non_contact + self.other
    }

    /// U = UH + UO, the letters whose eligibility is unknown.
    pub fn unknown(&self) -> u64 {
        self.unknown_household + self.unknown_other
    }

    /// Counts one more letter in `class`.
    pub fn record(&mut self, class: AaporClass) {
        let count = match class {
            AaporClass::Complete => &mut self.complete,
            AaporClass::Partial => &mut self.partial,
            AaporClass::Refusal => &mut self.refusal_and_break_off,
            AaporClass::NonContact => &mut self.non_contact,
            AaporClass::Other => &mut self.other,
            AaporClass::UnknownHousehold => &mut self.unknown_household,
            AaporClass::UnknownOther => &mut self.unknown_other,
            AaporClass::NotEligible => &mut self.not_eligible,
        };
        *count += 1;
    }
}

impl Add for Counts {
    type Output = Self;

    fn add(mut self, other: Self) -> Self {
        self += other;
        self
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.complete += other.complete;
        self.partial += other.partial;
        self.refusal_and_break_off += other.refusal_and_break_off;
        self.non_contact += other.non_contact;
        self.other += other.other;
        self.unknown_household += other.unknown_household;
        self.unknown_other += other.unknown_other;
        self.not_eligible += other.not_eligible;
    }
}

impl Sum for Counts {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

impl<'a> Sum<&'a Counts> for Counts {
    fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

impl FromIterator<AaporClass> for Counts {
    fn from_iter<I: IntoIterator<Item = AaporClass>>(iter: I) -> Self {
        let mut counts = Self::default();
        iter.into_iter().for_each(|class| counts.record(class));
        counts
    }
}

/// How much of the questionnaire a submitted response answered, in AAPOR's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Completeness {
    /// At least [`COMPLETE_MIN_PERCENT`] answered: I.
    Complete,
    /// At least [`PARTIAL_MIN_PERCENT`] answered: P.
    Partial,
    /// Less: R.
    BreakOff,
}

impl Completeness {
    /// The class a submitted response with this completeness counts as.
    pub fn aapor_class(self) -> AaporClass {
        match self {
            Self::Complete => AaporClass::Complete,
            Self::Partial => AaporClass::Partial,
            Self::BreakOff => AaporClass::Refusal,
        }
    }
}

/// Classifies a submitted response that answered `answered` of the `applicable` questions that applied to it.
///
/// Integer arithmetic, so exactly 80 % is complete and 79.99 % is not. No applicable question is a break-off;
/// `answered` above `applicable` cannot come from validated answers and counts as complete.
pub fn classify(answered: usize, applicable: usize) -> Completeness {
    let reaches = |min_percent: u8| answered as u128 * 100 >= applicable as u128 * u128::from(min_percent);
    if applicable == 0 {
        Completeness::BreakOff
    } else if reaches(COMPLETE_MIN_PERCENT) {
        Completeness::Complete
    } else if reaches(PARTIAL_MIN_PERCENT) {
        Completeness::Partial
    } else {
        Completeness::BreakOff
    }
}

/// Every AAPOR rate as a fraction in 0..=1, `None` where its denominator is 0 (the default: no rates at all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Rates {
    /// The estimated share of U that is eligible: E / (E + NE).
    pub e: Option<f64>,
    /// I / (E + U)
    pub rr1: Option<f64>,
    /// (I + P) / (E + U)
    pub rr2: Option<f64>,
    /// I / (E + e·U)
    pub rr3: Option<f64>,
    /// (I + P) / (E + e·U)
    pub rr4: Option<f64>,
    /// I / E
    pub rr5: Option<f64>,
    /// (I + P) / E
    pub rr6: Option<f64>,
    /// I / (I + P + R + O)
    pub coop1: Option<f64>,
    /// (I + P) / (I + P + R + O)
    pub coop2: Option<f64>,
    /// I / (I + P + R)
    pub coop3: Option<f64>,
    /// (I + P) / (I + P + R)
    pub coop4: Option<f64>,
    /// R / (E + U)
    pub ref1: Option<f64>,
    /// R / (E + e·U)
    pub ref2: Option<f64>,
    /// R / E
    pub ref3: Option<f64>,
    /// (I + P + R + O) / (E + U)
    pub con1: Option<f64>,
    /// (I + P + R + O) / (E + e·U)
    pub con2: Option<f64>,
    /// (I + P + R + O) / E
    pub con3: Option<f64>,
    /// I / (sample − NE), as Swedish municipal reports define it; always equal to RR1.
    pub svarsfrekvens: Option<f64>,
}

/// `numerator / denominator`, or `None` for a zero denominator.
fn ratio(numerator: u64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator as f64 / denominator)
}

/// All rates of `counts`, with AAPOR's default estimate of e.
pub fn rates(counts: &Counts) -> Rates {
    let i = counts.complete;
    let i_p = i + counts.partial;
    let r = counts.refusal_and_break_off;
    let contacted = i_p + r + counts.other;
    let eligible = counts.eligible();
    let unknown = counts.unknown();

    let e = ratio(eligible, (eligible + counts.not_eligible) as f64);
    let all = (eligible + unknown) as f64;
    let estimated = e.map(|e| eligible as f64 + e * unknown as f64);
    let known = eligible as f64;
    let over_estimated = |numerator: u64| estimated.and_then(|denominator| ratio(numerator, denominator));
    let sample_less_ineligible = (counts.sample() - counts.not_eligible) as f64;

    Rates {
        e,
        rr1: ratio(i, all),
        rr2: ratio(i_p, all),
        rr3: over_estimated(i),
        rr4: over_estimated(i_p),
        rr5: ratio(i, known),
        rr6: ratio(i_p, known),
        coop1: ratio(i, contacted as f64),
        coop2: ratio(i_p, contacted as f64),
        coop3: ratio(i, (i_p + r) as f64),
        coop4: ratio(i_p, (i_p + r) as f64),
        ref1: ratio(r, all),
        ref2: over_estimated(r),
        ref3: ratio(r, known),
        con1: ratio(contacted, all),
        con2: over_estimated(contacted),
        con3: ratio(contacted, known),
        svarsfrekvens: ratio(i, sample_less_ineligible),
    }
}

/// What a rate or an AAPOR letter means, for coordinators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// The [`Rates`] field name (`rr1`, `svarsfrekvens`, `e`) or the AAPOR letter (`I`, `NE`, `E`, `U`).
    pub key: &'static str,
    /// The formula in AAPOR letters; a letter of its own is its formula.
    pub formula: &'static str,
    /// One sentence in Swedish.
    pub sv: &'static str,
    /// One sentence in English.
    pub en: &'static str,
}

const DEFINITIONS: &[Definition] = &[
    Definition {
        key: "I",
        formula: "I",
        sv: "Fullständiga svar: inskickade enkäter, på webben eller på papper (”Besvarad”), där minst 80\u{a0}% av de \
             frågor som gällde personen är besvarade.",
        en: "Complete responses: questionnaires submitted on the web or on paper (“completed”) with at least 80% of \
             the questions that applied to the person answered.",
    },
    Definition {
        key: "P",
        formula: "P",
        sv: "Delvisa svar: inskickade enkäter (”Besvarad”) där minst 50\u{a0}% men färre än 80\u{a0}% av de frågor som \
             gällde personen är besvarade.",
        en: "Partial responses: submitted questionnaires (“completed”) with at least 50% but under 80% of the \
             questions that applied to the person answered.",
    },
    Definition {
        key: "R",
        formula: "R",
        sv: "Avböjt eller avbrutet: personen har avböjt (”Avböjt”), har börjat svara med sin kod men aldrig skickat in (”Påbörjad”) \
             eller har skickat in en enkät där färre än 50\u{a0}% av frågorna är besvarade.",
        en: "Refusals and break-offs: the person declined (“refused”), began answering with their code but never submitted (“started”), or \
             submitted a questionnaire with under 50% of the questions answered.",
    },
    Definition {
        key: "NC",
        formula: "NC",
        sv: "Inte nådd: personen tillhör målgruppen men nåddes aldrig; en enkät med post ger aldrig den uppgiften, så \
             här är antalet alltid 0.",
        en: "Non-contact: the person is eligible but was never reached; a mailed survey never learns this, so the \
             number is always 0 here.",
    },
    Definition {
        key: "O",
        formula: "O",
        sv: "Annat bortfall i målgruppen: personen tillhör målgruppen men har inte kunnat svara, för att personen har \
             avlidit under insamlingen (”Avliden”) eller inte kan svara på grund av sjukdom eller språk (”Kan inte \
             svara”).",
        en: "Other eligible non-response: the person is eligible but could not answer, having died during fieldwork \
             (“deceased”) or being unable to answer because of illness or language (“unable”).",
    },
    Definition {
        key: "UH",
        formula: "UH",
        sv: "Okänt om personen tillhör målgruppen: ingenting har kommit tillbaka, varken ett svar eller brevet \
             (”Inget svar ännu”).",
        en: "Unknown eligibility: nothing ever came back, neither a response nor the letter (“not returned”).",
    },
    Definition {
        key: "UO",
        formula: "UO",
        sv: "Okänt om personen tillhör målgruppen av annat skäl: brevet kom tillbaka som obeställbart (”Obeställbar”), \
             så vi vet inte om personen fortfarande bor i kommunen.",
        en: "Unknown eligibility for another reason: the letter came back undeliverable (“undeliverable”), so we do \
             not know whether the person still lives in the municipality.",
    },
    Definition {
        key: "NE",
        formula: "NE",
        sv: "Naturligt bortfall: personen har flyttat från kommunen (”Flyttat”) eller tillhör av annat skäl inte \
             målgruppen, till exempel på grund av åldern (”Ej i målgruppen”), och räknas därför bort ur urvalet i \
             alla mått.",
        en: "Not eligible: the person has moved out of the municipality (“moved away”) or is outside the target \
             population for another reason, such as age (“not eligible”), and is left out of every rate.",
    },
    Definition {
        key: "E",
        formula: "I + P + R + NC + O",
        sv: "Alla i urvalet som vi vet tillhör målgruppen: fullständiga och delvisa svar, avböjda och avbrutna, inte \
             nådda och annat bortfall.",
        en: "Everyone sampled who is known to be eligible: complete and partial responses, refusals and break-offs, \
             non-contacts and other non-response.",
    },
    Definition {
        key: "U",
        formula: "UH + UO",
        sv: "Alla i urvalet där vi inte vet om de tillhör målgruppen: ingenting har kommit tillbaka eller brevet var \
             obeställbart.",
        en: "Everyone sampled whose eligibility is unknown: nothing came back or the letter was undeliverable.",
    },
    Definition {
        key: "e",
        formula: "E / (E + NE)",
        sv: "Den uppskattade andelen i målgruppen bland dem där vi inte vet det, satt lika med andelen i målgruppen \
             bland dem där vi vet det.",
        en: "The estimated share of eligible people among those whose eligibility is unknown, taken to be the share \
             among those whose eligibility is known.",
    },
    Definition {
        key: "rr1",
        formula: "I / (E + U)",
        sv: "Den lägsta svarsfrekvensen: fullständiga svar av alla i urvalet som tillhör målgruppen eller där vi inte \
             vet om de gör det.",
        en: "The lowest response rate: complete responses out of everyone sampled who is eligible or whose \
             eligibility is unknown.",
    },
    Definition {
        key: "rr2",
        formula: "(I + P) / (E + U)",
        sv: "Fullständiga och delvisa svar av alla i urvalet som tillhör målgruppen eller där vi inte vet om de gör \
             det.",
        en: "Complete and partial responses out of everyone sampled who is eligible or whose eligibility is unknown.",
    },
    Definition {
        key: "rr3",
        formula: "I / (E + e·U)",
        sv: "Fullständiga svar av alla i urvalet som tillhör målgruppen, där de vi inte vet något om bara räknas med \
             till den uppskattade andelen e.",
        en: "Complete responses out of everyone sampled who is eligible, counting only the estimated share e of \
             those whose eligibility is unknown.",
    },
    Definition {
        key: "rr4",
        formula: "(I + P) / (E + e·U)",
        sv: "Fullständiga och delvisa svar av alla i urvalet som tillhör målgruppen, där de vi inte vet något om bara \
             räknas med till den uppskattade andelen e.",
        en: "Complete and partial responses out of everyone sampled who is eligible, counting only the estimated \
             share e of those whose eligibility is unknown.",
    },
    Definition {
        key: "rr5",
        formula: "I / E",
        sv: "Fullständiga svar av dem som vi vet tillhör målgruppen, utan dem vi inte vet något om.",
        en: "Complete responses out of those known to be eligible, leaving out everyone whose eligibility is \
             unknown.",
    },
    Definition {
        key: "rr6",
        formula: "(I + P) / E",
        sv: "Den högsta svarsfrekvensen: fullständiga och delvisa svar av dem som vi vet tillhör målgruppen, utan dem \
             vi inte vet något om.",
        en: "The highest response rate: complete and partial responses out of those known to be eligible, leaving \
             out everyone whose eligibility is unknown.",
    },
    Definition {
        key: "coop1",
        formula: "I / (I + P + R + O)",
        sv: "Samarbetsgrad: fullständiga svar av alla i målgruppen som vi har nått, det vill säga svar, avböjda, \
             avbrutna och annat bortfall.",
        en: "Cooperation rate: complete responses out of everyone eligible who was reached, that is responses, \
             refusals, break-offs and other non-response.",
    },
    Definition {
        key: "coop2",
        formula: "(I + P) / (I + P + R + O)",
        sv: "Samarbetsgrad: fullständiga och delvisa svar av alla i målgruppen som vi har nått, det vill säga svar, \
             avböjda, avbrutna och annat bortfall.",
        en: "Cooperation rate: complete and partial responses out of everyone eligible who was reached, that is \
             responses, refusals, break-offs and other non-response.",
    },
    Definition {
        key: "coop3",
        formula: "I / (I + P + R)",
        sv: "Samarbetsgrad: fullständiga svar av alla i målgruppen som vi har nått och som kunde svara, det vill säga \
             svar, avböjda och avbrutna.",
        en: "Cooperation rate: complete responses out of everyone eligible who was reached and able to answer, that \
             is responses, refusals and break-offs.",
    },
    Definition {
        key: "coop4",
        formula: "(I + P) / (I + P + R)",
        sv: "Samarbetsgrad: fullständiga och delvisa svar av alla i målgruppen som vi har nått och som kunde svara, \
             det vill säga svar, avböjda och avbrutna.",
        en: "Cooperation rate: complete and partial responses out of everyone eligible who was reached and able to \
             answer, that is responses, refusals and break-offs.",
    },
    Definition {
        key: "ref1",
        formula: "R / (E + U)",
        sv: "Andelen avböjda och avbrutna av alla i urvalet som tillhör målgruppen eller där vi inte vet om de gör det.",
        en: "Refusals and break-offs out of everyone sampled who is eligible or whose eligibility is unknown.",
    },
    Definition {
        key: "ref2",
        formula: "R / (E + e·U)",
        sv: "Andelen avböjda och avbrutna av alla i urvalet som tillhör målgruppen, där de vi inte vet något om bara \
             räknas med till den uppskattade andelen e.",
        en: "Refusals and break-offs out of everyone sampled who is eligible, counting only the estimated share e of \
             those whose eligibility is unknown.",
    },
    Definition {
        key: "ref3",
        formula: "R / E",
        sv: "Andelen avböjda och avbrutna av dem som vi vet tillhör målgruppen.",
        en: "Refusals and break-offs out of those known to be eligible.",
    },
    Definition {
        key: "con1",
        formula: "(I + P + R + O) / (E + U)",
        sv: "Kontaktgrad: andelen som vi har nått (svar, avböjda, avbrutna och annat bortfall) av alla i urvalet som \
             tillhör målgruppen eller där vi inte vet om de gör det.",
        en: "Contact rate: those reached (responses, refusals, break-offs and other non-response) out of everyone \
             sampled who is eligible or whose eligibility is unknown.",
    },
    Definition {
        key: "con2",
        formula: "(I + P + R + O) / (E + e·U)",
        sv: "Kontaktgrad: andelen som vi har nått av alla i urvalet som tillhör målgruppen, där de vi inte vet något \
             om bara räknas med till den uppskattade andelen e.",
        en: "Contact rate: those reached out of everyone sampled who is eligible, counting only the estimated share e \
             of those whose eligibility is unknown.",
    },
    Definition {
        key: "con3",
        formula: "(I + P + R + O) / E",
        sv: "Kontaktgrad: andelen som vi har nått av dem som vi vet tillhör målgruppen.",
        en: "Contact rate: those reached out of those known to be eligible.",
    },
    Definition {
        key: "svarsfrekvens",
        formula: "I / (E + U)",
        sv: "Svarsfrekvensen som kommunernas rapporter brukar ange: fullständiga svar av hela urvalet minus det \
             naturliga bortfallet, vilket blir samma tal som RR1.",
        en: "The response rate Swedish municipal reports usually give: complete responses out of the whole sample \
             less those known not to be eligible (naturligt bortfall), which is the same number as RR1.",
    },
];

/// The AAPOR letters (with E, U and e) and then every rate, in the order of the [`Rates`] fields.
pub fn definitions() -> &'static [Definition] {
    DEFINITIONS
}

/// A rate as a percentage with one decimal: `53.2%` in English (`"en"`), `53,2 %` with a no-break space in Swedish
/// (also for any other language, as elsewhere in trygghet), and `–` when there is no rate.
pub fn percent(value: Option<f64>, lang: &str) -> String {
    let Some(value) = value.filter(|value| value.is_finite()) else {
        return "–".to_owned();
    };
    let number = format!("{:.1}", value * 100.0);
    if lang == "en" { format!("{number}%") } else { format!("{}\u{a0}%", number.replace('.', ",")) }
}

#[cfg(test)]
mod tests;
