//! The bundle name is written in two places that must agree: the Rust constant the server renders
//! into every page, and the workspace's leptos metadata that `scripts/build-site.sh` builds from.

#[test]
fn bundle_name_matches_the_build_metadata() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
    let metadata = manifest
        .split("[[workspace.metadata.leptos]]")
        .nth(1)
        .expect("leptos metadata");
    let output_name = metadata
        .lines()
        .find_map(|line| line.strip_prefix("output-name = "))
        .expect("output-name")
        .trim_matches('"');
    assert_eq!(output_name, app::BUNDLE_NAME);
}

/// `scripts/build-site.sh` names the widget's bundle `<output-name>-widget`; the widget page loads
/// it under the name the app crate knows.
#[test]
fn widget_bundle_name_follows_the_build_script() {
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/build-site.sh"
    ))
    .unwrap();
    assert!(script.contains("bundle \"$name-widget\" widget"));
    assert_eq!(
        app::WIDGET_BUNDLE_NAME,
        format!("{}-widget", app::BUNDLE_NAME)
    );
}
