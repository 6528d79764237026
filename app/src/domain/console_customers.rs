//! The console's customers page: a merchant's customers and where their KYC stands, found by
//! email or the merchant's own customer id, a page at a time in email order; and the page's two
//! forms that vouch for a customer (an ACH review, or a verification done on another platform),
//! read under the same field rules as dialect A ([`kyc_identity`]).

use serde::{Deserialize, Serialize};

use super::{
    cardholder_name::CardholderName,
    email::Email,
    ids::CustomerId,
    kyc::KycStatus,
    kyc_identity::{
        self, bounded_text, AchIdentity, SharedKyc, MAX_EXTERNAL_ID_CHARS, MAX_PROVIDER_CHARS,
        MAX_REFERENCE_CHARS,
    },
};

/// Customers a page of the table holds.
pub const CUSTOMERS_PER_PAGE: i64 = 50;

/// One row of the customers table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub customer_id: CustomerId,
    pub email: String,
    /// The merchant's own id for the customer (dialect A's `customerId`).
    pub external_id: Option<String>,
    pub kyc_status: KycStatus,
    /// `ACH`, or `SHARED:<provider>` for a verification done elsewhere.
    pub kyc_source: Option<String>,
    pub kyc_updated_at_ms: Option<i64>,
    /// Why the verifier said no, when the status is `REJECTED`.
    pub rejection_reason: Option<String>,
    /// Cards issued for the customer.
    pub cards: i64,
    pub created_at_ms: i64,
}

impl CustomerRow {
    /// Where the KYC status came from, in words.
    pub fn source_label(&self) -> String {
        match self.kyc_source.as_deref() {
            None => "—".to_owned(),
            Some("ACH") => "ACH review".to_owned(),
            Some(other) => match other.strip_prefix("SHARED:") {
                Some(provider) => format!("Verified at {provider}"),
                None => other.to_owned(),
            },
        }
    }
}

/// What the customers table shows: a KYC status, a search, where the page starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerQuery {
    pub kyc: Option<KycStatus>,
    /// The start of an email, or a whole customer id of the merchant's own.
    pub search: Option<String>,
    /// The last email of the previous page: emails are unique per merchant, so the next page
    /// starts right after it.
    pub after: Option<String>,
}

impl CustomerQuery {
    /// From the page's query string values (`kyc`, `q`, `after`), forgiving of blanks.
    pub fn from_params(kyc: Option<&str>, search: Option<&str>, after: Option<&str>) -> Self {
        fn present(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|text| !text.is_empty())
        }
        CustomerQuery {
            kyc: present(kyc).and_then(KycStatus::parse),
            search: present(search).map(str::to_owned),
            after: present(after).map(str::to_owned),
        }
    }
}

/// A page of customers, and the email the next one starts after, if there is more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    pub next_after: Option<String>,
    /// Whether the reader's role may submit KYC (the server checks it again on submission).
    pub may_submit: bool,
}

/// What the console may vouch for: an identity for the ACH verifier, or a verification the
/// merchant attests was done on another platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KycSubmission {
    Ach(AchIdentity),
    Shared(SharedKyc),
}

impl KycSubmission {
    pub fn email(&self) -> &Email {
        match self {
            KycSubmission::Ach(identity) => &identity.email,
            KycSubmission::Shared(attestation) => &attestation.email,
        }
    }

    /// How the audit log describes it.
    pub fn describe(&self) -> String {
        match self {
            KycSubmission::Ach(identity) => format!("ACH review for {}", identity.email.as_str()),
            KycSubmission::Shared(attestation) => format!(
                "{} verified at {} (reference {})",
                attestation.email.as_str(),
                attestation.provider,
                attestation.reference
            ),
        }
    }
}

/// The problems of a form, one sentence naming each field to fix.
fn refusal(problems: Vec<String>) -> String {
    format!("Please correct: {}.", problems.join("; "))
}

/// Collects a field's value or its problem.
fn check<T>(problems: &mut Vec<String>, label: &str, result: Result<T, String>) -> Option<T> {
    result
        .map_err(|message| problems.push(format!("{label} {message}")))
        .ok()
}

/// A blank optional field is absent; anything else must pass the rule.
fn optional_external_id(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        bounded_text(text, MAX_EXTERNAL_ID_CHARS).map(Some)
    }
}

fn email(text: &str) -> Result<Email, String> {
    Email::parse(text).map_err(|error| error.to_string())
}

fn name(text: &str) -> Result<CardholderName, String> {
    CardholderName::parse(text.trim()).map_err(|error| error.to_string())
}

/// The ACH form's fields as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchForm {
    pub email: String,
    pub customer_id: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: String,
    pub country: String,
}

impl AchForm {
    /// The submission, or one sentence naming every field to fix.
    pub fn submission(&self) -> Result<KycSubmission, String> {
        self.identity().map(KycSubmission::Ach)
    }

