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

/// Loopback, private, link-local, carrier-grade NAT, unspecified, multicast and documentation
/// ranges, for both IP versions (IPv4-mapped IPv6 included).
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
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..=127).contains(&b))
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
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
