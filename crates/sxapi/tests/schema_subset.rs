//! `schema/spacex.graphql` (what cynic checks our queries against) is a true subset of the
//! upstream SDL in `../shared/spacex-reference/schema.graphql`: every type, field and argument
//! we declare exists there with the same type string (nullability and lists included).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report

use std::collections::BTreeMap;
use std::path::Path;

use graphql_parser::schema::{
    parse_schema, Definition, Document, Field, InputValue, TypeDefinition, TypeExtension,
};

/// Our subset, as compiled into the client.
const OURS: &str = include_str!("../schema/spacex.graphql");

/// The upstream SDL, outside the repository (never copied into it).
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/spacex-reference/schema.graphql"
);

/// One declared member of a type: a field (with its arguments), an input field, an enum value
/// or a union member (those two with an empty type).
#[derive(Debug, Default)]
struct Member {
    ty: String,
    /// Argument name → (type, whether it may be left out: nullable or defaulted).
    args: BTreeMap<String, (String, bool)>,
}

/// One named type: its kind and members, extensions merged in.
#[derive(Debug, Default)]
struct Shape {
    kind: &'static str,
    members: BTreeMap<String, Member>,
}

/// Type name → shape, for every type definition and extension of an SDL document.
fn shapes(sdl: &str) -> BTreeMap<String, Shape> {
    let document: Document<'_, String> = parse_schema(sdl).unwrap();
    let mut shapes: BTreeMap<String, Shape> = BTreeMap::new();
    let mut add = |name: &str, kind: &'static str, members: Vec<(String, Member)>| {
        let shape = shapes.entry(name.to_owned()).or_default();
        shape.kind = kind;
        shape.members.extend(members);
    };
    for definition in document.definitions {
        match definition {
            Definition::TypeDefinition(def) => match def {
                TypeDefinition::Scalar(t) => add(&t.name, "scalar", vec![]),
                TypeDefinition::Object(t) => add(&t.name, "type", fields(t.fields)),
                TypeDefinition::Interface(t) => add(&t.name, "interface", fields(t.fields)),
                TypeDefinition::InputObject(t) => add(&t.name, "input", inputs(t.fields)),
                TypeDefinition::Enum(t) => add(&t.name, "enum", names(t.values, |v| v.name)),
                TypeDefinition::Union(t) => add(&t.name, "union", names(t.types, |t| t)),
            },
            Definition::TypeExtension(ext) => match ext {
                TypeExtension::Scalar(t) => add(&t.name, "scalar", vec![]),
                TypeExtension::Object(t) => add(&t.name, "type", fields(t.fields)),
                TypeExtension::Interface(t) => add(&t.name, "interface", fields(t.fields)),
                TypeExtension::InputObject(t) => add(&t.name, "input", inputs(t.fields)),
                TypeExtension::Enum(t) => add(&t.name, "enum", names(t.values, |v| v.name)),
                TypeExtension::Union(t) => add(&t.name, "union", names(t.types, |t| t)),
            },
            Definition::SchemaDefinition(_) | Definition::DirectiveDefinition(_) => {}
        }
    }
    shapes
}

fn fields(fields: Vec<Field<'_, String>>) -> Vec<(String, Member)> {
    fields
        .into_iter()
        .map(|f| {
            let args = f
                .arguments
                .iter()
                .map(|a| (a.name.clone(), (a.value_type.to_string(), optional(a))))
                .collect();
            let ty = f.field_type.to_string();
            (f.name, Member { ty, args })
        })
        .collect()
}

fn inputs(values: Vec<InputValue<'_, String>>) -> Vec<(String, Member)> {
    values
        .into_iter()
        .map(|v| {
            let ty = v.value_type.to_string();
            (
                v.name,
                Member {
                    ty,
                    ..Member::default()
                },
            )
        })
        .collect()
}

fn names<X>(items: Vec<X>, name: impl Fn(X) -> String) -> Vec<(String, Member)> {
    items
        .into_iter()
        .map(|x| (name(x), Member::default()))
        .collect()
}

/// Whether an argument may be left out of a query.
fn optional(arg: &InputValue<'_, String>) -> bool {
    arg.default_value.is_some() || !arg.value_type.to_string().ends_with('!')
}

