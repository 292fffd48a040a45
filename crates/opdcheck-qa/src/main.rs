//! Mounts the QA workspace (built by Trunk from `www/qa/index.html`).

fn main() {
    leptos::mount::mount_to_body(opdcheck_qa::QaApp);
}
