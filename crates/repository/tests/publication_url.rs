//! The one rule of what counts as a publication: `marts.publication_url`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use repository::marts::publication_url;

#[test]
fn what_counts_as_a_publication_url() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let cases: &[(&str, Option<&str>)] = &[
        (
            "https://en.wikipedia.org/wiki/Falcon_9",
            Some("https://en.wikipedia.org/wiki/Falcon_9"),
        ),
        ("http://example.com", Some("http://example.com")),
        // Padded values count, trimmed (tabs and newlines too).
        ("  https://example.com/a  ", Some("https://example.com/a")),
        ("\thttps://example.com/b\n", Some("https://example.com/b")),
        // Scheme in any letter case.
        ("HTTPS://EXAMPLE.COM/X", Some("HTTPS://EXAMPLE.COM/X")),
        ("HtTp://example.com/", Some("HtTp://example.com/")),
        // Ports, user info, queries, fragments, IPv6 literals are fine.
        (
            "https://example.com:8443/x?y=1#z",
            Some("https://example.com:8443/x?y=1#z"),
        ),
        (
            "https://user@example.com/",
            Some("https://user@example.com/"),
        ),
        ("http://[::1]:8080/", Some("http://[::1]:8080/")),
        // Not publications.
        ("", None),
        ("   ", None),
        ("not a url", None),
        ("example.com/page", None),
        ("ftp://example.com/file", None),
        ("https://", None),
        ("https:///path-without-host", None),
        ("https://:443/", None),
        ("https://user@/x", None),
        ("javascript:alert(1)", None),
        ("mailto:someone@example.com", None),
        ("https//example.com", None),
        ("https://exa mple.com/", None),
        ("https://example.com/\u{1}control", None),
    ];
    for (value, expected) in cases {
        let got = publication_url(&mut conn, value).expect("query");
        assert_eq!(got.as_deref(), *expected, "publication_url({value:?})");
    }
}
