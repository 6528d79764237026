//! The customers page's server functions: the table, and the two KYC forms. Each form's fields
//! are the function's arguments, one each, so the forms work as plain HTML too; the rules are
//! dialect A's ([`crate::domain::console_customers`]), the role check the server's.

use leptos::prelude::*;

use crate::domain::{console_customers::CustomerPage, kyc::KycView};

/// A page of customers for the page's query string values (`kyc`, `q`, `after`) as they are.
#[server(name = ConsoleCustomersRead, prefix = "/api/console", endpoint = "customers")]
pub async fn console_customers(
    kyc: Option<String>,
    q: Option<String>,
    after: Option<String>,
) -> Result<CustomerPage, ServerFnError> {
    use crate::domain::console_customers::CustomerQuery;
    let query = CustomerQuery::from_params(kyc.as_deref(), q.as_deref(), after.as_deref());
    backend::customers(query).await
}

/// Submits a customer's identity for an ACH review (owners and admins).
#[server(name = ConsoleSubmitAchKyc, prefix = "/api/console", endpoint = "submit_ach_kyc")]
pub async fn console_submit_ach_kyc(
    email: String,
    customer_id: String,
    first_name: String,
    last_name: String,
    date_of_birth: String,
    country: String,
) -> Result<KycView, ServerFnError> {
    use crate::domain::console_customers::AchForm;
    let form = AchForm {
        email,
        customer_id,
        first_name,
        last_name,
        date_of_birth,
        country,
    };
    backend::submit(form.submission()).await
}

/// Records that the customer was verified on another platform (owners and admins).
#[server(name = ConsoleSyncSharedKyc, prefix = "/api/console", endpoint = "sync_shared_kyc")]
pub async fn console_sync_shared_kyc(
    email: String,
    customer_id: String,
    provider: String,
    reference: String,
) -> Result<KycView, ServerFnError> {
    use crate::domain::console_customers::SharedKycForm;
    let form = SharedKycForm {
        email,
        customer_id,
        provider,
        reference,
    };
    backend::submit(form.submission()).await
}

#[cfg(feature = "ssr")]
mod backend {
    use leptos::prelude::{expect_context, ServerFnError};

    use crate::{
        api::console::backend::{denied, refuse_cross_site, signed_in_user},
        domain::{
            console_customers::{CustomerPage, CustomerQuery, KycSubmission},
            kyc::KycView,
        },
        ports::{ConsoleDenied, SharedConsoleCustomers},
    };

    fn port() -> SharedConsoleCustomers {
        expect_context::<SharedConsoleCustomers>()
    }

    pub async fn customers(query: CustomerQuery) -> Result<CustomerPage, ServerFnError> {
        let (user, _) = signed_in_user().await?;
        port().customers(&user, &query).await.map_err(denied)
    }

    pub async fn submit(
        submission: Result<KycSubmission, String>,
    ) -> Result<KycView, ServerFnError> {
        refuse_cross_site()?;
        let (user, _) = signed_in_user().await?;
        let submission = submission.map_err(|problems| denied(ConsoleDenied::Invalid(problems)))?;
        port().submit_kyc(&user, submission).await.map_err(denied)
    }
}
