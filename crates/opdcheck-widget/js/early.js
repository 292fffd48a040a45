// opdcheck widget: the engine's start, begun first. `opdcheck.js` evaluates this module before
// it fetches the rest of the widget, so the wasm module (the bulk of the bytes) is fetched and
// compiled while the wrapper's other modules load, not after them; once it is compiled, it is
// instantiated and warmed (the default engine built, one clean sample checked) in tasks of
// their own, so a page's `init()` and first check find everything ready. No static imports, on
// purpose: a module runs only once everything it imports has been fetched.

/** Where the engine's module is: beside this file. */
export const WASM_URL = new URL('opdcheck_widget_bg.wasm', import.meta.url);

// The module's subresource-integrity hash, written into opdcheck.js by its build (`cargo xtask
// widget`): a page that pins opdcheck.js with `integrity` pins the engine with it. Unbundled
// sources have none.
/* global OPDCHECK_WASM_INTEGRITY */
const INTEGRITY = typeof OPDCHECK_WASM_INTEGRITY === 'string' ? OPDCHECK_WASM_INTEGRITY : '';

/** A request for the engine beside this file, checked against its hash when the build gave one. */
export const wasmRequest = () => (INTEGRITY ? new Request(WASM_URL, { integrity: INTEGRITY }) : WASM_URL);

const streaming = typeof WebAssembly === 'object' && typeof WebAssembly.compileStreaming === 'function' && typeof fetch === 'function';

// The next task: the page's own work (input, rendering) can run between the steps.
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Resolves to true once the engine beside this file is instantiated and warm; to false when
 * streaming compilation is not possible here (a server that does not send application/wasm, an
 * old browser, the module elsewhere): `init()` then loads it the plain way (or from its
 * `wasm` option), which also reports the error if there is one. Never rejects.
 */
export const warm = streaming
  ? Promise.all([
    WebAssembly.compileStreaming(fetch(wasmRequest())),
    import('./opdcheck_widget.js'),
  ]).then(async ([module, glue]) => {
    await glue.default({ module_or_path: module });
    await nextTask();
    glue.warmUp();
    return true;
  }).catch(() => false)
  : Promise.resolve(false);
