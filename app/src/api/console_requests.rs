//! The developers' area's request log, read by a console server function (role checked by
//! [`ConsoleRequests`](crate::ports::ConsoleRequests)).

use leptos::prelude::*;

use crate::domain::request_log::RequestLogView;

/// `find`: a request id or a trace id; `errors`: `1` for failures only; `before`: the cursor.
#[server(name = ConsoleRequestsRead, prefix = "/api/console", endpoint = "requests")]
pub async fn console_requests(
    find: Option<String>,
    errors: Option<String>,
    before: Option<String>,
) -> Result<RequestLogView, ServerFnError> {
    use crate::{
        api::console::backend::{denied, signed_in_user},
        domain::request_log::RequestLogQuery,
        ports::SharedConsoleRequests,
    };
    let (user, _) = signed_in_user().await?;
    let query = RequestLogQuery::from_params(find.as_deref(), errors.as_deref(), before.as_deref());
    expect_context::<SharedConsoleRequests>()
        .requests(&user, &query)
        .await
        .map_err(denied)
}
