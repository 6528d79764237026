use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Longest callback URL accepted.
pub const MAX_URL_LEN: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackUrlError {
    #[error("must be an absolute http:// or https:// URL")]
    NotHttp,
    #[error("must be at most {MAX_URL_LEN} characters")]
    TooLong,
    #[error("must not contain a user name or password")]
    HasCredentials,
    #[error("must not point to a private, loopback or link-local address")]
    PrivateAddress,
}

/// Which callback destinations the operator allows. By default only public addresses: a callback
/// URL is a request the server makes on a merchant's behalf, and must not reach internal services.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallbackPolicy {
    pub allow_private: bool,
}

impl CallbackPolicy {
    /// Checks a URL as written. Host names are checked again against what they resolve to when a
    /// callback is delivered, since DNS answers can change.
    pub fn check(&self, text: &str) -> Result<Url, CallbackUrlError> {
        if text.len() > MAX_URL_LEN {
            return Err(CallbackUrlError::TooLong);
        }
        let url = Url::parse(text).map_err(|_| CallbackUrlError::NotHttp)?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(CallbackUrlError::NotHttp);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(CallbackUrlError::HasCredentials);
        }
        if !self.allow_private {
            let private = match url.host() {
                Some(Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
                Some(Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
                Some(Host::Domain(name)) => {
                    let name = name.trim_end_matches('.').to_ascii_lowercase();
                    name == "localhost"
                        || [".localhost", ".local", ".internal"]
                            .iter()
                            .any(|s| name.ends_with(s))
                }
                None => true,
            };
            if private {
                return Err(CallbackUrlError::PrivateAddress);
            }
        }
        Ok(url)
    }
}

/// Every address that is not plainly public unicast: loopback, private, link-local, carrier-grade
/// NAT, unspecified, broadcast, multicast, documentation, benchmarking, reserved and the other
/// special-purpose ranges of the IANA registries, for both IP versions — and IPv6 forms that embed
/// an IPv4 address (mapped, IPv4-compatible, NAT64, 6to4, Teredo), which could lead anywhere.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_private_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(mapped) => is_private_v4(mapped),
            None => is_private_v6(ip),
        },
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..=127).contains(&b)) // carrier-grade NAT, 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, 192.0.0.0/24
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast, 192.88.99.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18.0.0/15
        || a >= 240 // reserved, 240.0.0.0/4
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let [first, second, third, ..] = segments;
    segments[..6] == [0; 6] // unspecified, loopback and IPv4-compatible ::a.b.c.d, ::/96
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local, fec0::/10
        || (first == 0x0064 && second == 0xff9b && (third == 0 || third == 1)) // NAT64, 64:ff9b::/96 and 64:ff9b:1::/48
        || (first == 0x0100 && second == 0 && third == 0 && segments[3] == 0) // discard-only, 100::/64
        || (first == 0x2001 && second < 0x0200) // IETF protocol assignments (Teredo, ORCHID, …), 2001::/23
        || (first == 0x2001 && second == 0x0db8) // documentation, 2001:db8::/32
        || first == 0x2002 // 6to4, 2002::/16
        || (first & 0xfff0) == 0x3ff0 // documentation, 3fff::/20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_http_urls_pass() {
        let policy = CallbackPolicy::default();
        assert!(policy.check("https://www.baidu.com").is_ok());
        assert!(policy
            .check("http://merchant.example/hooks/cards?x=1")
            .is_ok());
    }

    #[test]
    fn everything_internal_is_refused() {
        let policy = CallbackPolicy::default();
        for url in [
            "http://127.0.0.1/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://172.16.5.5/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:8080/",
            "http://db.internal/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
        ] {
            assert_eq!(
                policy.check(url),
                Err(CallbackUrlError::PrivateAddress),
                "{url}"
            );
        }
    }

    #[test]
    fn special_purpose_ranges_are_refused_at_both_ends() {
        for ip in [
            "192.0.0.0",
            "192.0.0.255",
            "192.88.99.1",
            "198.18.0.0",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.254",
            "100.127.255.255",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "::",
            "::1",
            "::7f00:1",
            "::a00:1",
            "::c0a8:101",
            "fec0::1",
            "feff::1",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "64:ff9b::a00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:1ff::1",
            "2002:a00:1::1",
            "3fff::1",
            "ff02::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_private(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn ordinary_public_addresses_next_to_those_ranges_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "192.0.1.1",
            "192.88.98.1",
            "198.17.255.255",
            "198.20.0.0",
            "239.255.255.255", // multicast is refused, but by its own rule
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let expected = ip == "239.255.255.255".parse::<IpAddr>().unwrap();
            assert_eq!(is_private(ip), expected, "{ip}");
        }
    }

    #[test]
    fn classification_reaches_urls_with_literal_addresses() {
        let policy = CallbackPolicy::default();
        for url in [
            "http://198.18.0.1/",
            "http://240.1.2.3/",
            "http://[2001:db8::1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[fec0::1]/",
        ] {
            assert_eq!(
                policy.check(url),
                Err(CallbackUrlError::PrivateAddress),
                "{url}"
            );
        }
    }

    #[test]
    fn operators_may_allow_private_destinations() {
        assert!(CallbackPolicy {
            allow_private: true
        }
        .check("http://127.0.0.1:9000/hook")
        .is_ok());
    }

    #[test]
    fn malformed_or_sneaky_urls_are_refused() {
        let policy = CallbackPolicy::default();
        assert_eq!(
            policy.check("ftp://example.com/"),
            Err(CallbackUrlError::NotHttp)
        );
        assert_eq!(
            policy.check("example.com/hook"),
            Err(CallbackUrlError::NotHttp)
        );
        assert_eq!(
            policy.check("https://user:pw@example.com/"),
            Err(CallbackUrlError::HasCredentials)
        );
        assert_eq!(
            policy.check(&format!("https://e.com/{}", "a".repeat(2048))),
            Err(CallbackUrlError::TooLong)
        );
    }
}
