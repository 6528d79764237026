//! Who may use the console's developers' area (API keys, callbacks, the request log, the widget
//! builder): one check for its four services, so the area's door is the same everywhere.

use app::{domain::console_user::ConsoleUser, ports::ConsoleDenied};

/// Developers, admins and owners manage the integration ([`Role::may_manage_integration`]);
/// anyone else is refused (403) with `refusal`, a sentence naming what they asked for
/// ("API keys are for developers, admins and owners").
///
/// [`Role::may_manage_integration`]: app::domain::console_role::Role::may_manage_integration
pub(super) fn integration_only(
    user: &ConsoleUser,
    refusal: &'static str,
) -> Result<(), ConsoleDenied> {
    if user.role.may_manage_integration() {
        Ok(())
    } else {
        Err(ConsoleDenied::Forbidden(refusal))
    }
}
