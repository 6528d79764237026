use leptos::prelude::*;

use crate::domain::two_factor::Enrolment;

/// What an authenticator app needs to add Cardkit: a link it opens, or the secret to type.
#[component]
pub fn EnrolmentView(enrolment: Enrolment) -> impl IntoView {
    view! {
        <ol class="enrolment">
            <li>
                <a href=enrolment.otpauth_uri.clone() data-testid="otpauth-link">
                    "Open in your authenticator app"
                </a>
                " (on this device), or type this key in it:"
                <p class="secret-text" data-testid="totp-secret">{enrolment.typed_secret}</p>
            </li>
            <li>"Enter the 6-digit code the app shows."</li>
        </ol>
    }
}
