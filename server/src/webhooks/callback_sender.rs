//! One signed POST of a callback message, per Standard Webhooks: `webhook-id`,
//! `webhook-timestamp`, and a `webhook-signature` with a `v1,` signature per secret (the current
//! one, and a rotated-out one while it overlaps). The destination is checked against the callback
//! policy, and again at connection time against what its name resolves to ([`CheckedResolver`]),
//! so the delivery worker and the console's test events obey the same SSRF rules. Redirects are
//! not followed. Of the answer only the status and the first 1 KB are read.

use std::{sync::Arc, time::Duration};

use app::domain::callback_log::{response_excerpt, RESPONSE_BODY_LIMIT};

use super::{checked_resolver::CheckedResolver, signature, CallbackPolicy};

/// What a receiver answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverAnswer {
    pub status: u16,
    /// The first 1 KB of its body, as plain text.
    pub body: String,
}

/// A message to sign and send.
pub struct OutgoingMessage<'a> {
    pub url: &'a str,
    pub message_id: &'a str,
    pub timestamp_secs: i64,
    pub payload: &'a str,
    /// The current secret first.
    pub secrets: &'a [&'a str],
}

#[derive(Clone)]
pub struct CallbackSender {
    policy: CallbackPolicy,
    client: reqwest::Client,
}

impl CallbackSender {
    pub fn new(policy: CallbackPolicy, timeout: Duration) -> Self {
        let resolver = CheckedResolver {
            allow_private: policy.allow_private,
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .dns_resolver(Arc::new(resolver))
            .user_agent(concat!("Cardkit-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            // Building fails only when the TLS backend cannot start: nothing could be delivered.
            .expect("the callback HTTP client starts");
        Self { policy, client }
    }

    /// The receiver's answer, or why none was received.
    pub async fn send(&self, message: &OutgoingMessage<'_>) -> Result<ReceiverAnswer, String> {
        let url = self
            .policy
            .check(message.url)
            .map_err(|error| format!("callback URL {error}"))?;
        let mut signatures = Vec::with_capacity(message.secrets.len());
        for secret in message.secrets {
            let signed = signature::sign(
                secret,
                message.message_id,
                message.timestamp_secs,
                message.payload,
            )
            .map_err(|error| error.to_string())?;
            signatures.push(signed);
        }
        let mut response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", message.message_id)
            .header("webhook-timestamp", message.timestamp_secs.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(message.payload.to_owned())
            .send()
            .await
            .map_err(|error| format!("request failed: {}", with_causes(&error)))?;
        let status = response.status().as_u16();
        // Only the start of the body: a receiver may answer with megabytes, or never finish.
        let mut body = Vec::new();
        while body.len() < RESPONSE_BODY_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(ReceiverAnswer {
            status,
            body: response_excerpt(&body),
        })
    }
}

/// An error with the chain of its causes ("error sending request: … : x resolves to a private
/// address"): reqwest's own message names only the outermost.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Refused by the policy before any connection is tried: no traffic leaves the machine.
    #[tokio::test]
    async fn a_private_destination_is_refused_unless_allowed() {
        let sender = CallbackSender::new(
            CallbackPolicy {
                allow_private: false,
            },
            Duration::from_secs(1),
        );
        let secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"];
        for url in [
            "http://127.0.0.1:9/hook",
            "http://10.0.0.1/hook",
            "http://[::1]:9/hook",
            "ftp://example.com/hook",
        ] {
            let message = OutgoingMessage {
                url,
                message_id: "msg_test",
                timestamp_secs: 1,
                payload: "{}",
                secrets: &secrets,
            };
            let refused = sender.send(&message).await.unwrap_err();
            assert!(refused.starts_with("callback URL"), "{url}: {refused}");
        }
    }
}
