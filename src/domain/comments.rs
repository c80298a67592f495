//! Masking free-text answers: a coordinator marks a passage that names or points to a person, and every occurrence
//! of it (whatever its case) is replaced, so that what viewers and exports get cannot identify anyone.

/// What a masked passage reads as.
pub const MASK: &str = "[dolt]";

/// Why a passage could not be masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskError {
    #[error("no passage to hide")]
    Empty,
    #[error("the passage is not in the comment")]
    NotFound,
}

impl From<MaskError> for crate::domain::text::Text {
    fn from(error: MaskError) -> Self {
        Self::new(match error {
            MaskError::Empty => "problem.mask.empty",
            MaskError::NotFound => "problem.mask.not_found",
        })
    }
}

/// The text with every occurrence of `passage` (compared without regard to case) replaced by [`MASK`], and how many
/// occurrences there were.
pub fn mask(text: &str, passage: &str) -> Result<(String, usize), MaskError> {
    let passage = passage.trim();
    if passage.is_empty() {
        return Err(MaskError::Empty);
    }
    let wanted: Vec<char> = passage.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut masked = String::with_capacity(text.len());
    let (mut found, mut position) = (0, 0);
    while position < chars.len() {
        if let Some(length) = match_at(&chars[position..], &wanted) {
            masked.push_str(MASK);
            found += 1;
            position += length;
        } else {
            masked.push(chars[position].1);
            position += 1;
        }
    }
    if found == 0 { Err(MaskError::NotFound) } else { Ok((masked, found)) }
}

/// How many characters of `chars` match `wanted` (lower-cased) from its start, if they do.
fn match_at(chars: &[(usize, char)], wanted: &[char]) -> Option<usize> {
    let mut lowered = chars.iter().enumerate().flat_map(|(index, (_, c))| c.to_lowercase().map(move |l| (index, l)));
    let mut last = 0;
    for want in wanted {
        let (index, got) = lowered.next()?;
        if got != *want {
            return None;
        }
        last = index;
    }
    Some(last + 1)
}

#[cfg(test)]
mod tests {
    use super::{MASK, MaskError, mask};

    #[test]
    fn every_occurrence_is_masked_whatever_its_case() {
        let (masked, found) = mask("Grannen Sven Ek på Storgatan 3 stör. Sven ek igen.", "sven ek").unwrap();
        assert_eq!(masked, format!("Grannen {MASK} på Storgatan 3 stör. {MASK} igen."));
        assert_eq!(found, 2);
        let (masked, _) = mask("Åsa Öberg", "ÅSA").unwrap();
        assert_eq!(masked, format!("{MASK} Öberg"));
    }

    #[test]
    fn an_empty_or_missing_passage_is_refused() {
        assert_eq!(mask("Mörkt vid stationen", "  "), Err(MaskError::Empty));
        assert_eq!(mask("Mörkt vid stationen", "Storgatan"), Err(MaskError::NotFound));
    }
}
