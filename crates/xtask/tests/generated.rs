//! The generated files in the repository are what their generators give today.

#[test]
fn db_models_schema_is_what_diesel_prints_for_the_migrations() {
    if let Err(err) = xtask::schema(true) {
        panic!("{err:#}");
    }
}
