use leptos::prelude::*;

/// A list filter's choice: one query parameter whose options are codes, "Any" first.
pub struct FilterChoice {
    pub name: &'static str,
    pub label: &'static str,
    /// (code, label) of each option.
    pub options: Vec<(&'static str, &'static str)>,
    pub selected: Option<&'static str>,
}

/// A list filter's search box.
pub struct FilterSearch {
    pub name: &'static str,
    pub label: &'static str,
    pub value: Option<String>,
}

/// The filter above a console list: a choice and a search, sent as a plain GET form, so the list
/// works, and its links can be shared, with JavaScript off. `id` names the fields (`{id}-{name}`).
#[component]
pub fn SearchFilters(
    action: &'static str,
    id: &'static str,
    choice: FilterChoice,
    search: FilterSearch,
) -> impl IntoView {
    let choice_id = format!("{id}-{}", choice.name);
    let search_id = format!("{id}-{}", search.name);
    let selected = choice.selected;
    view! {
        <form method="get" action=action class="console-filters" role="search">
            <label for=choice_id.clone()>{choice.label}</label>
            <select id=choice_id name=choice.name>
                <option value="" selected=selected.is_none()>"Any"</option>
                {choice
                    .options
                    .into_iter()
                    .map(|(code, label)| {
                        view! {
                            <option value=code selected=selected == Some(code)>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label for=search_id.clone()>{search.label}</label>
            <input
                id=search_id
                type="search"
                name=search.name
                value=search.value.unwrap_or_default()
                autocomplete="off"
            />
            <button type="submit">"Show"</button>
        </form>
    }
}
