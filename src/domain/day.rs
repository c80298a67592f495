//! Calendar days as staff type them: `YYYY-MM-DD`, the order the forms' hints name.

use chrono::NaiveDate;

/// A day written YYYY-MM-DD, or whether what was written has that shape (so that "2027-02-30" is told apart from
/// "30/2").
pub fn typed(text: &str) -> Result<NaiveDate, bool> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        let bytes = text.as_bytes();
        bytes.len() == 10
            && bytes.iter().enumerate().all(|(index, byte)| match index {
                4 | 7 => *byte == b'-',
                _ => byte.is_ascii_digit(),
            })
    })
}
