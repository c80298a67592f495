//! Statements whose SQL never changes, prepared once per connection.
//!
//! diesel keeps a prepared statement for every query it can tell apart by type, but never for an `UPDATE` or an
//! upsert (their SQL could vary with what is set), nor for `sql_query`: those are parsed and planned again on every
//! call, by SQLite in the service and by PostgreSQL in its server process. The statements a resident's every saved
//! page runs (the survey's write turn, the counters, the letter's progress) are of that kind, so here they are written
//! once as SQL with `?` for each bound value, and each has a type of its own ([`fixed_statement!`]) by which diesel's
//! statement cache keeps it.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;
use diesel::{QueryResult, RunQueryDsl};

/// A statement `Id` with its SQL and its bound values (`B`: a tuple of [`Bind`]s, one per `?`, in order).
pub struct Fixed<Id, B> {
    /// The SQL between the `?`s: split once per statement, since diesel walks a statement several times a call
    /// (to ask whether it is cached, and to bind its values), and a walk through the whole text showed in profiles.
    pieces: &'static [&'static str],
    binds: B,
    id: PhantomData<Id>,
}

impl<Id, B: Counted> Fixed<Id, B> {
    /// Only through [`fixed_statement!`], which gives each SQL text a type of its own: two texts under one type would
    /// share one prepared statement.
    #[doc(hidden)]
    pub fn new(pieces: &'static [&'static str], binds: B) -> Self {
        debug_assert_eq!(pieces.len(), binds.count() + 1);
        Self { pieces, binds, id: PhantomData }
    }
}

/// The pieces of `sql` between its `?`s, for [`Fixed::new`].
#[doc(hidden)]
pub fn pieces(sql: &'static str) -> Vec<&'static str> {
    sql.split('?').collect()
}

/// The pieces of a statement's SQL as [`Binds::walk`] takes them.
pub type Pieces = std::slice::Iter<'static, &'static str>;

/// One bound value `T` of SQL type `ST`.
pub struct Bind<ST, T>(pub T, pub PhantomData<ST>);

/// Binds a value as SQL type `ST`.
pub fn bind<ST, T>(value: T) -> Bind<ST, T> {
    Bind(value, PhantomData)
}

/// The bound values of a statement, pushed between the pieces of its SQL.
pub trait Binds<DB: Backend> {
    fn walk<'b>(&'b self, pieces: &mut Pieces, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>;
}

/// How many values a tuple of binds holds (checked against the `?` of the SQL in debug builds).
#[doc(hidden)]
pub trait Counted {
    fn count(&self) -> usize;
}

macro_rules! tuple_binds {
    ($count:expr; $($name:ident $st:ident $index:tt),+) => {
        impl<DB: Backend, $($st, $name: ToSql<$st, DB>),+> Binds<DB> for ($(Bind<$st, $name>,)+)
        where
            DB: $(HasSqlType<$st> +)+,
        {
            fn walk<'b>(&'b self, pieces: &mut Pieces, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()> {
                $(
                    out.push_sql(pieces.next().copied().unwrap_or_default());
                    out.push_bind_param::<$st, $name>(&self.$index.0)?;
                )+
                Ok(())
            }
        }

        impl<$($st, $name),+> Counted for ($(Bind<$st, $name>,)+) {
            fn count(&self) -> usize {
                $count
            }
        }
    };
}

tuple_binds!(1; A SA 0);
tuple_binds!(2; A SA 0, B SB 1);
tuple_binds!(3; A SA 0, B SB 1, C SC 2);
tuple_binds!(4; A SA 0, B SB 1, C SC 2, D SD 3);
tuple_binds!(5; A SA 0, B SB 1, C SC 2, D SD 3, E SE 4);
tuple_binds!(6; A SA 0, B SB 1, C SC 2, D SD 3, E SE 4, F SF 5);
tuple_binds!(7; A SA 0, B SB 1, C SC 2, D SD 3, E SE 4, F SF 5, G SG 6);
tuple_binds!(8; A SA 0, B SB 1, C SC 2, D SD 3, E SE 4, F SF 5, G SG 6, H SH 7);
tuple_binds!(9; A SA 0, B SB 1, C SC 2, D SD 3, E SE 4, F SF 5, G SG 6, H SH 7, I SI 8);
tuple_binds!(10; A SA 0, B SB 1, C SC 2, D SD 3, E SE 4, F SF 5, G SG 6, H SH 7, I SI 8, J SJ 9);

impl<DB: Backend> Binds<DB> for () {
    fn walk<'b>(&'b self, _: &mut Pieces, _: &mut AstPass<'_, 'b, DB>) -> QueryResult<()> {
        Ok(())
    }
}

