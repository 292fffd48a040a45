//! RX-17: closed and signed with the registered signature.

use crate::declare_rule;
use crate::model::{Signer, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// - `completed` is `true`: the prescription was closed with the end mark (at `completed`);
    /// - the prescriber signed: a name or id with a signature id or signing time (at
    ///   `prescriber`);
    /// - when the policy has a prescriber registry (`prescribers`), the signature id is the one
    ///   registered for the prescriber's id (at `prescriber.signature_id`). A prescriber who is
    ///   not in the registry is RX-18's finding; with the default policy (no registry) this part
    ///   is skipped, and so it is for an entry with no registered signature (`signature_id`
    ///   empty, as in the policy a client gets without signing in).
    ///
    /// ## Why
    /// 处方管理办法 第6条(11)(12): 开具处方后的空白处划一斜线以示处方完毕; 处方医师的签名式样和专用
    /// 签章应当与院内药学部门留样备查的式样相一致. An open prescription can be added to after
    /// signing, and an unregistered signature cannot be traced to a physician with prescribing
    /// rights. The assessment table deducts a point (item 16).
    ///
    /// ## Bad
    /// ```json
    /// {"completed": false}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"completed": true}
    /// ```
    pub static RULE = {
        code: "RX-17",
        item: "OPD-16",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第16条; 处方管理办法 第6条(11)(12)",
        title: ("处方完毕并按备案样式签名", "closed and signed with the registered signature"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    if ctx.doc.completed != Some(true) {
        out.emit(
            &RULE,
            "completed",
            Text::new(
                "处方未标记完毕（缺处方完毕标记）",
                "the prescription is not closed (no end mark)",
            ),
            Text::new(
                "开具完毕后确认结束处方，空白处不得再添加",
                "close the prescription once it is complete, so nothing can be added below",
            ),
        );
    }
    let Some(p) = ctx.doc.prescriber.as_ref().filter(|p| p.is_signed()) else {
        out.emit(
            &RULE,
            "prescriber",
            Text::new("处方医师未签名", "the prescriber has not signed"),
            Text::new(
                "处方医师签名（或电子签名）",
                "the prescriber signs (or signs electronically)",
            ),
        );
        return;
    };
    registered_signature(ctx, p, out);
}

/// The signature id is the one registered for the prescriber (when there is a registry).
fn registered_signature(ctx: &RxCtx, p: &Signer, out: &mut Sink) {
    let Some(id) = filled(&p.id) else {
        return;
    };
    let Some(reg) = ctx.policy().prescribers.iter().find(|r| r.id.trim() == id) else {
        return;
    };
    // No registered signature here (the public policy omits it): nothing to compare with.
    if reg.signature_id.trim().is_empty() {
        return;
    }
    let written = filled(&p.signature_id);
    if written == Some(reg.signature_id.trim()) {
        return;
    }
    let name = filled(&p.name).unwrap_or(id);
    let (zh, en) = match written {
        Some(w) => (
            format!("处方医师{name}的签名（{w}）与备案签名不一致"),
            format!("the signature of {name} ({w}) is not the registered one"),
        ),
        None => (
            format!("处方医师{name}未使用备案签名"),
            format!("{name} did not sign with the registered signature"),
        ),
    };
    out.emit(
        &RULE,
        "prescriber.signature_id",
        Text::new(zh, en),
        Text::new(
            "使用在药学部门备案的签名或电子签名",
            "sign with the signature registered with the pharmacy",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::model::DocKind;
    use crate::report::{Report, Severity};
    use crate::testing::*;
    use crate::{Engine, parse_document};

    #[test]
    fn flags_an_open_prescription() {
        expect(
            &rx(json!({"completed": false})),
            "RX-17",
            "OPD-16",
            Severity::Error,
            "completed",
        );
        expect(
            &rx(json!({"completed": null})),
            "RX-17",
            "OPD-16",
            Severity::Error,
            "completed",
        );
        expect_none(&rx(json!({"completed": true})), "RX-17");
    }

    #[test]
    fn flags_a_missing_or_unsigned_prescriber() {
        let r = rx(json!({"prescriber": null}));
        expect(&r, "RX-17", "OPD-16", Severity::Error, "prescriber");
        let r = rx(json!({"prescriber": {"signed_at": null, "signature_id": ""}}));
        expect(&r, "RX-17", "OPD-16", Severity::Error, "prescriber");
    }

    /// Check a patched prescription with a policy that registers 李明's signature.
    fn with_registry(p: Value) -> Report {
        with_signature("SIG-D0012", p)
    }

    /// Check a patched prescription with a registry entry for D0012 whose signature is `sig`.
    fn with_signature(sig: &str, p: Value) -> Report {
        let registry = json!({"prescribers": [
            {"id": "D0012", "name": "李明", "title": "attending", "signature_id": sig}
        ]});
        let engine = Engine::with_policy_override(&registry.to_string()).expect("policy");
        let doc = parse_document(&patched(DocKind::Prescription, p).to_string()).expect("parses");
        engine.check(&doc)
    }

    #[test]
    fn the_signature_must_be_the_registered_one() {
        let r = with_registry(json!({"prescriber": {"signature_id": "SIG-X99"}}));
        let f = expect(
            &r,
            "RX-17",
            "OPD-16",
            Severity::Error,
            "prescriber.signature_id",
        );
        assert!(f.message.zh.contains("SIG-X99"));
        // Signed by time only: no registered signature to show.
        let r = with_registry(json!({"prescriber": {"signature_id": null}}));
        expect(
            &r,
            "RX-17",
            "OPD-16",
            Severity::Error,
            "prescriber.signature_id",
        );
        expect_none(&with_registry(json!({})), "RX-17");
    }

    #[test]
    fn an_entry_without_a_registered_signature_is_not_compared() {
        // The registered one is still required where the entry has one.
        let r = with_signature(
            "SIG-D0012",
            json!({"prescriber": {"signature_id": "SIG-ANY"}}),
        );
        expect(
            &r,
            "RX-17",
            "OPD-16",
            Severity::Error,
            "prescriber.signature_id",
        );
        // An empty one (the public policy's): any signature id passes, as does a signed time.
        for sig in ["", "  "] {
            let r = with_signature(sig, json!({"prescriber": {"signature_id": "SIG-ANY"}}));
            expect_none(&r, "RX-17");
            let r = with_signature(sig, json!({"prescriber": {"signature_id": null}}));
            expect_none(&r, "RX-17");
        }
        // The end mark and a signature are still checked.
        let r = with_signature("", json!({"completed": false}));
        expect(&r, "RX-17", "OPD-16", Severity::Error, "completed");
    }

    #[test]
    fn no_registry_no_signature_check() {
        expect_none(
            &rx(json!({"prescriber": {"signature_id": "SIG-X99"}})),
            "RX-17",
        );
        // A prescriber missing from the registry is RX-18's finding, not this one.
        let r = with_registry(json!({"prescriber": {"id": "D0999", "signature_id": "SIG-D0999"}}));
        expect_none(&r, "RX-17");
    }
}
