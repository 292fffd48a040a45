//! The signer block when a doctor is signed in: filled from the account and shown read-only
//! (who signs is who is signed in), and the note the editable block carries when signed out.
//! The logic is [`crate::signing::Account`]'s, tested natively.

use leptos::prelude::*;
use opdcheck_engine::model::{Signer, Title};

use crate::signing::{Account, Signable, seal_signer};
use crate::ui::field::{Anchor, Label, label_text};
use crate::ui::sync::sync_ctx;
use crate::ui::tr;

/// The signed-in doctor's account (`None` signed out, for QA staff and admins, and for a page
/// mounted without the app's sync context).
pub fn signed_in_account() -> Memo<Option<Account>> {
    let session = sync_ctx().map(|c| c.session);
    Memo::new(move |_| {
        session.and_then(|s| s.with(|s| s.as_ref().and_then(|s| Account::of(&s.user))))
    })
}

/// Nobody is signed in (the editable block then says who will sign).
pub fn signed_out() -> Signal<bool> {
    let session = sync_ctx().map(|c| c.session);
    Signal::derive(move || session.is_none_or(|s| s.with(Option::is_none)))
}

/// Keep the signer of `doc` (read by `get`, written by `get_mut`) filled from the account while
/// the document is open; a signed document keeps whoever signed it.
pub fn follow_account<T: Signable + Send + Sync + 'static>(
    doc: RwSignal<T>,
    account: Memo<Option<Account>>,
    get: fn(&T) -> &Option<Signer>,
    get_mut: fn(&mut T) -> &mut Option<Signer>,
) {
    Effect::new(move |_| {
        let Some(account) = account.get() else { return };
        let Some(mut signer) = doc.with(|d| (!d.is_closed()).then(|| get(d).clone())) else {
            return;
        };
        // Written only when it changes: the write re-runs this effect, which then stops here.
        if account.fill(&mut signer) {
            doc.update(|d| *get_mut(d) = signer);
        }
    });
}

fn title_label(t: Title) -> (&'static str, &'static str) {
    match t {
        Title::Resident => ("住院医师", "resident"),
        Title::Attending => ("主治医师", "attending"),
        Title::AssociateChief => ("副主任医师", "associate chief"),
        Title::Chief => ("主任医师", "chief"),
        Title::Assistant => ("执业助理医师", "assistant"),
    }
}

/// One read-only value; `—` with "未登记" when the account has none.
fn value(label: Label, class: &'static str, v: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="field readonly" data-field=class>
            <span class="label">{label_text(label)}</span>
            <output class=class>
                {move || v.get().map(|v| v.into_any()).unwrap_or_else(|| tr("未登记", "not recorded").into_any())}
            </output>
        </div>
    }
}

/// The signer as the account filled it (the document's own signer, so a signed document shows
/// who signed it), read-only; the findings about it are shown here.
#[component]
pub fn AccountSigner(
    legend: Label,
    #[prop(into)] path: String,
    signer: Signal<Option<Signer>>,
    #[prop(optional)] with_title: bool,
) -> impl IntoView {
    let part = move |f: fn(&Signer) -> Option<String>| {
        Signal::derive(move || signer.with(|s| s.as_ref().and_then(f)))
    };
    let title = Signal::derive(move || {
        signer
            .with(|s| s.as_ref().and_then(|s| s.title))
            .map(title_label)
    });
    view! {
        <fieldset class="section signer account">
            <legend>{label_text(legend)}</legend>
            <Anchor path=path>
                <div class="grid">
                    {value(("姓名", "Name"), "name", part(|s| s.name.clone()))}
                    {value(("工号", "Staff id"), "id", part(|s| s.id.clone()))}
                    {with_title.then(|| view! {
                        <div class="field readonly" data-field="title">
                            <span class="label">{tr("职称", "Title")}</span>
                            <output class="title">
                                {move || match title.get() {
                                    Some((zh, en)) => tr(zh, en).into_any(),
                                    None => tr("未登记", "not recorded").into_any(),
                                }}
                            </output>
                        </div>
                    })}
                    {value(("签名", "Signature"), "signature", part(|s| s.signature_id.clone()))}
                </div>
            </Anchor>
            <p class="note from-account">
                {tr("由登录账号填写；如有误请联系管理员", "From your account; an admin corrects it")}
            </p>
        </fieldset>
    }
}

/// The signer as it will be signed: the document's, with the account's registered signature id
/// when the account is the signer (an open draft carries none, see [`Account::fill`]).
pub fn as_it_will_sign(
    signer: impl Fn() -> Option<Signer> + Send + Sync + 'static,
    account: Memo<Option<Account>>,
) -> Signal<Option<Signer>> {
    Signal::derive(move || {
        let mut s = signer();
        account.with(|a| seal_signer(&mut s, a.as_ref()));
        s
    })
}

/// What the editable signer block says when nobody is signed in.
#[component]
pub fn SignedOutNote() -> impl IntoView {
    view! {
        <p class="note signed-out-signer">
            {tr(
                "未登录：签名只记录时间；同步本文书的账号即为签名医师，服务器按该账号的备案签名与处方权核对",
                "Signed out: signing records the time only; the account that syncs this document signs it, and the server checks it against that account's registered signature and rights",
            )}
        </p>
    }
}
