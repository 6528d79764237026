//! Moving keyboard focus where the person's attention has to go next: to the heading of what just
//! replaced the form, to the first field in error, to the first field of a fresh form. Done after
//! the next frame, when the element the render just made is in the page.

/// Focuses the element with this id after the next frame, if it exists then.
pub fn focus_soon(id: &'static str) {
    #[cfg(feature = "hydrate")]
    leptos::prelude::request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let element = leptos::prelude::document()
            .get_element_by_id(id)
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
    // Rendering on the server moves no focus.
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
