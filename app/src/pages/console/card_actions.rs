use leptos::{form::ActionForm, prelude::*};

use crate::{
    api::{
        console_cards::{ConsoleCardAct, ConsoleCardDetail},
        widget::error_text,
    },
    domain::CardStatus,
};

/// What an owner or admin may do to a card: top up, withdraw, freeze or unfreeze, delete. Other
/// roles see why there are no buttons (the server refuses them anyway). Each form is a plain
/// HTML form too, and the money forms carry the page's reference, so a form sent twice moves
/// the money once.
#[component]
pub fn CardActions(detail: ConsoleCardDetail, act: ServerAction<ConsoleCardAct>) -> impl IntoView {
    let card = &detail.card;
    if !detail.user.role.may_move_money() {
        return view! {
            <section class="panel" aria-labelledby="actions-heading">
                <h2 id="actions-heading">"Actions"</h2>
                <p class="muted" data-testid="actions-not-allowed">
                    "Your role (" {detail.user.role.label()}
                    ") reads cards. An owner or an admin can move money and change cards."
                </p>
            </section>
        }
        .into_any();
    }
    let failure = move || {
        act.value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    let pending = move || act.pending().get();
    let card_id = card.card_id.to_string();
    let live = matches!(card.status, CardStatus::Active | CardStatus::Freeze);
    let returned = card.balance;
    let reference = &detail.next_reference;
    let money_form = |action: &'static str, label: &'static str, id: &'static str| {
        let card_id = card_id.clone();
        let reference = format!("{reference}-{action}");
        view! {
            <ActionForm action=act attr:class="money-form">
                <input type="hidden" name="card_id" value=card_id/>
                <input type="hidden" name="action" value=action/>
                <input type="hidden" name="reference" value=reference/>
                <label for=id>{label} " (USD)"</label>
                <input
                    id=id
                    name="amount"
                    inputmode="decimal"
                    autocomplete="off"
                    placeholder="25.00"
                    required
                />
                <button type="submit" disabled=pending data-testid=format!("{action}-submit")>
                    {label}
                </button>
            </ActionForm>
        }
    };
    let simple_form = |action: &'static str, label: &'static str| {
        let card_id = card_id.clone();
        view! {
            <ActionForm action=act>
                <input type="hidden" name="card_id" value=card_id/>
                <input type="hidden" name="action" value=action/>
                <button type="submit" class="secondary" disabled=pending data-testid=action>
                    {label}
                </button>
            </ActionForm>
        }
    };
    view! {
        <section class="panel" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Actions"</h2>
            {if live {
                view! {
                    <div class="card-actions">
                        {money_form("top_up", "Top up", "top-up-amount")}
                        {money_form("withdraw", "Withdraw", "withdraw-amount")}
                        <div class="button-row">
                            {if card.status == CardStatus::Freeze {
                                simple_form("unfreeze", "Unfreeze card")
                            } else {
                                simple_form("freeze", "Freeze card")
                            }}
                        </div>
                        <details class="danger-zone">
                            <summary data-testid="delete-open">"Delete card…"</summary>
                            <p data-testid="delete-consequence">
                                "Deleting the card returns its balance of " <strong>{returned.to_string()}</strong>
                                " to the wallet (less what pending purchases hold until they settle). The card stops working at once, and this cannot be undone."
                            </p>
                            <ActionForm action=act>
                                <input type="hidden" name="card_id" value=card_id.clone()/>
                                <input type="hidden" name="action" value="delete"/>
                                <button type="submit" class="danger" disabled=pending data-testid="delete-confirm">
                                    "Delete card and return " {returned.to_string()}
                                </button>
                            </ActionForm>
                        </details>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <p class="muted">
                        "A " {card.status.code()}
                        " card takes no top-ups, withdrawals or status changes."
                    </p>
                }
                    .into_any()
            }}
            <p class="error" role="alert" data-testid="action-error">
                {failure}
            </p>
        </section>
    }
    .into_any()
}
