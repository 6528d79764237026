use leptos::{form::ActionForm, prelude::*};

use super::enrolment_view::EnrolmentView;
use crate::api::{
    console_security::{console_second_factor, ConsoleFinishSignIn, SecondFactorStep},
    widget::error_text,
};

/// The second half of signing in: the code from the person's authenticator app, or, when the
/// team requires one and they have none yet, adding one first. Works as a plain form too.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let step = super::page_data::page_data(|| (), |_| console_second_factor());
    let finish = ServerAction::<ConsoleFinishSignIn>::new();
    let failure = move || {
        finish
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error_text(&error))
    };
    view! {
        <section class="panel console-sign-in" aria-labelledby="code-heading">
            <h1 id="code-heading">"Two-step sign-in"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    step.get()
                        .map(|answer| match answer {
                            Ok(SecondFactorStep::Code) => {
                                view! {
                                    <p>"Enter the 6-digit code your authenticator app shows for Cardkit."</p>
                                }
                                    .into_any()
                            }
                            Ok(SecondFactorStep::Enrol(enrolment)) => {
                                view! {
                                    <p>
                                        "Your team signs in with a second factor. Add Cardkit to an "
                                        "authenticator app, then enter the code it shows."
                                    </p>
                                    <EnrolmentView enrolment/>
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! {
                                    <p class="error" role="alert">{error_text(&error)}</p>
                                    <p><a href="/console/sign-in">"Sign in again"</a></p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
            <ActionForm action=finish attr:data-testid="code-form">
                <label for="sign-in-code">"Code"</label>
                <input
                    id="sign-in-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9 ]{6,7}"
                    required
                />
                <button type="submit" disabled=move || finish.pending().get()>
                    "Continue"
                </button>
            </ActionForm>
            <p class="error" role="alert" data-testid="code-error">
                {failure}
            </p>
        </section>
    }
}
