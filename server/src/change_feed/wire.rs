//! How changes travel between instances: the payload of a PostgreSQL `NOTIFY` on [`CHANNEL`].
//! Text, one change per line after a first line naming the sending process:
//!
//! ```text
//! feed_3f…            the sender's origin
//! card m_… c_…        Change::Card
//! provisioning        Change::ProvisioningDue
//! callback            Change::CallbackDue
//! session s_…         Change::WidgetSession
//! ```
//!
//! PostgreSQL refuses payloads of 8000 bytes or more, so a long list is split over several
//! notifications, each with the origin line.

use app::domain::ids::{CardId, MerchantId, SessionId};

use super::Change;

/// The `LISTEN`/`NOTIFY` channel every instance of one database shares.
pub const CHANNEL: &str = "cardkit_changes";

/// Below PostgreSQL's limit of 8000 bytes, with room for one more line.
const MAX_PAYLOAD: usize = 7000;

/// The payloads that carry `changes` from `origin`: none when there are no changes.
pub fn encode(origin: &str, changes: &[Change]) -> Vec<String> {
    let mut payloads = Vec::new();
    let mut current = String::new();
    for change in changes {
        let line = match change {
            Change::Card { merchant, card } => format!("card {merchant} {card}"),
            Change::ProvisioningDue => "provisioning".to_owned(),
            Change::CallbackDue => "callback".to_owned(),
            Change::WidgetSession(session) => format!("session {session}"),
        };
        if !current.is_empty() && current.len() + line.len() + 1 > MAX_PAYLOAD {
            payloads.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            current.push_str(origin);
        }
        current.push('\n');
        current.push_str(&line);
    }
    if !current.is_empty() {
        payloads.push(current);
    }
    payloads
}

/// The sender's origin and its changes; lines that are not understood (a newer instance's
/// changes) are skipped.
pub fn decode(payload: &str) -> (&str, Vec<Change>) {
    let mut lines = payload.lines();
    let origin = lines.next().unwrap_or_default();
    let changes = lines
        .filter_map(|line| {
            let mut words = line.split(' ');
            match (words.next()?, words.next(), words.next()) {
                ("card", Some(merchant), Some(card)) => Some(Change::Card {
                    merchant: MerchantId::new(merchant),
                    card: CardId::new(card),
                }),
                ("provisioning", None, None) => Some(Change::ProvisioningDue),
                ("callback", None, None) => Some(Change::CallbackDue),
                ("session", Some(session), None) => {
                    Some(Change::WidgetSession(SessionId::new(session)))
                }
                _ => None,
            }
        })
        .collect();
    (origin, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_survive_the_trip() {
        let changes = vec![
            Change::Card {
                merchant: MerchantId::new("m_1"),
                card: CardId::new("c_1"),
            },
            Change::ProvisioningDue,
            Change::CallbackDue,
            Change::WidgetSession(SessionId::new("0f3a")),
        ];
        let payloads = encode("feed_a", &changes);
        assert_eq!(payloads.len(), 1);
        assert_eq!(decode(&payloads[0]), ("feed_a", changes));
    }

    #[test]
    fn nothing_to_say_sends_nothing() {
        assert!(encode("feed_a", &[]).is_empty());
    }

    #[test]
    fn a_long_list_is_split_below_postgres_limit() {
        let changes: Vec<Change> = (0..1000)
            .map(|n| Change::Card {
                merchant: MerchantId::new("m_0123456789"),
                card: CardId::new(format!("c_{n:020}")),
            })
            .collect();
        let payloads = encode("feed_a", &changes);
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for payload in &payloads {
            assert!(payload.len() < 8000, "{} bytes", payload.len());
            let (origin, changes) = decode(payload);
            assert_eq!(origin, "feed_a");
            back.extend(changes);
        }
        assert_eq!(back, changes);
    }

    #[test]
    fn unknown_lines_are_skipped() {
        let (origin, changes) = decode("feed_b\nsomething new\ncallback\ncard m_1");
        assert_eq!(origin, "feed_b");
        assert_eq!(changes, vec![Change::CallbackDue]);
    }
}
