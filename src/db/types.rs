//! States stored as text: the domain's enums read and written as their `as_str` value.
//!
//! The domain knows nothing of diesel, so the traits a column type needs are implemented here, for every backend
//! (SQLite, PostgreSQL and the shared connection's `MultiBackend`) at once. The stored text is what `as_str` gives;
//! a stored text no variant has is a deserialisation error naming the column and the value, never a panic.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{SingleValue, Text};

use crate::domain::dispositions::Disposition;
use crate::domain::promise::{PromiseStatus, Responsible, TargetKind};
use crate::domain::role::Role;
use crate::domain::survey::Mode;
use crate::domain::survey::{Access, SurveyState};

/// A stored text that is none of a type's values.
#[derive(Debug, thiserror::Error)]
#[error("unknown stored {what} {text:?}")]
pub struct UnknownStoredValue {
    pub what: &'static str,
    pub text: String,
}

/// Makes `$ty` a `Text` column type: written as `$ty::as_str`, read with `$parse` (text → `Option<$ty>`).
macro_rules! stored_as_text {
    ($ty:ty, $what:literal, $parse:expr) => {
        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(&text).ok_or_else(|| UnknownStoredValue { what: $what, text }.into())
            }
        }

        impl<DB, ST> Queryable<ST, DB> for $ty
        where
            DB: Backend,
            ST: SingleValue,
            Self: FromSql<ST, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        // Bound as its text, so a value is bound exactly as the `&str` the code wrote before.
        impl AsExpression<Text> for $ty {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }

        impl AsExpression<Text> for &$ty {
            type Expression = <&'static str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'static str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }
    };
}

stored_as_text!(SurveyState, "survey state", SurveyState::parse);
stored_as_text!(Access, "survey access", Access::parse);
stored_as_text!(Disposition, "disposition", |text| text.parse().ok());
stored_as_text!(Role, "role", Role::parse);
stored_as_text!(Mode, "response mode", Mode::parse);
stored_as_text!(Responsible, "promise responsible", Responsible::parse);
stored_as_text!(PromiseStatus, "promise status", PromiseStatus::parse);
stored_as_text!(TargetKind, "promise target kind", TargetKind::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_stored_value_says_what_and_which() {
        let error = UnknownStoredValue { what: "role", text: "root".to_owned() };
        assert_eq!(error.to_string(), "unknown stored role \"root\"");
    }
}
