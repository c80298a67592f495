//! A questionnaire page as a browser without JavaScript reads it: a form's address, its hidden fields and its
//! questions, filled in as a resident would (one option of each question, a follow-up only when its condition holds,
//! a comment now and then). It reads the markup of trygghet's own templates, not HTML at large.

use std::collections::HashMap;

use rand::Rng;
use rand::seq::IndexedRandom;

/// A form of a page: where it posts, its hidden fields and its questions in the order of the page.
#[derive(Debug)]
pub struct Form {
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub questions: Vec<Question>,
}

/// One question's field, how it is answered, and the answer to another question it depends on.
#[derive(Debug)]
pub struct Question {
    pub field: String,
    pub control: Control,
    /// Shown for a follow-up: the parent's field and the value that makes this question apply.
    pub condition: Option<(String, String)>,
}

#[derive(Debug)]
pub enum Control {
    Radio(Vec<String>),
    /// The options with whether each rules out the others ("no such place").
    Checkbox(Vec<(String, bool)>),
    Number,
    Text,
}

/// What a resident sometimes writes in a free-text field.
const COMMENT: &str = "Bättre belysning vid busshållplatsen och gångtunneln, tack.";

/// Each tag of `html`, from after its `<` to before its `>`, with where the text after it starts, in order. The
/// templates escape `<` and `>` in text and attribute values, so a tag ends at the first `>`. A scan rather than
/// regular expressions: finding their captures in every page cost the load generator a sixth of its CPU, which the
/// service lacked on a machine both share.
fn tags(html: &str) -> impl Iterator<Item = (&str, usize)> {
    html.match_indices('<').filter_map(|(at, _)| {
        let rest = &html[at + 1..];
        rest.find('>').map(|end| (&rest[..end], at + end + 2))
    })
}

/// The raw value of the attribute `name` in `tag` (`name="…"`, after a space), if the tag has it.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    tag.match_indices(name).find_map(|(at, _)| {
        let after = &tag[at + name.len()..];
        let value = after.strip_prefix("=\"")?;
        tag[..at].ends_with(' ').then(|| &value[..value.find('"').unwrap_or(value.len())])
    })
}

/// Whether `tag` is an element `name` (`name` followed by its attributes).
fn is(tag: &str, name: &str) -> bool {
    tag.strip_prefix(name).is_some_and(|rest| rest.starts_with(' '))
}

/// The address of the page's first button link (the welcome page's "Start").
pub fn button_link(page: &str) -> Option<String> {
    tags(page)
        .map(|(tag, _)| tag)
        .filter(|tag| is(tag, "a") && attribute(tag, "class") == Some("button"))
        .find_map(|tag| attribute(tag, "href"))
        .map(unescape)
}

/// The value of the hidden field `name` anywhere on the page (the sign-in form's token).
pub fn hidden(page: &str, name: &str) -> Option<String> {
    hidden_fields(page).find(|(field, _)| field == name).map(|(_, value)| value)
}

/// The hidden fields of `html`, their names and values unescaped.
fn hidden_fields(html: &str) -> impl Iterator<Item = (String, String)> + '_ {
    tags(html)
        .map(|(tag, _)| tag)
        .filter(|tag| is(tag, "input") && attribute(tag, "type") == Some("hidden"))
        .filter_map(|tag| {
            Some((unescape(attribute(tag, "name")?), unescape(attribute(tag, "value").unwrap_or_default())))
        })
}

/// The form with the id `id` (`answers` on a section, `submit` on the review), if the page has it.
pub fn form(page: &str, id: &str) -> Option<Form> {
    let (tag, after) = tags(page).find(|(tag, _)| is(tag, "form") && attribute(tag, "id") == Some(id))?;
    let action = unescape(attribute(tag, "action")?);
    let rest = &page[after..];
    let body = &rest[..rest.find("</form>")?];
    let hidden = hidden_fields(body).collect();
    let mut questions: Vec<Question> = Vec::new();
    let mut condition = None;
    for (tag, _) in tags(body) {
        if (is(tag, "fieldset") || is(tag, "div"))
            && attribute(tag, "class").is_some_and(|class| class.starts_with("field question"))
        {
            condition = attribute(tag, "data-show-if")
                .zip(attribute(tag, "data-equals"))
                .map(|(parent, equals)| (unescape(parent), unescape(equals)));
            continue;
        }
        let (kind, name) = if is(tag, "textarea") {
            ("textarea", attribute(tag, "name"))
        } else if is(tag, "input") {
            (attribute(tag, "type").unwrap_or_default(), attribute(tag, "name"))
        } else {
            continue;
        };
        let Some(field) = name.map(unescape) else { continue };
        match kind {
            "radio" | "checkbox" => {
                let value = unescape(attribute(tag, "value").unwrap_or_default());
                let exclusive = tag.contains(" data-exclusive");
                match questions.last_mut() {
                    Some(Question { field: last, control: Control::Radio(options), .. }) if *last == field => {
                        options.push(value)
                    }
                    Some(Question { field: last, control: Control::Checkbox(options), .. }) if *last == field => {
                        options.push((value, exclusive))
                    }
                    _ => {
                        let control = if kind == "radio" {
                            Control::Radio(vec![value])
                        } else {
                            Control::Checkbox(vec![(value, exclusive)])
                        };
                        questions.push(Question { field, control, condition: condition.clone() });
                    }
                }
            }
            "text" => questions.push(Question { field, control: Control::Number, condition: condition.clone() }),
            "textarea" => questions.push(Question { field, control: Control::Text, condition: condition.clone() }),
            _ => {}
        }
    }
    Some(Form { action, hidden, questions })
}

