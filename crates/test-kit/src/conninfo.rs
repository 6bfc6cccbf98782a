//! Small helpers for libpq connection strings (URLs and key=value strings).

const SCHEMES: [&str; 2] = ["postgresql://", "postgres://"];

/// Splits a URL connection string into (scheme + authority, path, query/fragment).
fn split_url(conninfo: &str) -> Option<(&str, &str, &str)> {
    let scheme_len = SCHEMES
        .iter()
        .find(|s| conninfo.starts_with(*s))
        .map(|s| s.len())?;
    let rest = &conninfo[scheme_len..];
    let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (head, after) = conninfo.split_at(scheme_len + auth_len);
    let path_len = if after.starts_with('/') {
        after.find(['?', '#']).unwrap_or(after.len())
    } else {
        0
    };
    let (path, tail) = after.split_at(path_len);
    Some((head, path, tail))
}

/// The same connection string, for database `dbname`.
pub(crate) fn with_dbname(conninfo: &str, dbname: &str) -> String {
    if let Some((head, _path, tail)) = split_url(conninfo) {
        return format!("{head}/{}{tail}", percent_encode(dbname));
    }
    // key=value form: a later keyword overrides an earlier one.
    let mut escaped = String::with_capacity(dbname.len());
    for c in dbname.chars() {
        if c == '\\' || c == '\'' {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("{conninfo} dbname='{escaped}'")
}

pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A quoted SQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The connection string with its password hidden, for error messages.
pub(crate) fn redact(conninfo: &str) -> String {
    if let Some((head, path, tail)) = split_url(conninfo) {
        let scheme_len = SCHEMES
            .iter()
            .find(|s| head.starts_with(*s))
            .map_or(0, |s| s.len());
        let (scheme, authority) = head.split_at(scheme_len);
        if let Some((userinfo, hosts)) = authority.rsplit_once('@') {
            if let Some((user, _password)) = userinfo.split_once(':') {
                return format!("{scheme}{user}:***@{hosts}{path}{tail}");
            }
        }
        return conninfo.to_string();
    }
    conninfo
        .split_whitespace()
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***"
            } else {
                kv
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_database_is_replaced() {
        assert_eq!(
            with_dbname("postgres://u:p@localhost:5432/maint?sslmode=disable", "t1"),
            "postgres://u:p@localhost:5432/t1?sslmode=disable"
        );
        assert_eq!(
            with_dbname("postgresql://localhost", "t1"),
            "postgresql://localhost/t1"
        );
        assert_eq!(
            with_dbname("postgresql://h1:1,h2:2/db#frag", "t1"),
            "postgresql://h1:1,h2:2/t1#frag"
        );
        assert_eq!(
            with_dbname("postgresql:///db?host=/tmp/sock", "a b"),
            "postgresql:///a%20b?host=/tmp/sock"
        );
    }

    #[test]
    fn key_value_database_is_appended() {
        assert_eq!(
            with_dbname("host=localhost dbname=postgres", "t1"),
            "host=localhost dbname=postgres dbname='t1'"
        );
        assert_eq!(
            with_dbname("host=localhost", "it's"),
            "host=localhost dbname='it\\'s'"
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("test_1"), "\"test_1\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:secret@h:1/db"),
            "postgres://u:***@h:1/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("host=h password=secret user=u"),
            "host=h password=*** user=u"
        );
    }
}