    /// The identity, or one sentence naming every field to fix.
    pub fn identity(&self) -> Result<AchIdentity, String> {
        let mut problems = Vec::new();
        let email = check(&mut problems, "Email:", email(&self.email));
        let external_id = check(
            &mut problems,
            "Customer id:",
            optional_external_id(&self.customer_id),
        );
        let first_name = check(&mut problems, "First name:", name(&self.first_name));
        let last_name = check(&mut problems, "Last name:", name(&self.last_name));
        let date_of_birth = check(
            &mut problems,
            "Date of birth:",
            kyc_identity::date_of_birth(self.date_of_birth.trim()),
        );
        let country = check(
            &mut problems,
            "Country:",
            kyc_identity::country(&self.country.trim().to_ascii_uppercase()),
        );
        match (
            email,
            external_id,
            first_name,
            last_name,
            date_of_birth,
            country,
        ) {
            (
                Some(email),
                Some(external_id),
                Some(first_name),
                Some(last_name),
                Some(date_of_birth),
                Some(country),
            ) => Ok(AchIdentity {
                email,
                external_id,
                first_name,
                last_name,
                date_of_birth,
                country,
            }),
            _ => Err(refusal(problems)),
        }
    }
}

/// The shared-KYC form's fields as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedKycForm {
    pub email: String,
    pub customer_id: String,
    pub provider: String,
    pub reference: String,
}

impl SharedKycForm {
    /// The attestation, or one sentence naming every field to fix.
    pub fn submission(&self) -> Result<KycSubmission, String> {
        let mut problems = Vec::new();
        let email = check(&mut problems, "Email:", email(&self.email));
        let external_id = check(
            &mut problems,
            "Customer id:",
            optional_external_id(&self.customer_id),
        );
        let provider = check(
            &mut problems,
            "Verified at:",
            bounded_text(self.provider.trim(), MAX_PROVIDER_CHARS),
        );
        let reference = check(
            &mut problems,
            "Their reference:",
            bounded_text(self.reference.trim(), MAX_REFERENCE_CHARS),
        );
        match (email, external_id, provider, reference) {
            (Some(email), Some(external_id), Some(provider), Some(reference)) => {
                Ok(KycSubmission::Shared(SharedKyc {
                    email,
                    external_id,
                    provider,
                    reference,
                }))
            }
            _ => Err(refusal(problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ach() -> AchForm {
        AchForm {
            email: " Ada@Example.com ".to_owned(),
            customer_id: String::new(),
            first_name: "Ada".to_owned(),
            last_name: "Lovelace".to_owned(),
            date_of_birth: "1990-12-10".to_owned(),
            country: "gb".to_owned(),
        }
    }

    #[test]
    fn a_well_filled_ach_form_is_an_identity_with_blanks_left_out() {
        let Ok(KycSubmission::Ach(identity)) = ach().submission() else {
            panic!("refused");
        };
        assert_eq!(identity.email.as_str(), "ada@example.com");
        assert_eq!(identity.external_id, None);
        assert_eq!(identity.country, "GB");
    }

    #[test]
    fn every_field_in_error_is_named_in_one_sentence() {
        let form = AchForm {
            email: "nobody".to_owned(),
            date_of_birth: "1990-02-30".to_owned(),
            country: "Britain".to_owned(),
            ..ach()
        };
        let refusal = form.submission().unwrap_err();
        assert!(refusal.starts_with("Please correct: Email:"), "{refusal}");
        assert!(refusal.contains("Date of birth: must be a date as YYYY-MM-DD"));
        assert!(refusal.contains("Country: must be an ISO 3166"));
        assert!(!refusal.contains("First name"));
    }

    #[test]
    fn a_shared_attestation_needs_provider_and_reference() {
        let form = SharedKycForm {
            email: "ada@example.com".to_owned(),
            customer_id: "crm-7".to_owned(),
            provider: "  ".to_owned(),
            reference: "x".repeat(MAX_REFERENCE_CHARS + 1),
        };
        let refusal = form.submission().unwrap_err();
        assert!(refusal.contains("Verified at: must be 1 to 64 characters"));
        assert!(refusal.contains("Their reference: must be 1 to 128 characters"));
        let form = SharedKycForm {
            provider: "Onfido".to_owned(),
            reference: "chk_1".to_owned(),
            ..form
        };
        let submission = form.submission().unwrap();
        assert_eq!(
            submission.describe(),
            "ada@example.com verified at Onfido (reference chk_1)"
        );
    }

    #[test]
    fn queries_forgive_blanks_and_unknown_statuses() {
        let query = CustomerQuery::from_params(Some("PENDING"), Some(" ada "), Some(""));
        assert_eq!(query.kyc, Some(KycStatus::Pending));
        assert_eq!(query.search.as_deref(), Some("ada"));
        assert_eq!(query.after, None);
        assert_eq!(
            CustomerQuery::from_params(Some("nope"), None, None).kyc,
            None
        );
    }
}