impl Form {
    /// The fields a browser posts after a resident answered: the hidden ones, then one answer per question that
    /// applies (given `chosen`, the answers so far by field, which this adds to), then the button `action`.
    pub fn fill(
        &self,
        rng: &mut impl Rng,
        chosen: &mut HashMap<String, String>,
        action: &str,
    ) -> Vec<(String, String)> {
        let mut fields = self.hidden.clone();
        for question in &self.questions {
            if let Some((parent, equals)) = &question.condition
                && chosen.get(parent) != Some(equals)
            {
                continue;
            }
            match &question.control {
                Control::Radio(options) => {
                    if let Some(value) = options.choose(rng) {
                        chosen.insert(question.field.clone(), value.clone());
                        fields.push((question.field.clone(), value.clone()));
                    }
                }
                Control::Checkbox(options) => {
                    let exclusive: Vec<&String> = options.iter().filter(|(_, only)| *only).map(|(v, _)| v).collect();
                    let others: Vec<&String> = options.iter().filter(|(_, only)| !*only).map(|(v, _)| v).collect();
                    let picked = if !exclusive.is_empty() && rng.random_bool(0.3) {
                        exclusive.choose(rng)
                    } else {
                        others.choose(rng)
                    };
                    if let Some(value) = picked {
                        fields.push((question.field.clone(), (*value).clone()));
                    }
                }
                Control::Number => fields.push((question.field.clone(), rng.random_range(0..=40).to_string())),
                Control::Text => {
                    let text = if rng.random_bool(0.3) { COMMENT } else { "" };
                    fields.push((question.field.clone(), text.to_owned()));
                }
            }
        }
        fields.push(("action".to_owned(), action.to_owned()));
        fields
    }
}

/// Undoes the escaping of an attribute value (minijinja escapes `/` too).
pub fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const SECTION: &str = r#"<form method="post" action="&#x2f;svara&#x2f;ABCD&#x2f;del&#x2f;4" id="answers" novalidate>
  <input type="hidden" name="csrf_token" value="tok">
<fieldset class="field question" id="q-victim"><legend>V</legend><div class="choices">
<label><input type="radio" name="q.victim" value="yes"> Ja</label><label><input type="radio" name="q.victim" value="no"> Nej</label>
</div></fieldset>
<fieldset class="field question" id="q-reported" data-show-if="q.victim" data-equals="yes"><legend>R</legend>
<label><input type="radio" name="q.reported" value="yes"> Ja</label><label><input type="radio" name="q.reported" value="no"> Nej</label>
</fieldset>
<fieldset class="field question" id="q-places"><label><input type="checkbox" name="q.places" value="parks"> P</label>
<label class="exclusive"><input type="checkbox" name="q.places" value="no_place" data-exclusive> N</label></fieldset>
<div class="field question"><label for="q-years">Y</label><input type="text" inputmode="numeric" class="short" id="q-years" name="q.years" value=""></div>
<div class="field question"><label for="q-comment">C</label><textarea id="q-comment" name="q.comment" maxlength="2000" rows="5"></textarea></div>
</form>"#;

    #[test]
    fn finds_a_button_link_and_a_hidden_field_among_other_tags() {
        let page = r#"<p class="lead">A &gt; B</p><a href="/x">x</a><a class="button" href="&#x2f;svara&#x2f;K&#x2f;del&#x2f;1">S</a>
<form method="post" action="/logga-in"><input type="text" name="csrf_token" value="not hidden">
<input type="hidden" name="next" value="/"><input type="hidden" name="csrf_token" value="a&amp;b"></form>"#;
        assert_eq!(button_link(page).as_deref(), Some("/svara/K/del/1"));
        assert_eq!(hidden(page, "csrf_token").as_deref(), Some("a&b"));
        assert_eq!(hidden(page, "missing"), None);
        assert!(form(page, "answers").is_none());
    }

    #[test]
    fn reads_the_form_and_answers_a_follow_up_only_when_it_applies() {
        let form = form(SECTION, "answers").unwrap();
        assert_eq!(form.action, "/svara/ABCD/del/4");
        assert_eq!(form.hidden, vec![("csrf_token".to_owned(), "tok".to_owned())]);
        assert_eq!(form.questions.len(), 5);
        assert_eq!(form.questions[1].condition, Some(("q.victim".to_owned(), "yes".to_owned())));
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..50 {
            let mut chosen = HashMap::new();
            let fields = form.fill(&mut rng, &mut chosen, "next");
            let victim = fields.iter().find(|(name, _)| name == "q.victim").unwrap().1.clone();
            assert_eq!(fields.iter().any(|(name, _)| name == "q.reported"), victim == "yes");
            assert_eq!(fields.iter().filter(|(name, _)| name == "q.places").count(), 1);
            assert!(fields.iter().any(|(name, _)| name == "q.years"));
            assert_eq!(fields.last().unwrap(), &("action".to_owned(), "next".to_owned()));
        }
    }
}
