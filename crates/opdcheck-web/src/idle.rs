//! Waiting for the browser to be idle, for work that may come later: the page's own tasks
//! (the doctor's keys, rendering) go first.

use wasm_bindgen::JsCast;

/// Resolves once the browser is idle (`requestIdleCallback`, at the latest after `timeout_ms`),
/// or at the next task where it has no idle callbacks (Safari).
pub async fn idle(timeout_ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let function = |name: &str| {
            js_sys::Reflect::get(&global, &name.into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        };
        if let Some(ric) = function("requestIdleCallback") {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"timeout".into(), &timeout_ms.into());
            let _ = ric.call2(&global, &resolve, &options);
        } else if let Some(set_timeout) = function("setTimeout") {
            let _ = set_timeout.call2(&global, &resolve, &0.into());
        } else {
            let _ = resolve.call0(&global);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
