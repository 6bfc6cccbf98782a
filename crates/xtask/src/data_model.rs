//! The data-model drawing: `doc/data-model.drawio` and `doc/data-model.svg`, rendered from
//! the tables, columns, types, keys and comments of `staging` and `marts` in a migrated
//! database's catalog, so they cannot drift from `migrations/`.
// A catalog query that fails, or a table the catalog lists twice, is a bug of this generator:
// its panic is the report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

/// The schemas drawn, in this order (the order data flows through them).
const SCHEMAS: [&str; 2] = ["staging", "marts"];

// ---- the model, read from the catalog ----

#[derive(Debug, Clone)]
struct Schema {
    name: String,
    comment: Option<String>,
    tables: Vec<Table>,
}

#[derive(Debug, Clone)]
struct Table {
    oid: i64,
    schema: String,
    name: String,
    comment: Option<String>,
    columns: Vec<Column>,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    /// Short type name (`timestamptz`, `bigserial`, `text[]`, …).
    type_name: String,
    not_null: bool,
    primary_key: bool,
    foreign_key: bool,
    comment: Option<String>,
}

#[derive(Debug, Clone)]
struct ForeignKey {
    name: String,
    from_table: i64,
    from_column: String,
    to_table: i64,
    to_column: String,
    on_delete: String,
}

#[derive(QueryableByName)]
struct SchemaRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = BigInt)]
    oid: i64,
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = BigInt)]
    table_oid: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Bool)]
    serial: bool,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = BigInt)]
    table_oid: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    ref_table_oid: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_column: Option<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

/// The tables of `SCHEMAS` in creation order (the order of the migrations), with their keys.
fn read_model(conn: &mut PgConnection) -> (Vec<Schema>, Vec<ForeignKey>) {
    let schema_list = "ARRAY['staging', 'marts']";
    let schema_rows: Vec<SchemaRow> = diesel::sql_query(format!(
        "SELECT n.nspname::text AS name, obj_description(n.oid, 'pg_namespace') AS comment
         FROM pg_namespace n WHERE n.nspname = ANY ({schema_list})"
    ))
    .load(conn)
    .unwrap();
    let table_rows: Vec<TableRow> = diesel::sql_query(format!(
        "SELECT c.oid::bigint AS oid, n.nspname::text AS schema, c.relname::text AS name,
                obj_description(c.oid, 'pg_class') AS comment
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY ({schema_list}) AND c.relkind IN ('r', 'p')
         ORDER BY c.oid"
    ))
    .load(conn)
    .unwrap();
    let column_rows: Vec<ColumnRow> = diesel::sql_query(format!(
        "SELECT a.attrelid::bigint AS table_oid, a.attname::text AS name,
                format_type(a.atttypid, a.atttypmod) AS type_name, a.attnotnull AS not_null,
                coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) AS serial,
                col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = ANY ({schema_list}) AND c.relkind IN ('r', 'p')
           AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attrelid, a.attnum"
    ))
    .load(conn)
    .unwrap();
    let key_rows: Vec<KeyRow> = diesel::sql_query(format!(
        "SELECT con.conrelid::bigint AS table_oid, con.contype::text AS kind,
                con.conname::text AS name, k.ord::int AS position,
                a.attname::text AS column_name,
                nullif(con.confrelid, 0)::bigint AS ref_table_oid,
                ra.attname::text AS ref_column,
                CASE con.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null'
                     WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict'
                     ELSE 'no action' END AS on_delete
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
         LEFT JOIN pg_attribute ra
                ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[k.ord]
         WHERE n.nspname = ANY ({schema_list}) AND con.contype IN ('p', 'f')
         ORDER BY con.conrelid, con.contype, con.conname, k.ord"
    ))
    .load(conn)
    .unwrap();

    let mut tables: Vec<Table> = table_rows
        .into_iter()
        .map(|t| Table {
            oid: t.oid,
            schema: t.schema,
            name: t.name,
            comment: t.comment,
            columns: Vec::new(),
        })
        .collect();
    let index: BTreeMap<i64, usize> = tables.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
    for c in column_rows {
        let type_name = short_type(&c.type_name, c.serial);
        tables[index[&c.table_oid]].columns.push(Column {
            name: c.name,
            type_name,
            not_null: c.not_null,
            primary_key: false,
            foreign_key: false,
            comment: c.comment,
        });
    }
    let mut foreign_keys = Vec::new();
    for k in key_rows {
        let table = &mut tables[index[&k.table_oid]];
        let column = table
            .columns
            .iter_mut()
            .find(|c| c.name == k.column_name)
            .unwrap();
        if k.kind == "p" {
            column.primary_key = true;
            continue;
        }
        column.foreign_key = true;
        // One edge per constraint, from its first column; only to tables that are drawn.
        if let (1, Some(to_table), Some(to_column)) = (k.position, k.ref_table_oid, k.ref_column) {
            if index.contains_key(&to_table) {
                foreign_keys.push(ForeignKey {
                    name: k.name,
                    from_table: k.table_oid,
                    from_column: k.column_name,
                    to_table,
                    to_column,
                    on_delete: k.on_delete,
                });
            }
        }
    }
    let schemas = SCHEMAS
        .iter()
        .map(|name| Schema {
            name: name.to_string(),
            comment: schema_rows
                .iter()
                .find(|s| s.name == *name)
                .and_then(|s| s.comment.clone()),
            tables: tables
                .iter()
                .filter(|t| t.schema == *name)
                .cloned()
                .collect(),
        })
        .collect();
    (schemas, foreign_keys)
}

