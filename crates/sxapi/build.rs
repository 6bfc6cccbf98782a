//! Registers the project's SDL subset with cynic so queries are checked at compile time.
fn main() {
    cynic_codegen::register_schema("spacex")
        .from_sdl_file("schema/spacex.graphql")
        .expect("schema/spacex.graphql is readable")
        .as_default()
        .expect("the schema registers as the default");
    println!("cargo:rerun-if-changed=schema/spacex.graphql");
}
