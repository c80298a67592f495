//! Numbers the Swedish way: thousands grouped with a no-break space ("12 400"), so that a figure never breaks
//! across lines.

/// `value` with its thousands grouped: `1500` → "1 500", `-20000` → "−20 000" (with a minus sign).
pub fn number(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2 + 3);
    if value < 0 {
        grouped.push('\u{2212}');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn thousands_are_grouped_with_a_no_break_space() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1500), "1\u{a0}500");
        assert_eq!(number(12_400), "12\u{a0}400");
        assert_eq!(number(1_000_000), "1\u{a0}000\u{a0}000");
        assert_eq!(number(-20_000), "\u{2212}20\u{a0}000");
        assert_eq!(number(i64::MIN), "\u{2212}9\u{a0}223\u{a0}372\u{a0}036\u{a0}854\u{a0}775\u{a0}808");
    }
}
