//! Web origins as a merchant lists them for a widget session, written the way browsers write
//! them (`location.origin`, `MessageEvent.origin`, CSP sources) so they can be compared as text.

/// `https://Shop.Example:443` → `https://shop.example`. Only `http`/`https` with a host, an
/// optional port, and nothing after it; `*` and anything with a path are refused. The reason is a
/// sentence for the merchant's developer.
pub fn normalize_origin(text: &str) -> Result<String, &'static str> {
    let (scheme, rest) = text
        .split_once("://")
        .ok_or("an origin looks like https://shop.example")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return Err("an origin's scheme is http or https"),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#', '@', ' ', '*', ';', ',', '\'', '"']) {
        return Err("an origin has no path, query, wildcard or credentials");
    }
    // An IPv6 host is bracketed (`[::1]:8443`); its colons are not the port's.
    let host_end = if rest.starts_with('[') {
        rest.find(']').map_or(rest.len(), |end| end + 1)
    } else {
        rest.find(':').unwrap_or(rest.len())
    };
    let (host, port) = match &rest[host_end..] {
        "" => (&rest[..host_end], None),
        after => (
            &rest[..host_end],
            Some(after.strip_prefix(':').unwrap_or("x")),
        ),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    if !host_ok {
        return Err("an origin needs a host name");
    }
    match port {
        None => Ok(format!("{scheme}://{host}")),
        Some(port) if port == default_port => Ok(format!("{scheme}://{host}")),
        Some(port) if !port.is_empty() && port.len() <= 5 && port.parse::<u16>().is_ok() => {
            Ok(format!("{scheme}://{host}:{port}"))
        }
        Some(_) => Err("an origin's port is a number up to 65535"),
    }
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
        ] {
            assert!(normalize_origin(given).is_err(), "{given}");
        }
    }
}
