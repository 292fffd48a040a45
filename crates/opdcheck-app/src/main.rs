//! Mounts the app (built by Trunk from `www/index.html`).

fn main() {
    leptos::mount::mount_to_body(opdcheck_app::App);
}
