//! The DNS resolver of the callback client: a callback host name is resolved once, and the
//! connection goes to exactly the addresses that were checked — so a name that resolves to a
//! private address (or changes its answer between a check and a connect, "DNS rebinding") never
//! reaches the internal network. Host names written as IP addresses never come here: the URL check
//! refuses private literals before a request is made.

use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::callback_url::is_private;

#[derive(Clone, Copy, Debug)]
pub struct CheckedResolver {
    /// Set by `--allow-private-callbacks`, for tests and private deployments.
    pub allow_private: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveRefusal {
    #[error("{0} resolves to a private address")]
    Private(String),
    #[error("{0} has no address")]
    NoAddress(String),
    #[error("cannot resolve {0}: {1}")]
    Lookup(String, std::io::Error),
}

impl CheckedResolver {
    /// Every address of `host`, or a refusal if any of them is private (one private answer
    /// among public ones is enough for a rebinding attack to pick it).
    pub async fn addresses(self, host: &str) -> Result<Vec<SocketAddr>, ResolveRefusal> {
        // The port is replaced by the URL's when connecting.
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|error| ResolveRefusal::Lookup(host.to_owned(), error))?
            .collect();
        if addresses.is_empty() {
            return Err(ResolveRefusal::NoAddress(host.to_owned()));
        }
        if !self.allow_private && addresses.iter().any(|address| is_private(address.ip())) {
            return Err(ResolveRefusal::Private(host.to_owned()));
        }
        Ok(addresses)
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = *self;
        Box::pin(async move {
            let addresses = resolver.addresses(name.as_str()).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `localhost` is answered from the hosts file: no query leaves the machine.
    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused() {
        let refused = CheckedResolver {
            allow_private: false,
        }
        .addresses("localhost")
        .await;
        assert!(
            matches!(refused, Err(ResolveRefusal::Private(ref host)) if host == "localhost"),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn private_addresses_pass_when_the_operator_allows_them() {
        let addresses = CheckedResolver {
            allow_private: true,
        }
        .addresses("localhost")
        .await
        .unwrap();
        assert!(addresses.iter().all(|address| address.ip().is_loopback()));
    }
}