/// Everything in `ours` that the reference lacks or types differently; empty means subset.
fn mismatches(ours: &str, reference: &str) -> Vec<String> {
    let (ours, reference) = (shapes(ours), shapes(reference));
    let mut found = Vec::new();
    for (name, shape) in &ours {
        let Some(theirs) = reference.get(name) else {
            found.push(format!("{} {name}: not in the reference", shape.kind));
            continue;
        };
        if theirs.kind != shape.kind {
            found.push(format!(
                "{name}: a {} here, a {} in the reference",
                shape.kind, theirs.kind
            ));
            continue;
        }
        for (member, ours) in &shape.members {
            let Some(their) = theirs.members.get(member) else {
                found.push(format!("{name}.{member}: not in the reference"));
                continue;
            };
            if their.ty != ours.ty {
                found.push(format!(
                    "{name}.{member}: `{}` here, `{}` in the reference",
                    ours.ty, their.ty
                ));
            }
            for (arg, (ty, _)) in &ours.args {
                match their.args.get(arg) {
                    None => found.push(format!("{name}.{member}({arg}): not in the reference")),
                    Some((their_ty, _)) if their_ty != ty => found.push(format!(
                        "{name}.{member}({arg}): `{ty}` here, `{their_ty}` in the reference"
                    )),
                    Some(_) => {}
                }
            }
            // A required upstream argument we do not declare could never be passed: every
            // query of that field would be rejected upstream.
            for (arg, (ty, optional)) in &their.args {
                if !optional && !ours.args.contains_key(arg) {
                    found.push(format!(
                        "{name}.{member}({arg}: {ty}): required in the reference, missing here"
                    ));
                }
            }
        }
    }
    found
}

/// Our SDL is a subset of the upstream one (skipped, with a note, when the reference is absent).
#[test]
fn our_schema_is_a_subset_of_the_reference() {
    let path = Path::new(REFERENCE);
    let Ok(reference) = std::fs::read_to_string(path) else {
        eprintln!(
            "note: {} is absent; schema subset check skipped",
            path.display()
        );
        return;
    };
    let found = mismatches(OURS, &reference);
    assert!(
        found.is_empty(),
        "schema/spacex.graphql is not a subset of {}:\n  {}",
        path.display(),
        found.join("\n  ")
    );
    // Guard against a vacuous pass: the comparison did see our types.
    let ours = shapes(OURS);
    for name in [
        "Query",
        "Launch",
        "LaunchLinks",
        "Mission",
        "Rocket",
        "Date",
        "Capsule",
        "Core",
        "Dragon",
        "History",
        "Landpad",
        "Launchpad",
        "Payload",
        "Ship",
        "Info",
        "Roadster",
        "LaunchRocketFirstStageCore",
    ] {
        assert!(ours.contains_key(name), "{name} missing from our schema");
    }
}

/// The check can fail: wrong types, nullability, lists, missing types, fields, arguments and
/// scalars, and required upstream arguments are all reported; a true subset is not.
#[test]
fn the_subset_check_reports_mismatches() {
    let reference = r#"
        scalar Date
        type Query {
          launches(limit: Int, offset: Int): [Launch]
          launch(id: ID!): Launch
        }
        type Launch { id: ID name: String! tags: [String] date: Date }
        enum Order { ASC DESC }
        extend type Launch { extra: Int }
    "#;
    let subset = r#"
        scalar Date
        type Query { launches(offset: Int): [Launch] }
        type Launch { id: ID date: Date extra: Int }
        enum Order { ASC }
    "#;
    assert_eq!(mismatches(subset, reference), Vec::<String>::new());

    let cases = [
        (
            "type Launch { id: String }",
            "Launch.id: `String` here, `ID` in the reference",
        ),
        (
            "type Launch { name: String }",
            "Launch.name: `String` here, `String!` in the reference",
        ),
        (
            "type Launch { tags: String }",
            "Launch.tags: `String` here, `[String]` in the reference",
        ),
        (
            "type Launch { tags: [String!] }",
            "Launch.tags: `[String!]` here, `[String]` in the reference",
        ),
        (
            "type Launch { nope: Int }",
            "Launch.nope: not in the reference",
        ),
        ("type Ship { id: ID }", "type Ship: not in the reference"),
        ("scalar Timestamp", "scalar Timestamp: not in the reference"),
        (
            "scalar Launch",
            "Launch: a scalar here, a type in the reference",
        ),
        ("enum Order { UP }", "Order.UP: not in the reference"),
        (
            "type Query { launches(limit: String): [Launch] }",
            "Query.launches(limit): `String` here, `Int` in the reference",
        ),
        (
            "type Query { launches(find: String): [Launch] }",
            "Query.launches(find): not in the reference",
        ),
        (
            "type Query { launch: Launch }",
            "Query.launch(id: ID!): required in the reference, missing here",
        ),
    ];
    for (ours, expected) in cases {
        assert_eq!(mismatches(ours, reference), [expected], "for SDL `{ours}`");
    }
}
