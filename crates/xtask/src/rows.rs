//! The staging row types, `db-models/src/models/staging_rows.rs`, written from a migrated
//! database's catalog: one struct per table an extraction writes (an entity table, which holds
//! the record's `raw` JSON, and each table hanging off one by a foreign key), its fields the
//! table's columns (generated columns left out: Postgres computes them), typed by their SQL
//! type and nullability, documented by their comments; and `upsert_set!`, the `SET` of each
//! entity table's upsert (every column but the key).
// A catalog query that fails is a bug of this generator: its panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{bail, Result};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Text};

/// Where the row types go, from the workspace root.
pub const FILE: &str = "crates/db-models/src/models/staging_rows.rs";

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    table_comment: Option<String>,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Bool)]
    key: bool,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    /// The tables its foreign keys name (see [`row_tables`]).
    #[diesel(sql_type = Array<Text>)]
    parents: Vec<String>,
    #[diesel(sql_type = Bool)]
    holds_record: bool,
}

/// The columns an extraction writes, of every staging table, in table and column order.
const COLUMNS: &str = "
    SELECT c.relname::text AS table_name, obj_description(c.oid, 'pg_class') AS table_comment,
           a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS sql_type,
           a.attnotnull AS not_null,
           EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p'
                   AND a.attnum = ANY (p.conkey)) AS key,
           col_description(c.oid, a.attnum) AS comment,
           ARRAY(SELECT p.relname::text FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
                 WHERE f.conrelid = c.oid AND f.contype = 'f') AS parents,
           EXISTS (SELECT 1 FROM pg_attribute r WHERE r.attrelid = c.oid AND r.attname = 'raw'
                   AND r.atttypid = 'jsonb'::regtype) AS holds_record
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE n.nspname = 'staging' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attgenerated = ''
    ORDER BY c.relname, a.attnum";

/// One row table.
struct Table {
    name: String,
    comment: Option<String>,
    /// An entity table (it holds the record's `raw` JSON, is upserted by id); otherwise a
    /// relation or child table, compared and rewritten by owner, hence `Eq` and `Hash`.
    entity: bool,
    columns: Vec<Column>,
}

struct Column {
    name: String,
    sql_type: String,
    not_null: bool,
    key: bool,
    comment: Option<String>,
}

/// The tables an extraction writes: those holding a record's `raw` JSON and those whose
/// foreign key names one of them (the run bookkeeping, `extract_run*` and `rejected`, is
/// neither).
fn row_tables(conn: &mut PgConnection) -> Vec<Table> {
    let rows: Vec<ColumnRow> = diesel::sql_query(COLUMNS).load(conn).unwrap();
    let entities: BTreeSet<String> = rows
        .iter()
        .filter(|r| r.holds_record)
        .map(|r| r.table_name.clone())
        .collect();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in rows {
        let child = r.parents.iter().any(|p| entities.contains(p));
        if !r.holds_record && !child {
            continue;
        }
        let table = tables.entry(r.table_name.clone()).or_insert_with(|| Table {
            name: r.table_name,
            comment: r.table_comment,
            entity: r.holds_record,
            columns: Vec::new(),
        });
        table.columns.push(Column {
            name: r.name,
            sql_type: r.sql_type,
            not_null: r.not_null,
            key: r.key,
            comment: r.comment,
        });
    }
    tables.into_values().collect()
}

/// The Rust type a row holds for a column of `sql_type`, and whether it is a list (stored as
/// a NOT NULL array of non-null values, read from a JSON list whose nulls are dropped).
fn rust_type(table: &str, column: &Column) -> Result<(String, bool)> {
    let (base, list) = match column.sql_type.strip_suffix("[]") {
        Some(element) => (element, true),
        None => (column.sql_type.as_str(), false),
    };
    let rust = match base {
        "text" => "String",
        "integer" => "i32",
        "bigint" => "i64",
        "double precision" => "f64",
        "boolean" => "bool",
        "date" => "chrono::NaiveDate",
        "timestamp with time zone" => "chrono::DateTime<chrono::Utc>",
        "jsonb" => "serde_json::Value",
        other => bail!(
            "staging.{table}.{}: no Rust type for SQL type {other}: add it to {}",
            column.name,
            file!()
        ),
    };
    Ok(match (list, column.not_null) {
        (true, true) => (format!("Vec<{rust}>"), true),
        (true, false) => bail!(
            "staging.{table}.{}: a list column is NOT NULL (an absent list is stored empty)",
            column.name
        ),
        (false, true) => (rust.to_string(), false),
        (false, false) => (format!("Option<{rust}>"), false),
    })
}

