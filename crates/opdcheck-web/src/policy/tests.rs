use serde_json::json;

use super::*;

fn answer(version: i64, max_drugs: u64) -> PolicyResponse {
    let mut policy = opdcheck_engine::policy::default_policy_value();
    policy["limits"]["max_drugs"] = json!(max_drugs);
    PolicyResponse {
        version,
        ruleset: format!("1.0.0+policy.v{version}"),
        policy: PolicyResponse::policy_text(&policy),
        override_: json!({"limits": {"max_drugs": max_drugs}}),
        set_by: Some("admin".into()),
        set_at: Some("2026-12-02T09:00:00Z".into()),
    }
}

fn fresh(p: PolicyResponse, etag: &str) -> Fetched {
    Fetched::Fresh {
        policy: p,
        etag: Some(etag.into()),
        variant: Variant::Public,
    }
}

/// An answer to a signed-in request: the variant as [`fetch`] tells it from the ETag.
fn signed_in(p: PolicyResponse, etag: &str) -> Fetched {
    Fetched::Fresh {
        policy: p,
        etag: Some(etag.into()),
        variant: Variant::of_answer(true, Some(etag)),
    }
}

#[test]
fn a_first_answer_is_cached_with_its_etag_and_sent_back_next_time() {
    assert_eq!(PolicyCache::if_none_match(None), None);
    let c = PolicyCache::after(None, fresh(answer(1, 4), "\"a-v1\"")).unwrap();
    assert_eq!(PolicyCache::if_none_match(Some(&c)), Some("\"a-v1\""));
    let back = PolicyCache::from_json(&c.to_json()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn a_304_or_the_same_version_keeps_the_cached_policy() {
    let c = PolicyCache::after(None, fresh(answer(1, 4), "\"a-v1\"")).unwrap();
    assert_eq!(PolicyCache::after(Some(&c), Fetched::NotModified), None);
    // A 200 without an ETag (a proxy) for what is cached is no change either.
    let same = Fetched::Fresh {
        policy: answer(1, 4),
        etag: None,
        variant: Variant::Public,
    };
    assert_eq!(PolicyCache::after(Some(&c), same), None);
    let newer = PolicyCache::after(Some(&c), fresh(answer(2, 3), "\"b-v2\"")).unwrap();
    assert_eq!(newer.policy.version, 2);
}

#[test]
fn the_variant_is_told_by_the_token_sent_and_the_etag() {
    assert_eq!(Variant::of_answer(true, Some("\"r-v1\"")), Variant::Whole);
    // The server answered a token it no longer knows with the public variant.
    assert_eq!(
        Variant::of_answer(true, Some("\"r-v1-public\"")),
        Variant::Public
    );
    assert_eq!(
        Variant::of_answer(true, Some("W/\"r-v1-public\"")),
        Variant::Public
    );
    // No ETag (a proxy dropped it) to a signed-in request: counted whole, so never kept after
    // sign-out.
    assert_eq!(Variant::of_answer(true, None), Variant::Whole);
    // Nothing anonymous is whole, whatever the tag says.
    assert_eq!(Variant::of_answer(false, Some("\"r-v1\"")), Variant::Public);
    assert_eq!(Variant::of_answer(false, None), Variant::Public);
}

#[test]
fn signing_in_or_out_replaces_the_same_version_with_the_other_variant() {
    let public = PolicyCache::after(None, fresh(answer(1, 4), "\"a-v1-public\"")).unwrap();
    assert_eq!(public.variant, Variant::Public);
    // Signed in: the same version, whole, replaces the public copy (the names arrive).
    let whole = PolicyCache::after(Some(&public), signed_in(answer(1, 4), "\"a-v1\"")).unwrap();
    assert_eq!(whole.variant, Variant::Whole);
    assert_eq!(PolicyCache::if_none_match(Some(&whole)), Some("\"a-v1\""));
    // Kept with its variant.
    let back = PolicyCache::from_json(&whole.to_json()).unwrap();
    assert_eq!(back.variant, Variant::Whole);
    // Signed out: the public answer replaces the whole copy.
    let again = PolicyCache::after(Some(&whole), fresh(answer(1, 4), "\"a-v1-public\"")).unwrap();
    assert_eq!(again.variant, Variant::Public);
}

#[test]
fn a_signed_out_page_never_keeps_a_whole_registry() {
    let public = PolicyCache::after(None, fresh(answer(1, 4), "\"a-v1-public\"")).unwrap();
    let whole = PolicyCache::after(None, signed_in(answer(1, 4), "\"a-v1\"")).unwrap();
    assert_eq!(
        PolicyCache::usable(Some(whole.clone()), true),
        Some(whole.clone())
    );
    assert_eq!(PolicyCache::usable(Some(whole), false), None);
    assert_eq!(
        PolicyCache::usable(Some(public.clone()), false),
        Some(public.clone())
    );
    assert_eq!(
        PolicyCache::usable(Some(public.clone()), true),
        Some(public)
    );
    assert_eq!(PolicyCache::usable(None, true), None);
    // A copy of the earlier shape (no variant: it may name every doctor) is not read.
    let old = r#"{"policy": {"version": 1, "ruleset": "r", "policy": {}, "override": {}},
        "etag": "\"r-v1\""}"#;
    assert_eq!(PolicyCache::from_json(old), None);
}

#[test]
fn an_unreadable_cache_is_no_cache() {
    assert_eq!(PolicyCache::from_json(""), None);
    assert_eq!(
        PolicyCache::from_json(r#"{"policy": {"ruleset": "x"}}"#),
        None
    );
}

#[test]
fn the_engine_is_built_from_the_servers_effective_policy() {
    let a = Active::of(&answer(3, 4), Source::Server).unwrap();
    assert_eq!(a.engine.policy.limits.max_drugs, 4);
    assert!(matches!(a.engine, EngineRef::Built(_)));
    assert_eq!((a.version, a.ruleset.as_str()), (3, "1.0.0+policy.v3"));
    // Version 0 with this build's default ruleset is the embedded engine, not a rebuilt copy.
    let d = Engine::default_engine();
    let zero = PolicyResponse {
        version: 0,
        ruleset: d.ruleset().into(),
        override_: json!({}),
        set_by: None,
        set_at: None,
        ..answer(0, d.policy.limits.max_drugs as u64)
    };
    assert!(matches!(
        Active::of(&zero, Source::Server).unwrap().engine,
        EngineRef::Builtin(_)
    ));
    // A broken policy is refused, located, rather than checked with.
    let mut bad = answer(4, 4);
    let mut policy = bad.policy_value().unwrap();
    policy["limits"]["max_drugs"] = json!(0);
    bad.policy = PolicyResponse::policy_text(&policy);
    assert_eq!(
        Active::of(&bad, Source::Server).err().unwrap().0.path,
        "limits.max_drugs"
    );
}

#[test]
fn reports_name_their_policy() {
    assert_eq!(label(0, Lang::Zh), "默认规则");
    assert_eq!(label(0, Lang::En), "default policy");
    assert_eq!(label(7, Lang::Zh), "医院规则 第7版");
    assert_eq!(label(7, Lang::En), "hospital policy v7");
    let b = Active::builtin();
    assert_eq!((b.version, b.source), (0, Source::Builtin));
    assert_eq!(b.ruleset, Engine::default_engine().ruleset());
}
