//! The two migration folders (`migrations/sqlite`, `migrations/postgres`) describe one schema: after every migration
//! both databases have the same tables, columns (and which may be empty), primary keys, foreign keys, unique
//! constraints and indexes. Column types are the backends' own and are not compared.

use std::collections::BTreeSet;

use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

use crate::helpers::{Backend, TestDatabase, postgres_admin_url};
use crate::on_both_backends;
use crate::process::trygghet;

#[derive(QueryableByName)]
struct Fact {
    #[diesel(sql_type = Text)]
    fact: String,
}

#[derive(QueryableByName)]
struct IndexColumn {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    idx: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Nullable<Text>)]
    col: Option<String>,
}

/// Indexes as `index on TABLE(COLUMNS)`, named by what they cover rather than by each backend's naming rules;
/// primary keys are facts of their own.
fn indexes(rows: Vec<IndexColumn>) -> BTreeSet<String> {
    let mut grouped: std::collections::BTreeMap<(String, String), (i32, Vec<String>)> = Default::default();
    for row in rows {
        let entry = grouped.entry((row.tbl, row.idx)).or_insert((row.is_unique, Vec::new()));
        entry.1.push(row.col.unwrap_or_else(|| "(expression)".to_owned()));
    }
    grouped
        .into_iter()
        .map(|((table, _), (unique, columns))| {
            format!("{}index on {table}({})", if unique == 1 { "unique " } else { "" }, columns.join(", "))
        })
        .collect()
}

fn sqlite_schema(url: &str) -> BTreeSet<String> {
    let path = url.trim_start_matches("sqlite://");
    let mut conn = SqliteConnection::establish(path).unwrap();
    let tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    let facts = format!(
        "SELECT 'table ' || t.name AS fact FROM ({tables}) t
         UNION ALL SELECT 'column ' || t.name || '.' || c.name || CASE WHEN c.\"notnull\" = 1 OR c.pk > 0
             THEN ' not null' ELSE '' END FROM ({tables}) t, pragma_table_info(t.name) c
         UNION ALL SELECT 'primary key ' || t.name || '(' || group_concat(c.name, ', ' ORDER BY c.pk) || ')'
             FROM ({tables}) t, pragma_table_info(t.name) c WHERE c.pk > 0 GROUP BY t.name
         UNION ALL SELECT 'foreign key ' || t.name || '.' || f.\"from\" || ' -> ' || f.\"table\" || '.' ||
             coalesce(f.\"to\", '?') FROM ({tables}) t, pragma_foreign_key_list(t.name) f"
    );
    let mut schema: BTreeSet<String> =
        diesel::sql_query(facts).load::<Fact>(&mut conn).unwrap().into_iter().map(|f| f.fact).collect();
    let index_rows = format!(
        "SELECT t.name AS tbl, i.name AS idx, i.\"unique\" AS is_unique, c.name AS col
         FROM ({tables}) t, pragma_index_list(t.name) i, pragma_index_xinfo(i.name) c
         WHERE i.origin <> 'pk' AND c.key = 1 ORDER BY t.name, i.name, c.seqno"
    );
    schema.extend(indexes(diesel::sql_query(index_rows).load::<IndexColumn>(&mut conn).unwrap()));
    schema
}

fn postgres_schema(url: &str) -> BTreeSet<String> {
    let mut conn = PgConnection::establish(url).unwrap();
    let facts = "
        SELECT 'table ' || table_name AS fact FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        UNION ALL SELECT 'column ' || table_name || '.' || column_name ||
            CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
            FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL SELECT 'primary key ' || rel.relname || '(' ||
            string_agg(att.attname, ', ' ORDER BY array_position(con.conkey, att.attnum)) || ')'
            FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public'
            JOIN pg_attribute att ON att.attrelid = rel.oid AND att.attnum = ANY (con.conkey)
            WHERE con.contype = 'p' GROUP BY rel.relname, con.oid
        UNION ALL SELECT 'foreign key ' || rel.relname || '.' || att.attname || ' -> ' || frel.relname || '.' ||
            fatt.attname
            FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public'
            JOIN pg_class frel ON frel.oid = con.confrelid
            CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(col, fcol)
            JOIN pg_attribute att ON att.attrelid = rel.oid AND att.attnum = k.col
            JOIN pg_attribute fatt ON fatt.attrelid = frel.oid AND fatt.attnum = k.fcol
            WHERE con.contype = 'f'";
    let mut schema: BTreeSet<String> =
        diesel::sql_query(facts).load::<Fact>(&mut conn).unwrap().into_iter().map(|f| f.fact).collect();
    let index_rows = "
        SELECT t.relname AS tbl, i.relname AS idx, CASE WHEN x.indisunique THEN 1 ELSE 0 END AS is_unique,
            a.attname AS col
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
        CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
        WHERE NOT x.indisprimary AND k.position <= x.indnkeyatts
        ORDER BY t.relname, i.relname, k.position";
    schema.extend(indexes(diesel::sql_query(index_rows).load::<IndexColumn>(&mut conn).unwrap()));
    schema
}

#[test]
fn both_backends_have_the_same_schema() {
    if postgres_admin_url().is_none() {
        return;
    }
    let sqlite = TestDatabase::create(Backend::Sqlite).unwrap();
    let postgres = TestDatabase::create(Backend::Postgres).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let migrated = trygghet(dir.path(), &[("DATABASE_URL", &sqlite.url())]).arg("migrate").output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));

    let on_sqlite = sqlite_schema(&sqlite.url());
    let on_postgres = postgres_schema(&postgres.url());
    assert!(on_sqlite.iter().filter(|fact| fact.starts_with("table ")).count() >= 15, "{on_sqlite:#?}");
    assert!(on_sqlite.iter().any(|fact| fact.starts_with("index on ")), "{on_sqlite:#?}");
    assert!(on_sqlite.iter().any(|fact| fact.starts_with("foreign key ")), "{on_sqlite:#?}");
    let only_sqlite: Vec<_> = on_sqlite.difference(&on_postgres).collect();
    let only_postgres: Vec<_> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ:\n  only on SQLite: {only_sqlite:#?}\n  only on PostgreSQL: {only_postgres:#?}"
    );
}