/// `launch_ship` → `NewLaunchShip`.
fn row_name(table: &str) -> String {
    let mut name = String::from("New");
    for word in table.split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}

/// How diesel's `print-schema` names a column in Rust: a keyword gets a trailing `_`.
fn rust_name(column: &str) -> String {
    match column {
        "type" | "abstract" | "as" | "box" | "const" | "enum" | "fn" | "impl" | "in" | "loop"
        | "match" | "mod" | "move" | "ref" | "static" | "struct" | "trait" | "use" | "where" => {
            format!("{column}_")
        }
        other => other.to_string(),
    }
}

fn docs(out: &mut String, indent: &str, text: Option<&str>) {
    for line in text.unwrap_or_default().lines() {
        let _ = writeln!(out, "{indent}/// {line}");
    }
}

/// The Rust source of the row types (unformatted: `rustfmt` lays it out).
pub fn render(conn: &mut PgConnection) -> Result<String> {
    let tables = row_tables(conn);
    let mut out = String::from(
        "// @generated by `cargo xtask schema` from the migrations: do not edit.\n\
         //! The rows an extraction writes into staging, one per table, generated from the\n\
         //! migrated tables (see `crates/xtask/src/rows.rs`).\n\
         #![allow(missing_docs)] // the migrations comment most columns, not all\n\n\
         use diesel::prelude::*;\nuse serde::Deserialize;\n\n\
         use crate::schema::staging;\n\n",
    );
    let mut upserts = String::new();
    for table in &tables {
        docs(&mut out, "", table.comment.as_deref());
        // `Default`: a row built by hand (tests) names the columns it sets, so that a new
        // column does not break it.
        let derives = match table.entity {
            true => "Debug, Clone, Default, PartialEq, Insertable, Deserialize",
            false => {
                "Debug, Clone, Default, PartialEq, Eq, Hash, Insertable, Queryable, \
                      Selectable, Deserialize"
            }
        };
        let _ = writeln!(
            out,
            "#[derive({derives})]\n#[diesel(table_name = staging::{})]\n\
             #[serde(deny_unknown_fields)]\npub struct {} {{",
            table.name,
            row_name(&table.name)
        );
        let mut set = Vec::new();
        for column in &table.columns {
            let (rust, list) = rust_type(&table.name, column)?;
            if !table.entity && rust.contains("f64") {
                bail!(
                    "staging.{}.{}: a relation row is compared by Eq and Hash, which f64 lacks",
                    table.name,
                    column.name
                );
            }
            docs(&mut out, "    ", column.comment.as_deref());
            let field = rust_name(&column.name);
            if field != column.name {
                let _ = writeln!(out, "    #[serde(rename = \"{}\")]", column.name);
            }
            if list {
                out.push_str("    #[serde(default, deserialize_with = \"super::non_null\")]\n");
            }
            let _ = writeln!(out, "    pub {field}: {rust},");
            if !column.key {
                set.push(format!("{field}.eq(::diesel::upsert::excluded({field}))"));
            }
        }
        out.push_str("}\n\n");
        if table.entity {
            let _ = writeln!(
                upserts,
                "({}) => {{{{ use ::diesel::ExpressionMethods as _; \
                 use $crate::schema::staging::{}::*; ({},) }}}};",
                table.name,
                table.name,
                set.join(", ")
            );
        }
    }
    let _ = writeln!(
        out,
        "/// The `SET` of an upsert of an entity table, `upsert_set!(capsule)`: every column \
         but the key, to the value the insert proposed (`excluded`).\n\
         #[macro_export]\nmacro_rules! upsert_set {{\n{upserts}}}"
    );
    Ok(out)
}
