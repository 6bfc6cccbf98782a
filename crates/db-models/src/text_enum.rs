//! Enums stored as `text` (status columns with a CHECK constraint): each value's text form is
//! its `strum` snake_case name, written and read by diesel, so no status is spelled as a
//! string literal outside its enum.

/// Declares an enum stored as its snake_case name: with diesel's `ToSql`/`FromSql` for
/// `text`, `as_str`, `Display`, and comparison with `&str` (what tests and SQL results hold).
macro_rules! stored_as_text {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$doc:meta])* $variant:ident,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow,
            strum::IntoStaticStr, strum::EnumString,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[strum(serialize_all = "snake_case")]
        pub enum $name {
            $($(#[$doc])* $variant,)+
        }

        impl $name {
            /// The value stored in the database.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                std::io::Write::write_all(out, self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                text.parse()
                    .map_err(|_| format!("{text:?} is not a {}", stringify!($name)).into())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

pub(crate) use stored_as_text;
