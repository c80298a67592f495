//! Municipality and county codes as Statistics Sweden assigns them: a municipality has four digits, the first two
//! being its county's code (Hagfors 1783 lies in Värmland, county 17).

/// A syntactically valid municipality code (four ASCII digits). Whether it exists is the database's business.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MunicipalityCode(String);

/// A syntactically valid county code (two ASCII digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountyCode(String);

/// Why a code was refused; the text is shown to users.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a municipality code is four digits, e.g. 1783 for Hagfors")]
    Municipality,
    #[error("a county code is two digits, e.g. 17 for Värmland")]
    County,
}

impl From<CodeError> for crate::domain::text::Text {
    fn from(error: CodeError) -> Self {
        Self::new(match error {
            CodeError::Municipality => "problem.code.municipality",
            CodeError::County => "problem.code.county",
        })
    }
}

/// `text` trimmed, if it is `len` ASCII digits.
fn digits(text: &str, len: usize, error: CodeError) -> Result<String, CodeError> {
    let text = text.trim();
    if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) { Ok(text.to_owned()) } else { Err(error) }
}

impl MunicipalityCode {
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        digits(text, 4, CodeError::Municipality).map(Self)
    }

    /// The county the municipality lies in.
    pub fn county(&self) -> CountyCode {
        CountyCode(self.0[..2].to_owned())
    }
}

impl CountyCode {
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        digits(text, 2, CodeError::County).map(Self)
    }
}

checked_text!(MunicipalityCode, CountyCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_digits_make_a_municipality_code_and_the_first_two_its_county() {
        let hagfors = MunicipalityCode::parse("1783").unwrap();
        assert_eq!(hagfors.as_str(), "1783");
        assert_eq!(hagfors.county(), CountyCode::parse("17").unwrap());
        assert_eq!(MunicipalityCode::parse(" 0114 ").unwrap().as_str(), "0114");
    }

    #[test]
    fn anything_else_is_refused() {
        for text in ["", "178", "17833", "17a3", "１７８３", "-178", "17 83"] {
            assert_eq!(MunicipalityCode::parse(text), Err(CodeError::Municipality), "{text}");
        }
        for text in ["", "1", "123", "1a"] {
            assert_eq!(CountyCode::parse(text), Err(CodeError::County), "{text}");
        }
    }
}
