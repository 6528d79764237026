use leptos::{form::ActionForm, prelude::*};

use super::{enrolment_view::EnrolmentView, nav::ConsoleNav};
use crate::{
    api::{
        console_security::{console_security, ConsoleChangeSecurity, SecurityView},
        widget::error_text,
    },
    domain::console_role::Role,
};

/// The person's own second factor (on, off, being added) and, for the owner, the team's rule.
/// Every change is checked on the server and written to the audit log.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let view_of = super::page_data::page_data(|| (), |_| console_security());
    // Above the redrawn view, so a refusal's sentence outlives the re-read.
    let change = ServerAction::<ConsoleChangeSecurity>::new();
    Effect::new(move |_| {
        if change.version().get() > 0 {
            view_of.refetch();
        }
    });
    let failure = move || {
        change
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    view! {
        <ConsoleNav current="/console/security"/>
        <h1>"Security"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                view_of
                    .get()
                    .map(|answer| match answer {
                        Ok(security) => view! { <Security security change/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
        <p class="error" role="alert" data-testid="security-error">
            {failure}
        </p>
    }
}

/// A form that sends one change, with a code field when the change needs one.
fn change_form(
    change: ServerAction<ConsoleChangeSecurity>,
    what: &'static str,
    label: &'static str,
    with_code: bool,
) -> impl IntoView {
    let field = format!("code-{what}");
    view! {
        <ActionForm action=change attr:class="money-form">
            <input type="hidden" name="change" value=what/>
            {with_code
                .then(|| {
                    view! {
                        <label for=field.clone()>"Code from your authenticator"</label>
                        <input
                            id=field.clone()
                            name="code"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            required
                        />
                    }
                })}
            <button type="submit" disabled=move || change.pending().get() data-testid=format!("security-{what}")>
                {label}
            </button>
        </ActionForm>
    }
}

#[component]
fn Security(security: SecurityView, change: ServerAction<ConsoleChangeSecurity>) -> impl IntoView {
    let status = if security.enabled {
        "On: signing in and revealing a card ask for a code from your authenticator app."
    } else {
        "Off: you sign in with your password only."
    };
    let own = match (security.enabled, security.enrolment.clone()) {
        (true, _) if security.required_by_team => view! {
            <p class="muted">"Your team requires a second factor, so it stays on."</p>
        }
        .into_any(),
        (true, _) => change_form(change, "off", "Switch off", true).into_any(),
        (false, Some(enrolment)) => view! {
            <EnrolmentView enrolment/>
            {change_form(change, "confirm", "Switch on", true)}
        }
        .into_any(),
        (false, None) => change_form(change, "start", "Add an authenticator app", false).into_any(),
    };
    let team = (security.user.role == Role::Owner).then(|| {
        let (rule, what, label) = if security.required_by_team {
            (
                "Everyone signs in with a second factor.",
                "optional",
                "Make it optional",
            )
        } else {
            (
                "A second factor is each member's choice.",
                "require",
                "Require it of everyone",
            )
        };
        view! {
            <section class="panel" aria-labelledby="team-rule-heading">
                <h2 id="team-rule-heading">"Your team"</h2>
                <p data-testid="team-rule">{rule}</p>
                {change_form(change, what, label, false)}
            </section>
        }
    });
    view! {
        <section class="panel" aria-labelledby="own-heading">
            <h2 id="own-heading">"Two-step sign-in"</h2>
            <p data-testid="two-factor-status">{status}</p>
            {own}
        </section>
        {team}
    }
}
