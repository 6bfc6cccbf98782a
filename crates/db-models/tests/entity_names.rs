//! The entity registry is the one place entity names are spelled: no production source
//! outside `db_models::entity` writes one as a string literal (SQL files are not Rust and
//! name their tables; the fake upstream, the test kits, the benchmark and xtask are tooling).
use std::fs;
use std::path::{Path, PathBuf};

use db_models::entity::Entity;

/// Literals that spell an entity name but mean something else, with the reason.
const ALLOWED: &[(&str, &str)] = &[(
    "capped(\"company\"",
    "a rocket's `company` field, named in its refusal reason",
)];

/// Crates whose sources are not the product.
const TOOLING: [&str; 5] = ["spacex-fake", "test-kit", "testbed", "bench", "xtask"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_entity_name_is_a_string_literal_outside_the_registry() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let registry = crates.join("db-models/src/entity.rs");
    let mut files = Vec::new();
    for krate in fs::read_dir(&crates).expect("crates directory") {
        let krate = krate.expect("crate").path();
        let name = krate.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !TOOLING.contains(&name) && krate.join("src").is_dir() {
            rust_files(&krate.join("src"), &mut files);
        }
    }
    assert!(files.len() > 20, "found the sources: {files:?}");
    let mut found = Vec::new();
    for file in files.iter().filter(|file| **file != registry) {
        let text = fs::read_to_string(file).expect("readable source");
        // Unit tests may name entities: they check what the registry derives.
        let production = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in production.lines().enumerate() {
            for entity in Entity::ALL {
                let literal = format!("\"{entity}\"");
                let allowed = ALLOWED.iter().any(|(context, _)| line.contains(context));
                if line.contains(&literal) && !allowed {
                    found.push(format!("{}:{}: {literal}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "entity names spelled outside db_models::entity (use Entity):\n{}",
        found.join("\n")
    );
}
