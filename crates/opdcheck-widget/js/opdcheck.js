// opdcheck widget: the ES module a portal imports (`import {init, attach} from '…/opdcheck.js'`).
//
// A thin wrapper over the wasm-bindgen build of the engine (`opdcheck_widget.js` next to this
// file), in a few native ES modules beside it (no bundler): `engine.js` (loading, the
// document/report functions, the policy; `server.js` follows a server's policy), `sync.js`
// (push to the opdcheck API with an integrator key), `attach.js` (live checks of the portal's own form, with `fields.js` reading
// it — values as people write them by `read.js`, typed by the format's `shape.js` — `paths.js`
// and `marks.js` marking its inputs) and `panel.js` (the `<opd-check>` custom
// element, a findings panel in shadow DOM, defined on import). Plain ES2020, no dependencies;
// guide: docs/embedding.md. Nothing here throws into the host page because of what a user typed.

export {
  init, isReady, validate, validateVisit, version, ruleset, rules, policy, setPolicy, policyInForce,
  OpdcheckError,
} from './engine.js';
export { sync } from './sync.js';
export { attach } from './attach.js';
export { OpdCheckElement } from './panel.js';
