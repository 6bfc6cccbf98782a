//! The generated files in the repository are what their generators give today.

#[test]
fn db_models_schema_is_what_diesel_prints_for_the_migrations() {
    if let Err(err) = xtask::schema(true) {
        panic!("{err:#}");
    }
}

#[test]
fn the_data_model_drawing_is_what_the_migrations_give() {
    if let Err(err) = xtask::data_model(true) {
        panic!("{err:#}");
    }
}