/// Answers stored before they moved into their response's row (one row per value in a table `answers`) come through
/// the migration as the same rows: every response reads back what it had, multiple choices in their order, numbers
/// and texts (quotes and all) included, and a response without answers reads back none.
async fn answers_stored_before_move_into_their_responses(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use trygghet::db::DbConnection;
    use trygghet::db::models::response::decode_answers;
    use trygghet::domain::instrument::AnswerRow;

    let Some(database) = TestDatabase::create_empty(backend) else { return };
    let url = trygghet::config::DatabaseUrl::parse(&database.url()).unwrap();
    let mut conn = trygghet::db::connection::Target::of(&url).establish().unwrap();
    trygghet::db::migrations::run_up_to(&mut conn, "2026-12-05-000033_survey_sender").unwrap();
    // The responses' survey is left out: only the answers are looked at.
    let without_keys = match conn {
        DbConnection::Sqlite(_) => "PRAGMA foreign_keys = OFF",
        DbConnection::Postgres(_) => "SET session_replication_role = replica",
    };
    conn.batch_execute(without_keys).unwrap();
    conn.batch_execute(
        "INSERT INTO responses (id, survey_id, municipality_code, mode, submitted_on, instrument_version, language, \
         settled) VALUES ('r1', 's', '1783', 'web', '2026-09-01', 'v', 'sv', TRUE), \
         ('r2', 's', '1783', 'paper', '2026-09-01', 'v', 'sv', FALSE);
         INSERT INTO answers (response_id, item_id, position, option_code, number_value, text_value) VALUES \
         ('r1', 'unsafe_places', 1, 'parks', NULL, NULL), ('r1', 'age', 0, NULL, 42, NULL), \
         ('r1', 'unsafe_places', 0, 'stations', NULL, NULL), ('r1', 'area_safe', 0, 'rather_safe', NULL, NULL), \
         ('r1', 'comment', 0, NULL, NULL, 'Mer \"ljus\" vid torget, tack!');",
    )
    .unwrap();
    trygghet::db::migrations::run_pending(&mut conn).unwrap();

    let row = |item: &str, position: i32| AnswerRow {
        item_id: item.to_owned(),
        position,
        option_code: None,
        number: None,
        text: None,
    };
    let mut stored = |id: &str| {
        let query = diesel::sql_query(format!("SELECT answers AS value FROM responses WHERE id = '{id}'"));
        let answers = match &mut conn {
            DbConnection::Sqlite(conn) => query.get_result::<Stored>(conn),
            DbConnection::Postgres(conn) => query.get_result::<Stored>(conn),
        };
        let answers = answers.unwrap().value;
        // As the service writes them: no member that is null, no position of 0.
        assert!(!answers.contains("null") && !answers.replace(' ', "").contains(r#""p":0"#), "{answers}");
        decode_answers(&answers).unwrap()
    };
    assert_eq!(
        stored("r1"),
        [
            AnswerRow { number: Some(42), ..row("age", 0) },
            AnswerRow { option_code: Some("rather_safe".to_owned()), ..row("area_safe", 0) },
            AnswerRow { text: Some("Mer \"ljus\" vid torget, tack!".to_owned()), ..row("comment", 0) },
            AnswerRow { option_code: Some("stations".to_owned()), ..row("unsafe_places", 0) },
            AnswerRow { option_code: Some("parks".to_owned()), ..row("unsafe_places", 1) },
        ]
    );
    assert_eq!(stored("r2"), []);
}
on_both_backends!(
    answers_stored_before_move_into_their_responses,
    super::answers_stored_before_move_into_their_responses
);

/// One text column, `value`.
#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    value: String,
}