fn short_type(full: &str, serial: bool) -> String {
    let short = full
        .replace("timestamp with time zone", "timestamptz")
        .replace("timestamp without time zone", "timestamp")
        .replace("character varying", "varchar");
    match (serial, short.as_str()) {
        (true, "bigint") => "bigserial".into(),
        (true, "integer") => "serial".into(),
        _ => short,
    }
}

// ---- layout: one shared geometry for both renderings ----

const MARGIN: i64 = 20;
const TITLE_H: i64 = 44;
const GROUP_PAD: i64 = 20;
const GROUP_GAP: i64 = 28;
/// Height of a schema's name above its comment lines.
const GROUP_TITLE_H: i64 = 30;
const HEADER_H: i64 = 28;
const ROW_H: i64 = 20;
const COMMENT_LINE_H: i64 = 14;
const COMMENT_PAD: i64 = 7;
/// Gutter between table columns, where foreign-key edges run.
const GUTTER: i64 = 90;
const TABLE_GAP: i64 = 24;
/// Vertical gap between two families of tables in the same columns.
const FAMILY_GAP: i64 = 44;
/// Width of a character of the 12 px monospace font (DejaVu Sans Mono, Menlo, Consolas).
const MONO_CHAR_W: f64 = 7.3;
/// Average width of a character of the 11 px sans-serif comment font (generous).
const SANS_CHAR_W: f64 = 6.0;
/// x of the column name inside a table (after the "PK FK" marks).
const NAME_X: i64 = 50;

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

struct Layout {
    width: i64,
    height: i64,
    groups: Vec<GroupBox>,
    /// Table oid → its box, wrapped comment lines.
    tables: BTreeMap<i64, TableBox>,
    edges: Vec<Edge>,
}

struct GroupBox {
    schema: usize,
    rect: Rect,
    title_lines: Vec<String>,
}

struct TableBox {
    rect: Rect,
    comment_lines: Vec<String>,
}

/// Columns holding families of tables, stacked top to bottom.
#[derive(Debug, Clone, Default)]
struct ColumnGroup {
    /// Columns wide (the deepest family's depth + 1).
    columns: usize,
    /// Height of the stacked families.
    height: i64,
    /// (family index, y offset of its band).
    members: Vec<(usize, i64)>,
}

struct Edge {
    fk: ForeignKey,
    /// Start (child side), corners, end (parent side): absolute coordinates.
    points: Vec<(i64, i64)>,
}