impl Counted for () {
    fn count(&self) -> usize {
        0
    }
}

impl<Id: 'static, B> QueryId for Fixed<Id, B> {
    type QueryId = Id;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB: Backend, Id, B: Binds<DB>> QueryFragment<DB> for Fixed<Id, B> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut pieces = self.pieces.iter();
        self.binds.walk(&mut pieces, &mut out)?;
        out.push_sql(pieces.next().copied().unwrap_or_default());
        Ok(())
    }
}

impl<Id, B, Conn> RunQueryDsl<Conn> for Fixed<Id, B> {}

impl<Id, B> Fixed<Id, B> {
    /// The statement as a query whose rows (from its `RETURNING` clause) are of SQL type `ST`, read with diesel's
    /// `get_result`, `load` and `optional`.
    pub fn returning<ST>(self) -> Returning<Id, B, ST> {
        Returning { fixed: self, rows: PhantomData }
    }
}

/// A fixed statement that returns rows of SQL type `ST` (see [`Fixed::returning`]).
pub struct Returning<Id, B, ST> {
    fixed: Fixed<Id, B>,
    rows: PhantomData<ST>,
}

impl<Id: 'static, B, ST> QueryId for Returning<Id, B, ST> {
    type QueryId = Id;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB: Backend, Id, B: Binds<DB>, ST> QueryFragment<DB> for Returning<Id, B, ST> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.fixed.walk_ast(out)
    }
}

impl<Id, B, ST> diesel::query_builder::Query for Returning<Id, B, ST> {
    type SqlType = ST;
}

impl<Id, B, ST, Conn> RunQueryDsl<Conn> for Returning<Id, B, ST> {}

/// Declares a statement prepared once per connection: `fixed_statement!(Name, "SQL with ? for each value")` makes
/// a type `Name` whose `Name::with((bind::<Text, _>(value), …))` is run with diesel's `execute`. The SQL must suit
/// both backends (it is written the same for SQLite and PostgreSQL; each `?` becomes `$n` on PostgreSQL), and holds
/// no `?` but those of the values (debug builds check their count against the binds).
macro_rules! fixed_statement {
    ($(#[$meta:meta])* $vis:vis $name:ident, $sql:expr) => {
        $(#[$meta])*
        $vis struct $name;

        impl $name {
            $vis fn with<B: $crate::db::fixed::Counted>(binds: B) -> $crate::db::fixed::Fixed<$name, B> {
                static PIECES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
                $crate::db::fixed::Fixed::new(PIECES.get_or_init(|| $crate::db::fixed::pieces($sql)), binds)
            }
        }
    };
}
pub(crate) use fixed_statement;

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sql_types::{Integer, Text};

    use super::*;

    fixed_statement!(AddOne, "UPDATE counters SET n = n + ? WHERE name = ?");

    diesel::table! {
        counters (name) {
            name -> Text,
            n -> Integer,
        }
    }

    /// The SQL of every statement diesel keeps prepared.
    fn cached_on(conn: &mut SqliteConnection) -> Arc<Mutex<Vec<String>>> {
        let cached = Arc::new(Mutex::new(Vec::new()));
        let seen = cached.clone();
        let instrumentation = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        };
        conn.set_instrumentation(Box::new(instrumentation) as Box<dyn Instrumentation>);
        cached
    }

    #[test]
    fn a_fixed_statement_is_prepared_once_and_binds_its_values_in_order() {
        let mut conn = crate::db::DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        conn.batch_execute(
            "CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL); \
             INSERT INTO counters VALUES ('a', 0), ('b', 0);",
        )
        .unwrap();
        let crate::db::DbConnection::Sqlite(sqlite) = &mut conn else { unreachable!() };
        let cached = cached_on(sqlite);
        for _ in 0..3 {
            assert_eq!(AddOne::with((bind::<Integer, _>(2), bind::<Text, _>("a"))).execute(&mut conn).unwrap(), 1);
        }
        // diesel's own UPDATE is prepared again each time: never kept.
        for _ in 0..3 {
            diesel::update(counters::table.find("b")).set(counters::n.eq(counters::n + 1)).execute(&mut conn).unwrap();
        }
        let counts: Vec<(String, i32)> = counters::table.order(counters::name).load(&mut conn).unwrap();
        assert_eq!(counts, [("a".to_owned(), 6), ("b".to_owned(), 3)]);
        let cached = cached.lock().unwrap();
        assert_eq!(
            cached.iter().filter(|sql| sql.starts_with("UPDATE counters SET n = n + ?")).count(),
            1,
            "{cached:?}"
        );
        assert!(!cached.iter().any(|sql| sql.contains("`n` + ?")), "{cached:?}");
    }
}
