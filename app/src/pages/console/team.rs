use leptos::{form::ActionForm, prelude::*};

use super::nav::ConsoleNav;
use super::scroll_table::ScrollTable;
use crate::{
    api::{
        console_team::{console_team, ConsoleChangeRole, ConsoleInvite, ConsoleRemoveMember},
        widget::error_text,
    },
    domain::{
        calendar::format_datetime,
        console_role::Role,
        console_team::{may_change, NewInvitation, TeamView, GRANTABLE},
    },
};

/// The merchant's console team: who has a login and with which role, the invitations still
/// open, and, for owners and admins, inviting, changing roles and removing members. The server
/// checks every rule; the page only leaves out what the reader's role cannot do.
#[component]
pub fn TeamPage() -> impl IntoView {
    let team = super::page_data::page_data(|| (), |_| console_team());
    // Above the team's view, which is drawn anew on every read: an answer outlives the read.
    let invite = ServerAction::<ConsoleInvite>::new();
    let change = ServerAction::<ConsoleChangeRole>::new();
    let remove = ServerAction::<ConsoleRemoveMember>::new();
    Effect::new(move |_| {
        if invite.version().get() + change.version().get() + remove.version().get() > 0 {
            team.refetch();
        }
    });
    let failure = move || {
        [
            invite.value().get().and_then(Result::err),
            change.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| error_text(&error))
    };
    view! {
        <ConsoleNav current="/console/team"/>
        <h1>"Team"</h1>
        <p class="error" role="alert" data-testid="team-error">
            {failure}
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                team.get()
                    .map(|answer| match answer {
                        Ok(team) => view! { <Team team invite change remove/> }.into_any(),
                        Err(error) => {
                            view! { <p class="error" role="alert">{error_text(&error)}</p> }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn Team(
    team: TeamView,
    invite: ServerAction<ConsoleInvite>,
    change: ServerAction<ConsoleChangeRole>,
    remove: ServerAction<ConsoleRemoveMember>,
) -> impl IntoView {
    let manages = team.user.role.may_manage_team();
    let reader = team.user.clone();
    view! {
        <section class="panel" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <ScrollTable label="Members" caption="Everyone with a login to this merchant's console" testid="members">
                    <thead>
                        <tr>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Change"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {team
                            .members
                            .into_iter()
                            .map(|member| {
                                let actions = may_change(&reader, &member)
                                    .is_ok()
                                    .then(|| {
                                        view! {
                                            <MemberActions
                                                id=member.id.to_string()
                                                email=member.email.clone()
                                                role=member.role
                                                change
                                                remove
                                            />
                                        }
                                            .into_any()
                                    });
                                let row_mark = member.email.clone();
                                view! {
                                    <tr data-member=row_mark>
                                        <td>{member.email}</td>
                                        <td>{member.role.label()}</td>
                                        <td>{actions}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </ScrollTable>
        </section>
        {manages.then(|| view! { <Invite invite/> }.into_any())}
        <section class="panel" aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Open invitations"</h2>
            {if team.invitations.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="invitations">
                        {team
                            .invitations
                            .into_iter()
                            .map(|invitation| {
                                view! {
                                    <li>
                                        {invitation.email} " as " {invitation.role.label()}
                                        ", valid until " {format_datetime(invitation.expires_at_ms)}
                                        " UTC"
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}

/// Changing a member's role, or removing them (a confirmation first, as for deleting a card).
#[component]
fn MemberActions(
    id: String,
    email: String,
    role: Role,
    change: ServerAction<ConsoleChangeRole>,
    remove: ServerAction<ConsoleRemoveMember>,
) -> impl IntoView {
    let label = format!("Role of {email}");
    let removed_id = id.clone();
    view! {
        <div class="member-actions">
            <ActionForm action=change attr:class="inline-form">
                <input type="hidden" name="member" value=id/>
                <select name="role" aria-label=label>
                    {GRANTABLE
                        .into_iter()
                        .map(|grantable| {
                            view! {
                                <option value=grantable.code() selected=grantable == role>
                                    {grantable.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    "Change role"
                </button>
            </ActionForm>
            <details class="danger-zone">
                <summary>"Remove…"</summary>
                <p>{format!("{email} loses access at once, in every browser.")}</p>
                <ActionForm action=remove>
                    <input type="hidden" name="member" value=removed_id/>
                    <button type="submit" class="danger" data-testid="remove-member">
                        {format!("Remove {email}")}
                    </button>
                </ActionForm>
            </details>
        </div>
    }
    .into_any()
}

/// The invitation form; the link it makes is shown once, here, for the inviter to send.
#[component]
fn Invite(invite: ServerAction<ConsoleInvite>) -> impl IntoView {
    let made = move || invite.value().get().and_then(Result::ok);
    view! {
        <section class="panel" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite someone"</h2>
            <noscript>
                <p class="muted">"Inviting needs JavaScript: the link is shown once, on this page."</p>
            </noscript>
            <ActionForm action=invite attr:class="money-form">
                <label for="invite-email">"Email"</label>
                <input id="invite-email" type="email" name="email" autocomplete="off" required/>
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">
                    {GRANTABLE
                        .into_iter()
                        .map(|role| view! { <option value=role.code()>{role.label()}</option> })
                        .collect_view()}
                </select>
                <button type="submit" disabled=move || invite.pending().get()>
                    "Invite"
                </button>
            </ActionForm>
            <div aria-live="polite">{move || made().map(|invitation| view! { <InvitationLink invitation/> })}</div>
        </section>
    }
}

#[component]
fn InvitationLink(invitation: NewInvitation) -> impl IntoView {
    let origin = {
        #[cfg(feature = "hydrate")]
        {
            window().location().origin().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        String::new()
    };
    let link = format!("{origin}/console/join?token={}", invitation.token);
    view! {
        <p>
            "Send this link to " {invitation.email} " (" {invitation.role.label()}
            "). It is shown only now, works once, and expires "
            {format_datetime(invitation.expires_at_ms)} " UTC:"
        </p>
        <p>
            <code class="invitation-link" data-testid="invitation-link">{link}</code>
        </p>
    }
}
