//! Web origins as a merchant lists them for a widget session, written the way browsers write
//! them (`location.origin`, `MessageEvent.origin`, CSP sources) so they can be compared as text.

use url::Url;

/// `https://Shop.Example:443` → `https://shop.example`. Only `http`/`https` with a host, an
/// optional port, and nothing after it; `*` and anything with a path are refused. The reason is a
/// sentence for the merchant's developer. The WHATWG URL parser (the `url` crate, what browsers
/// implement) does the reading, so hosts come out as browsers serialize an origin: lower case,
/// international names in punycode, IPv6 in its canonical form, the default port left out.
pub fn normalize_origin(text: &str) -> Result<String, &'static str> {
    // A wildcard is a valid character of a host name to the URL parser, but no origin.
    if text.contains('*') {
        return Err("an origin has no path, query, wildcard or credentials");
    }
    let url = Url::parse(text).map_err(|error| match error {
        url::ParseError::InvalidPort => "an origin's port is a number up to 65535",
        url::ParseError::EmptyHost => "an origin needs a host name",
        _ => "an origin looks like https://shop.example",
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("an origin's scheme is http or https");
    }
    let has_more = !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || text.contains(['?', '#']);
    if has_more {
        return Err("an origin has no path, query, wildcard or credentials");
    }
    // `https://shop.example:` (a colon without a port) is read by the parser as no port at all.
    if text.trim_end_matches('/').ends_with(':') {
        return Err("an origin's port is a number up to 65535");
    }
    if url.host().is_none() {
        return Err("an origin needs a host name");
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn origins_are_written_the_way_browsers_write_them() {
        for (given, expected) in [
            ("https://shop.example", "https://shop.example"),
            ("HTTPS://Shop.Example:443/", "https://shop.example"),
            ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
            ("http://localhost:80", "http://localhost"),
            ("https://[::1]:8443", "https://[::1]:8443"),
            ("https://[::1]", "https://[::1]"),
            // As browsers write them: IPv6 in its canonical form, international names in ASCII.
            ("https://[0:0:0:0:0:0:0:1]:8443", "https://[::1]:8443"),
            ("https://Bücher.example", "https://xn--bcher-kva.example"),
        ] {
            assert_eq!(normalize_origin(given).as_deref(), Ok(expected), "{given}");
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for given in [
            "*",
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/path",
            "https://*.shop.example",
            "https://shop.example?x=1",
            "https://user@shop.example",
            "https://shop.example:99999",
            "https://shop.example:",
            "https://",
            "https://shop.example; script-src *",
            // A bracket left open reached the CSP header once.
            "https://[::1",
            "https://[::1]x",
            "https://[nonsense]",
            "https://shop.example#top",
        ] {
            assert!(normalize_origin(given).is_err(), "{given}");
        }
    }
}
