// opdcheck widget: the ES module a portal imports (`import {init, attach} from '…/opdcheck.js'`).
//
// A thin wrapper over the wasm-bindgen build of the engine (`opdcheck_widget.js`), in a few
// native ES modules (shipped as one minified file with a source map, bundled by esbuild):
// `early.js` (the engine's download and warm-up, begun on import), `engine.js` (loading, the
// document/report functions, the policy; `server.js` follows a server's policy), `sync.js`
// (push to the opdcheck API with an integrator key), `attach.js` (live checks of the portal's own form, with `fields.js` reading
// it — values as people write them by `read.js`, typed by the format's `shape.js` — `paths.js`
// and `marks.js` marking its inputs) and `panel.js` (the `<opd-check>` custom
// element, a findings panel in shadow DOM, defined on import). Plain ES2020, no dependencies;
// guide: docs/embedding.md. Nothing here throws into the host page because of what a user typed.

// early.js first: in the shipped bundle (one file, `cargo xtask widget`) it runs before the rest,
// so the engine's download starts as soon as the page has this file.
import './early.js';

export {
  init, isReady, validate, validateVisit, version, ruleset, rules, policy, setPolicy, policyInForce,
  OpdcheckError,
} from './engine.js';
export { sync } from './sync.js';
export { attach } from './attach.js';
export { OpdCheckElement } from './panel.js';
