//! The console's CSV downloads, for a spreadsheet. Signed-in users only; a signed-out browser is
//! sent to sign in. Cells that a spreadsheet would run as a formula are defused.
//! - `GET /console/cards.csv`: the card table as the merchant filtered it (`status`, `q`), every
//!   page of it;
//! - `GET /console/wallet.csv`: the wallet's whole statement, newest first.

use app::{
    api::console::{session_token_in, CODE_PAGE, SIGN_IN_PAGE},
    domain::{
        calendar::format_timestamp_ms, console_user::ConsoleUser, console_views::CardTableQuery,
    },
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

/// The signed-in user of the request, or the answer to give instead (to sign in, or 503).
async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<ConsoleUser, Response> {
    let Some(token) = session_token_in(headers) else {
        return Err(Redirect::to(SIGN_IN_PAGE).into_response());
    };
    match state.console.user(&token).await {
        Ok(user) => Ok(user),
        Err(ConsoleDenied::SignedOut) => Err(Redirect::to(SIGN_IN_PAGE).into_response()),
        // A download is a browser following a link: send it where the pages send it.
        Err(ConsoleDenied::SecondFactorNeeded) => Err(Redirect::to(CODE_PAGE).into_response()),
        Err(error) => Err((error.http_status(), error.to_string()).into_response()),
    }
}

/// A CSV download's answer.
fn download(filename: &'static str, csv: String) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response()
}

const WALLET_HEADER: &str = "entry_id,created_at,kind,reference,card_id,amount_cents\r\n";
/// Statement lines read per round trip while writing the file.
const WALLET_PAGE: i64 = 1_000;

pub async fn wallet_csv(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match signed_in(&state, &headers).await {
        Ok(user) => user,
        Err(answer) => return answer,
    };
    let mut csv = String::from(WALLET_HEADER);
    let mut before = None;
    loop {
        let lines = match state
            .console
            .wallet_statement(&user, before, WALLET_PAGE)
            .await
        {
            Ok(lines) => lines,
            Err(error) => {
                return (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response()
            }
        };
        for line in &lines {
            let cells = [
                line.entry_id.to_string(),
                format_timestamp_ms(line.at_ms),
                csv_cell(line.kind.code()),
                csv_cell(&line.reference),
                csv_cell(line.card_id.as_ref().map_or("", |id| id.as_str())),
                // A number Cardkit wrote, signed: never defused into text.
                line.amount.0.to_string(),
            ];
            csv.push_str(&cells.join(","));
            csv.push_str("\r\n");
        }
        match lines.last() {
            Some(last) if lines.len() as i64 == WALLET_PAGE => before = Some(last.entry_id),
            _ => break,
        }
    }
    download("wallet.csv", csv)
}

pub async fn cards_csv(
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&state, &headers).await {
        Ok(user) => user,
        Err(answer) => return answer,
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
    download("cards.csv", csv)
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