fn wrap(text: &str, width_px: i64, char_w: f64) -> Vec<String> {
    let max_chars = ((width_px as f64) / char_w).floor() as usize;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max_chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn table_height(table: &Table, comment_lines: usize) -> i64 {
    let comment = if comment_lines == 0 {
        0
    } else {
        2 * COMMENT_PAD + comment_lines as i64 * COMMENT_LINE_H
    };
    HEADER_H + table.columns.len() as i64 * ROW_H + comment
}

fn column_type_text(column: &Column) -> String {
    if column.not_null {
        format!("{} not null", column.type_name)
    } else {
        column.type_name.clone()
    }
}

/// Tables linked by foreign keys are drawn as families: a table that references none of the
/// drawn tables on the left, the tables referencing it in the column to its right (their own
/// children further right), so every edge runs in the gutter between two neighbouring columns
/// and stays inside its family's band. Families are stacked in one or more column groups of
/// similar height; tables without any foreign key, in or out, fill further columns.
fn layout(schemas: &[Schema], foreign_keys: &[ForeignKey]) -> Layout {
    let all: Vec<&Table> = schemas.iter().flat_map(|s| &s.tables).collect();
    let longest_name = all
        .iter()
        .flat_map(|t| &t.columns)
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    let longest_type = all
        .iter()
        .flat_map(|t| &t.columns)
        .map(|c| column_type_text(c).len())
        .max()
        .unwrap_or(0);
    let table_w = (NAME_X as f64 + (longest_name + longest_type + 3) as f64 * MONO_CHAR_W + 10.0)
        .ceil()
        .max(300.0) as i64;

    // Per schema: (table oid, column index, y offset from the top of the schema's tables).
    let mut placements: Vec<Vec<(i64, usize, i64)>> = Vec::new();
    let mut tables = BTreeMap::new();
    for schema in schemas {
        let oids: Vec<i64> = schema.tables.iter().map(|t| t.oid).collect();
        let created = |oid: i64| oids.iter().position(|&o| o == oid).unwrap_or(usize::MAX);
        // The drawn tables a table references, in creation order.
        let parents = |oid: i64| -> Vec<i64> {
            let mut found: Vec<i64> = foreign_keys
                .iter()
                .filter(|fk| {
                    fk.from_table == oid && fk.to_table != oid && oids.contains(&fk.to_table)
                })
                .map(|fk| fk.to_table)
                .collect();
            found.sort_by_key(|&p| created(p));
            found.dedup();
            found
        };
        let connected = |oid: i64| {
            foreign_keys.iter().any(|fk| {
                fk.from_table != fk.to_table
                    && ((fk.from_table == oid && oids.contains(&fk.to_table))
                        || (fk.to_table == oid && oids.contains(&fk.from_table)))
            })
        };
        // Depth = length of the longest chain of references (no cycles among our tables).
        let mut depth: BTreeMap<i64, usize> = BTreeMap::new();
        for _ in 0..oids.len() {
            for &oid in &oids {
                let d = parents(oid)
                    .iter()
                    .map(|p| depth.get(p).copied().unwrap_or(0) + 1)
                    .max()
                    .unwrap_or(0);
                depth.insert(oid, d);
            }
        }
        let root = |mut oid: i64| {
            while let Some(&parent) = parents(oid).first() {
                oid = parent;
            }
            oid
        };

        let comment_w = table_w - 2 * COMMENT_PAD;
        let mut heights = BTreeMap::new();
        for table in &schema.tables {
            let lines = table
                .comment
                .as_deref()
                .map(|c| wrap(c, comment_w, SANS_CHAR_W))
                .unwrap_or_default();
            heights.insert(table.oid, table_height(table, lines.len()));
            tables.insert(
                table.oid,
                TableBox {
                    rect: Rect {
                        x: 0,
                        y: 0,
                        w: table_w,
                        h: 0,
                    },
                    comment_lines: lines,
                },
            );
        }
        let stacked = |column: &[i64]| -> i64 {
            column
                .iter()
                .map(|oid| heights[oid] + TABLE_GAP)
                .sum::<i64>()
                - TABLE_GAP
        };

        // Families: columns of tables by depth, children in the order of their first parent.
        let mut families: Vec<Vec<Vec<i64>>> = Vec::new();
        for &head in oids.iter().filter(|&&o| connected(o) && depth[&o] == 0) {
            let mut columns: Vec<Vec<i64>> = vec![vec![head]];
            for &oid in oids
                .iter()
                .filter(|&&o| connected(o) && depth[&o] > 0 && root(o) == head)
            {
                let d = depth[&oid];
                while columns.len() <= d {
                    columns.push(Vec::new());
                }
                columns[d].push(oid);
            }
            for d in 1..columns.len() {
                let previous = columns[d - 1].clone();
                columns[d].sort_by_key(|&oid| {
                    let first_parent = parents(oid)
                        .iter()
                        .filter_map(|p| previous.iter().position(|q| q == p))
                        .min()
                        .unwrap_or(usize::MAX);
                    (first_parent, created(oid))
                });
            }
            families.push(columns);
        }
        // Column groups of similar height: each family joins the shortest group so far.
        let group_count = ((families.len() as f64 / 2.0).sqrt().round() as usize).max(1);
        let mut groups = vec![ColumnGroup::default(); group_count];
        for (f, family) in families.iter().enumerate() {
            let band = family.iter().map(|c| stacked(c)).max().unwrap_or(0);
            let group = (0..group_count)
                .min_by_key(|&g| (groups[g].height, g))
                .unwrap_or(0);
            let group = &mut groups[group];
            let y = if group.members.is_empty() {
                0
            } else {
                group.height + FAMILY_GAP
            };
            group.columns = group.columns.max(family.len());
            group.height = y + band;
            group.members.push((f, y));
        }
        let mut placed = Vec::new();
        let mut first_column = 0;
        for group in groups.iter().filter(|g| !g.members.is_empty()) {
            for &(f, band_y) in &group.members {
                for (d, column) in families[f].iter().enumerate() {
                    let mut y = band_y;
                    for &oid in column {
                        placed.push((oid, first_column + d, y));
                        y += heights[&oid] + TABLE_GAP;
                    }
                }
            }
            first_column += group.columns;
        }
        // Tables without foreign keys: columns no taller than the rest, at most about four.
        let loose: Vec<i64> = oids.iter().copied().filter(|&o| !connected(o)).collect();
        let target = groups
            .iter()
            .map(|g| g.height)
            .chain(loose.iter().map(|o| heights[o]))
            .chain(std::iter::once(
                (stacked(&loose) + 3) / 4, // about four columns at most
            ))
            .max()
            .unwrap_or(0);
        let mut column: Vec<i64> = Vec::new();
        for &oid in &loose {
            let mut candidate = column.clone();
            candidate.push(oid);
            if !column.is_empty() && stacked(&candidate) > target {
                first_column += 1;
                column.clear();
            }
            let y = if column.is_empty() {
                0
            } else {
                stacked(&column) + TABLE_GAP
            };
            placed.push((oid, first_column, y));
            column.push(oid);
        }
        placements.push(placed);
    }

    let widest = placements
        .iter()
        .map(|placed| placed.iter().map(|p| p.1 as i64 + 1).max().unwrap_or(1))
        .max()
        .unwrap_or(1);
    let group_w = 2 * GROUP_PAD + widest * table_w + (widest - 1).max(0) * GUTTER;
    let mut groups = Vec::new();
    let mut y = MARGIN + TITLE_H;
    for (i, (schema, placed)) in schemas.iter().zip(&placements).enumerate() {
        let title_lines = schema
            .comment
            .as_deref()
            .map(|c| wrap(c, group_w - 2 * GROUP_PAD, 6.6))
            .unwrap_or_default();
        let top = y + GROUP_TITLE_H + title_lines.len() as i64 * 16 + 10;
        let mut bottom = top;
        for &(oid, column, offset) in placed {
            let table = schemas[i].tables.iter().find(|t| t.oid == oid).unwrap();
            let table_box = tables.get_mut(&oid).unwrap();
            let h = table_height(table, table_box.comment_lines.len());
            table_box.rect = Rect {
                x: MARGIN + GROUP_PAD + column as i64 * (table_w + GUTTER),
                y: top + offset,
                w: table_w,
                h,
            };
            bottom = bottom.max(top + offset + h);
        }
        let rect = Rect {
            x: MARGIN,
            y,
            w: group_w,
            h: bottom + GROUP_PAD - y,
        };
        groups.push(GroupBox {
            schema: i,
            rect,
            title_lines,
        });
        y += rect.h + GROUP_GAP;
    }

    // Edges: from the child's left side at its column, through a lane of the gutter left of
    // the child (one lane per referenced table), to the parent's right side at its column.
    let table_of = |oid: i64| all.iter().find(|t| t.oid == oid).unwrap();
    let row_y = |oid: i64, column: &str| {
        let rect = tables[&oid].rect;
        let index = table_of(oid)
            .columns
            .iter()
            .position(|c| c.name == column)
            .unwrap() as i64;
        rect.y + HEADER_H + index * ROW_H + ROW_H / 2
    };
    let mut lanes: BTreeMap<i64, Vec<i64>> = BTreeMap::new(); // gutter x → parents
    for fk in foreign_keys
        .iter()
        .filter(|fk| fk.from_table != fk.to_table)
    {
        let gutter = tables[&fk.from_table].rect.x;
        let parents = lanes.entry(gutter).or_default();
        if !parents.contains(&fk.to_table) {
            parents.push(fk.to_table);
        }
    }
    // The highest parent gets the lane nearest the children: no edge then crosses another
    // (for parents stacked top to bottom with their children in the same order).
    for parents in lanes.values_mut() {
        parents.sort_by_key(|p| std::cmp::Reverse(tables[p].rect.y));
    }
    let edges = foreign_keys
        .iter()
        .filter(|fk| fk.from_table != fk.to_table)
        .map(|fk| {
            let child = tables[&fk.from_table].rect;
            let parent = tables[&fk.to_table].rect;
            let parents = &lanes[&child.x];
            let lane = parents.iter().position(|p| *p == fk.to_table).unwrap() as i64;
            let lane_x = child.x - GUTTER + (lane + 1) * GUTTER / (parents.len() as i64 + 1);
            let start = (child.x, row_y(fk.from_table, &fk.from_column));
            let end = (parent.x + parent.w, row_y(fk.to_table, &fk.to_column));
            Edge {
                fk: fk.clone(),
                points: vec![start, (lane_x, start.1), (lane_x, end.1), end],
            }
        })
        .collect();

    Layout {
        width: MARGIN * 2 + group_w,
        height: y - GROUP_GAP + MARGIN,
        groups,
        tables,
        edges,
    }
}

// ---- rendering ----

const TITLE: &str = "greenadam data model";
const SUBTITLE: &str = "Generated from migrations/ by `cargo xtask data-model` \
     (crates/xtask). PK primary key, FK foreign key (arrow to the referenced \
     column). Hover a column for its comment.";

struct Palette {
    group_fill: &'static str,
    stroke: &'static str,
    header_fill: &'static str,
}

fn palette(schema: &str) -> Palette {
    match schema {
        "staging" => Palette {
            group_fill: "#f3f7fc",
            stroke: "#6c8ebf",
            header_fill: "#dae8fc",
        },
        _ => Palette {
            group_fill: "#f3f9f1",
            stroke: "#82b366",
            header_fill: "#d5e8d4",
        },
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
        .replace('\n', "&#10;")
}

fn marks(column: &Column) -> String {
    match (column.primary_key, column.foreign_key) {
        (true, true) => "PK FK".into(),
        (true, false) => "PK".into(),
        (false, true) => "FK".into(),
        (false, false) => String::new(),
    }
}

fn fk_description(schemas: &[Schema], fk: &ForeignKey) -> String {
    let name = |oid: i64| {
        schemas
            .iter()
            .flat_map(|s| &s.tables)
            .find(|t| t.oid == oid)
            .map(|t| format!("{}.{}", t.schema, t.name))
            .unwrap()
    };
    format!(
        "{}: {}.{} references {}.{} (on delete {})",
        fk.name,
        name(fk.from_table),
        fk.from_column,
        name(fk.to_table),
        fk.to_column,
        fk.on_delete
    )
}

fn render_svg(schemas: &[Schema], layout: &Layout) -> String {
    let mut s = String::new();
    writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif">"##,
        w = layout.width,
        h = layout.height
    )
    .unwrap();
    writeln!(s, "  <title>{}</title>", xml(TITLE)).unwrap();
    s.push_str(concat!(
        "  <defs>\n",
        "    <marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\n",
        "      <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444444\"/>\n",
        "    </marker>\n",
        "  </defs>\n",
    ));
    writeln!(
        s,
        r##"  <rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        layout.width, layout.height
    )
    .unwrap();
    writeln!(
        s,
        r##"  <text x="{}" y="{}" font-size="18" font-weight="bold" fill="#222222">{}</text>"##,
        MARGIN,
        MARGIN + 14,
        xml(TITLE)
    )
    .unwrap();
    writeln!(
        s,
        r##"  <text x="{}" y="{}" font-size="11" fill="#555555">{}</text>"##,
        MARGIN,
        MARGIN + 32,
        xml(SUBTITLE)
    )
    .unwrap();
    for group in &layout.groups {
        let schema = &schemas[group.schema];
        let p = palette(&schema.name);
        let r = group.rect;
        writeln!(s, r#"  <g id="schema-{}">"#, xml(&schema.name)).unwrap();
        writeln!(
            s,
            r#"    <rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="{}" stroke="{}" stroke-width="1.5"/>"#,
            r.x, r.y, r.w, r.h, p.group_fill, p.stroke
        )
        .unwrap();
        writeln!(
            s,
            r##"    <text x="{}" y="{}" font-size="15" font-weight="bold" fill="#222222">{}</text>"##,
            r.x + GROUP_PAD,
            r.y + 22,
            xml(&schema.name)
        )
        .unwrap();
        for (i, line) in group.title_lines.iter().enumerate() {
            writeln!(
                s,
                r##"    <text x="{}" y="{}" font-size="12" fill="#444444">{}</text>"##,
                r.x + GROUP_PAD,
                r.y + GROUP_TITLE_H + 10 + i as i64 * 16,
                xml(line)
            )
            .unwrap();
        }
        for table in &schema.tables {
            render_svg_table(&mut s, table, &layout.tables[&table.oid], &p);
        }
        s.push_str("  </g>\n");
    }
    for edge in &layout.edges {
        let d: Vec<String> = edge
            .points
            .iter()
            .enumerate()
            .map(|(i, (x, y))| format!("{}{x},{y}", if i == 0 { "M" } else { " L" }))
            .collect();
        let (sx, sy) = edge.points[0];
        writeln!(
            s,
            r##"  <g class="fk"><title>{}</title><path d="{}" fill="none" stroke="#444444" stroke-width="1.4" marker-end="url(#arrow)"/><circle cx="{sx}" cy="{sy}" r="3" fill="#444444"/></g>"##,
            xml(&fk_description(schemas, &edge.fk)),
            d.concat()
        )
        .unwrap();
    }
    s.push_str("</svg>\n");
    s
}

fn render_svg_table(s: &mut String, table: &Table, table_box: &TableBox, p: &Palette) {
    let r = table_box.rect;
    writeln!(
        s,
        r#"    <g id="table-{}.{}">"#,
        xml(&table.schema),
        xml(&table.name)
    )
    .unwrap();
    if let Some(comment) = &table.comment {
        writeln!(
            s,
            "      <title>{}.{}: {}</title>",
            xml(&table.schema),
            xml(&table.name),
            xml(comment)
        )
        .unwrap();
    }
    writeln!(
        s,
        r##"      <rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" stroke="{}" stroke-width="1.2"/>"##,
        r.x, r.y, r.w, r.h, p.stroke
    )
    .unwrap();
    writeln!(
        s,
        r#"      <rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="1.2"/>"#,
        r.x, r.y, r.w, HEADER_H, p.header_fill, p.stroke
    )
    .unwrap();
    writeln!(
        s,
        r##"      <text x="{}" y="{}" font-size="13" font-weight="bold" fill="#222222">{}</text>"##,
        r.x + 8,
        r.y + 19,
        xml(&table.name)
    )
    .unwrap();
    for (i, column) in table.columns.iter().enumerate() {
        let top = r.y + HEADER_H + i as i64 * ROW_H;
        let base = top + 14;
        let shade = if i % 2 == 1 { "#f7f7f7" } else { "#ffffff" };
        write!(
            s,
            r#"      <g><title>{}</title>"#,
            xml(column.comment.as_deref().unwrap_or(&column.name))
        )
        .unwrap();
        write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
            r.x + 1,
            top,
            r.w - 2,
            ROW_H,
            shade
        )
        .unwrap();
        let mark = marks(column);
        if !mark.is_empty() {
            write!(
                s,
                r##"<text x="{}" y="{}" font-size="10" font-weight="bold" fill="#9a6700" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">{}</text>"##,
                r.x + 8,
                base,
                mark
            )
            .unwrap();
        }
        let weight = if column.primary_key {
            r#" font-weight="bold""#
        } else {
            ""
        };
        write!(
            s,
            r##"<text x="{}" y="{}" font-size="12"{} fill="#222222" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">{}</text>"##,
            r.x + NAME_X,
            base,
            weight,
            xml(&column.name)
        )
        .unwrap();
        write!(
            s,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#555555" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">{}</text>"##,
            r.x + r.w - 8,
            base,
            xml(&column_type_text(column))
        )
        .unwrap();
        s.push_str("</g>\n");
    }
    if !table_box.comment_lines.is_empty() {
        let top = r.y + HEADER_H + table.columns.len() as i64 * ROW_H;
        writeln!(
            s,
            r##"      <line x1="{}" y1="{top}" x2="{}" y2="{top}" stroke="#cccccc"/>"##,
            r.x,
            r.x + r.w
        )
        .unwrap();
        for (i, line) in table_box.comment_lines.iter().enumerate() {
            writeln!(
                s,
                r##"      <text x="{}" y="{}" font-size="11" font-style="italic" fill="#555555">{}</text>"##,
                r.x + COMMENT_PAD,
                top + COMMENT_PAD + 10 + i as i64 * COMMENT_LINE_H,
                xml(line)
            )
            .unwrap();
        }
    }
    s.push_str("    </g>\n");
}

fn render_drawio(schemas: &[Schema], layout: &Layout) -> String {
    let mut s = String::new();
    s.push_str(concat!(
        "<mxfile host=\"greenadam\" agent=\"cargo xtask data-model\">\n",
        "  <diagram id=\"data-model\" name=\"data model\">\n",
    ));
    writeln!(
        s,
        r#"    <mxGraphModel dx="{w}" dy="{h}" grid="1" gridSize="10" guides="1" tooltips="1" connect="1" arrows="1" fold="1" page="1" pageScale="1" pageWidth="{w}" pageHeight="{h}" math="0" shadow="0">"#,
        w = layout.width,
        h = layout.height
    )
    .unwrap();
    s.push_str(
        "      <root>\n        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n",
    );
    writeln!(
        s,
        r#"        <mxCell id="title" value="{}" style="text;html=0;fontSize=18;fontStyle=1;align=left;verticalAlign=top;" vertex="1" parent="1"><mxGeometry x="{}" y="{}" width="{}" height="24" as="geometry"/></mxCell>"#,
        xml(TITLE),
        MARGIN,
        MARGIN - 4,
        layout.width - 2 * MARGIN
    )
    .unwrap();
    writeln!(
        s,
        r#"        <mxCell id="subtitle" value="{}" style="text;html=0;fontSize=11;fontColor=#555555;align=left;verticalAlign=top;" vertex="1" parent="1"><mxGeometry x="{}" y="{}" width="{}" height="18" as="geometry"/></mxCell>"#,
        xml(SUBTITLE),
        MARGIN,
        MARGIN + 20,
        layout.width - 2 * MARGIN
    )
    .unwrap();
    for group in &layout.groups {
        let schema = &schemas[group.schema];
        let p = palette(&schema.name);
        let r = group.rect;
        let group_id = format!("schema-{}", schema.name);
        writeln!(
            s,
            r#"        <mxCell id="{}" value="{}" style="rounded=1;arcSize=2;absoluteArcSize=1;whiteSpace=wrap;html=0;container=1;collapsible=0;fillColor={};strokeColor={};verticalAlign=top;align=left;spacingLeft={};spacingTop=6;fontSize=13;fontStyle=1;" vertex="1" parent="1"><mxGeometry x="{}" y="{}" width="{}" height="{}" as="geometry"/></mxCell>"#,
            xml(&group_id),
            xml(&match &schema.comment {
                Some(comment) => format!("{}: {}", schema.name, comment),
                None => schema.name.clone(),
            }),
            p.group_fill,
            p.stroke,
            GROUP_PAD,
            r.x,
            r.y,
            r.w,
            r.h
        )
        .unwrap();
        for table in &schema.tables {
            let table_box = &layout.tables[&table.oid];
            let t = table_box.rect;
            let table_id = format!("{}.{}", table.schema, table.name);
            writeln!(
                s,
                r#"        <object id="{}" label="{}" tooltip="{}"><mxCell style="swimlane;fontStyle=1;childLayout=stackLayout;horizontal=1;startSize={};horizontalStack=0;resizeParent=1;resizeParentMax=0;resizeLast=0;collapsible=1;marginBottom=0;html=0;align=left;spacingLeft=8;fontSize=13;fillColor={};strokeColor={};swimlaneFillColor=#ffffff;" vertex="1" parent="{}"><mxGeometry x="{}" y="{}" width="{}" height="{}" as="geometry"/></mxCell></object>"#,
                xml(&table_id),
                xml(&table.name),
                xml(table.comment.as_deref().unwrap_or("")),
                HEADER_H,
                p.header_fill,
                p.stroke,
                xml(&group_id),
                t.x - r.x,
                t.y - r.y,
                t.w,
                t.h
            )
            .unwrap();
            for (i, column) in table.columns.iter().enumerate() {
                let mark = marks(column);
                let label = format!(
                    "{}{}{}: {}",
                    mark,
                    if mark.is_empty() { "" } else { " " },
                    column.name,
                    column_type_text(column)
                );
                writeln!(
                    s,
                    r#"        <object id="{}.{}" label="{}" tooltip="{}"><mxCell style="text;html=0;strokeColor=none;fillColor=none;align=left;verticalAlign=middle;spacingLeft=8;spacingRight=8;overflow=hidden;rotatable=0;points=[[0,0.5],[1,0.5]];portConstraint=eastwest;fontFamily=Courier New;fontSize=12;{}" vertex="1" parent="{}"><mxGeometry y="{}" width="{}" height="{}" as="geometry"/></mxCell></object>"#,
                    xml(&table_id),
                    xml(&column.name),
                    xml(&label),
                    xml(column.comment.as_deref().unwrap_or("")),
                    if column.primary_key { "fontStyle=1;" } else { "" },
                    xml(&table_id),
                    HEADER_H + i as i64 * ROW_H,
                    t.w,
                    ROW_H
                )
                .unwrap();
            }
            if !table_box.comment_lines.is_empty() {
                let h = t.h - HEADER_H - table.columns.len() as i64 * ROW_H;
                writeln!(
                    s,
                    r#"        <mxCell id="{}#comment" value="{}" style="text;html=0;whiteSpace=wrap;strokeColor=none;fillColor=none;align=left;verticalAlign=top;spacingLeft=6;spacingRight=6;fontSize=11;fontStyle=2;fontColor=#555555;" vertex="1" parent="{}"><mxGeometry y="{}" width="{}" height="{}" as="geometry"/></mxCell>"#,
                    xml(&table_id),
                    xml(table.comment.as_deref().unwrap_or("")),
                    xml(&table_id),
                    HEADER_H + table.columns.len() as i64 * ROW_H,
                    t.w,
                    h
                )
                .unwrap();
            }
        }
    }
    let id_of = |oid: i64, column: &str| {
        let table = schemas
            .iter()
            .flat_map(|s| &s.tables)
            .find(|t| t.oid == oid)
            .unwrap();
        format!("{}.{}.{}", table.schema, table.name, column)
    };
    for edge in &layout.edges {
        let fk = &edge.fk;
        write!(
            s,
            r#"        <object id="fk-{}" label="" tooltip="{}"><mxCell style="edgeStyle=orthogonalEdgeStyle;rounded=0;html=0;endArrow=block;endFill=1;startArrow=oval;startFill=1;startSize=5;strokeColor=#444444;strokeWidth=1.4;" edge="1" parent="1" source="{}" target="{}"><mxGeometry relative="1" as="geometry"><Array as="points">"#,
            xml(&fk.name),
            xml(&fk_description(schemas, fk)),
            xml(&id_of(fk.from_table, &fk.from_column)),
            xml(&id_of(fk.to_table, &fk.to_column)),
        )
        .unwrap();
        for (x, y) in &edge.points[1..edge.points.len() - 1] {
            write!(s, r#"<mxPoint x="{x}" y="{y}"/>"#).unwrap();
        }
        s.push_str("</Array></mxGeometry></mxCell></object>\n");
    }
    s.push_str("      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
    s
}

/// The two files (name in `doc/`, content) for the migrated database behind `conn`; an error
/// when `staging` or `marts` has no table.
pub(crate) fn render(conn: &mut PgConnection) -> anyhow::Result<[(&'static str, String); 2]> {
    let (schemas, foreign_keys) = read_model(conn);
    anyhow::ensure!(
        schemas.iter().all(|s| !s.tables.is_empty()),
        "staging and marts have no tables: are the migrations applied?"
    );
    let layout = layout(&schemas, &foreign_keys);
    Ok([
        ("data-model.drawio", render_drawio(&schemas, &layout)),
        ("data-model.svg", render_svg(&schemas, &layout)),
    ])
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_words_whole_and_lines_short() {
        let lines = wrap("one two three four five six", 60, 6.0);
        assert_eq!(lines, ["one two", "three four", "five six"]);
        assert!(wrap("", 60, 6.0).is_empty());
    }
}
