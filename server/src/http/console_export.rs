//! `GET /console/cards.csv`: the card table as the merchant filtered it (`status`, `q`), every
//! page of it, as CSV for a spreadsheet. Signed-in users only; a signed-out browser is sent to
//! sign in. Cells that a spreadsheet would run as a formula are defused.

use app::{
    api::console::{session_token_in, SIGN_IN_PAGE},
    domain::{calendar::format_timestamp_ms, console_views::CardTableQuery},
    ports::{ConsoleAccess, ConsoleDenied},
};
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::AppState;

#[derive(Deserialize)]
pub struct ExportQuery {
    status: Option<String>,
    q: Option<String>,
}

const HEADER: &str =
    "card_id,status,holder,last4,balance_cents,created_at,order_no,customer_email\r\n";

pub async fn cards_csv(
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = session_token_in(&headers) else {
        return Redirect::to(SIGN_IN_PAGE).into_response();
    };
    let user = match state.console.user(&token).await {
        Ok(user) => user,
        Err(ConsoleDenied::SignedOut) => return Redirect::to(SIGN_IN_PAGE).into_response(),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response(),
    };
    let mut table = CardTableQuery::from_params(query.status.as_deref(), query.q.as_deref(), None);
    let mut csv = String::from(HEADER);
    loop {
        let page = match state.console.cards(&user, &table).await {
            Ok(page) => page,
            Err(error) => {
                return (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response()
            }
        };
        for row in &page.rows {
            let cells = [
                row.card_id.to_string(),
                row.status.code().to_owned(),
                row.holder.clone(),
                row.last4.clone().unwrap_or_default(),
                row.balance.0.to_string(),
                format_timestamp_ms(row.created_at_ms),
                row.order_no.clone(),
                row.customer_email.clone().unwrap_or_default(),
            ];
            let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
            csv.push_str(&line.join(","));
            csv.push_str("\r\n");
        }
        match page.next {
            Some(next) => table.after = Some(next),
            None => break,
        }
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cards.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response()
}

/// One CSV cell (RFC 4180 quoting). A cell starting with `=`, `+`, `-`, `@`, tab or carriage
/// return is prefixed with `'`, so a spreadsheet shows it instead of running it as a formula.
fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("Milton Schmitt"), "Milton Schmitt");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-5"), "'-5");
        assert_eq!(csv_cell("@sum"), "'@sum");
    }
}
