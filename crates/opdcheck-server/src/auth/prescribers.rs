//! A doctor account's prescriber facts (issue 13, item 6: who signs is who is signed in): the
//! display name, title, antibiotic tier and rights an admin records, and the signature id the
//! server sets. The hospital's prescriber registry the rules check (RX-17, RX-18) is made of
//! the doctor accounts ([`registry`]).

use axum::http::StatusCode;
use opdcheck_api::accounts::{NewUser, PrescriberFacts, UserUpdate};
use opdcheck_engine::model::Title;
use opdcheck_engine::policy::{AbxTier, Prescriber};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{Principal, audit, now};
use crate::error::Error;
use crate::store::{PrescriberRow, Store, User};

/// A display name is at most this long.
pub const MAX_NAME_CHARS: usize = 64;

/// The facts a new account may be given (all optional; a doctor's rights default as the
/// engine's registry does: prescribing rights yes, narcotic rights no).
#[derive(Debug, Clone, Default)]
pub struct NewFacts {
    pub name: Option<String>,
    pub title: Option<String>,
    pub antibiotic_tier: Option<String>,
    pub prescribing_rights: Option<bool>,
    pub narcotic_psych1_rights: Option<bool>,
}

impl From<&NewUser> for NewFacts {
    fn from(req: &NewUser) -> NewFacts {
        NewFacts {
            name: req.name.clone(),
            title: req.title.clone(),
            antibiotic_tier: req.antibiotic_tier.clone(),
            prescribing_rights: req.prescribing_rights,
            narcotic_psych1_rights: req.narcotic_psych1_rights,
        }
    }
}

fn invalid(message: impl Into<String>, path: &str) -> Error {
    Error::api(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_user",
        message,
        Some(path.to_owned()),
    )
}

/// `text` read as the engine reads it (aliases too), written back in its canonical form.
fn canonical<T: DeserializeOwned + serde::Serialize>(text: &str) -> Option<String> {
    let value: T = serde_json::from_value(Value::String(text.trim().to_owned())).ok()?;
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// A title as stored: one of the engine's, else a 422 at `title`.
pub fn parse_title(text: &str) -> Result<String, Error> {
    canonical::<Title>(text).ok_or_else(|| {
        invalid(
            format!(
                "unknown title `{text}`: resident, attending, associate_chief, chief or assistant"
            ),
            "title",
        )
    })
}

/// An antibiotic tier as stored, else a 422 at `antibiotic_tier`.
pub fn parse_tier(text: &str) -> Result<String, Error> {
    canonical::<AbxTier>(text).ok_or_else(|| {
        invalid(
            format!("unknown antibiotic tier `{text}`: nonrestricted, restricted or special"),
            "antibiotic_tier",
        )
    })
}

/// A display name: trimmed, blank is none; at most [`MAX_NAME_CHARS`], no control characters.
pub fn check_name(name: &str) -> Result<Option<String>, Error> {
    let name = name.trim();
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(
            format!("`name` has at most {MAX_NAME_CHARS} characters and no control characters"),
            "name",
        ));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Only a doctor's account carries prescriber facts: a QA or admin account given one is a 422
/// at that field (the name is anyone's).
fn doctors_only(is_doctor: bool, given: &[(&str, bool)]) -> Result<(), Error> {
    match given.iter().find(|(_, g)| *g) {
        Some((path, _)) if !is_doctor => Err(invalid(
            "only a doctor's account carries prescriber facts",
            path,
        )),
        _ => Ok(()),
    }
}

/// The display name and prescriber facts of a new account (`doctor_id` already checked: a
/// doctor has one); the signature id is drawn here.
pub fn new_facts(
    role: &str,
    doctor_id: Option<&str>,
    facts: &NewFacts,
) -> Result<(Option<String>, PrescriberRow), Error> {
    doctors_only(
        role == "doctor",
        &[
            ("title", facts.title.is_some()),
            ("antibiotic_tier", facts.antibiotic_tier.is_some()),
            ("prescribing_rights", facts.prescribing_rights.is_some()),
            (
                "narcotic_psych1_rights",
                facts.narcotic_psych1_rights.is_some(),
            ),
        ],
    )?;
    let name = match &facts.name {
        Some(n) => check_name(n)?,
        None => None,
    };
    let row = PrescriberRow {
        title: facts.title.as_deref().map(parse_title).transpose()?,
        signature_id: doctor_id.map(crate::store::accounts::new_signature_id),
        antibiotic_tier: facts
            .antibiotic_tier
            .as_deref()
            .map(parse_tier)
            .transpose()?,
        prescribing_rights: facts.prescribing_rights.unwrap_or(true),
        narcotic_psych1_rights: facts.narcotic_psych1_rights.unwrap_or(false),
        updated_at: now(),
    };
    Ok((name, row))
}

/// Apply an admin's update to `user`. `Ok(false)`: it changes nothing.
pub fn apply_update(user: &mut User, update: &UserUpdate) -> Result<bool, Error> {
    doctors_only(
        user.role == "doctor",
        &[
            ("title", update.title.is_some()),
            ("antibiotic_tier", update.antibiotic_tier.is_some()),
            ("prescribing_rights", update.prescribing_rights.is_some()),
            (
                "narcotic_psych1_rights",
                update.narcotic_psych1_rights.is_some(),
            ),
        ],
    )?;
    let before = (user.name.clone(), user.prescriber.clone());
    if let Some(name) = &update.name {
        user.name = match name {
            Some(n) => check_name(n)?,
            None => None,
        };
    }
    let p = &mut user.prescriber;
    if let Some(title) = &update.title {
        p.title = title.as_deref().map(parse_title).transpose()?;
    }
    if let Some(tier) = &update.antibiotic_tier {
        p.antibiotic_tier = tier.as_deref().map(parse_tier).transpose()?;
    }
    if let Some(yes) = update.prescribing_rights {
        p.prescribing_rights = yes;
    }
    if let Some(yes) = update.narcotic_psych1_rights {
        p.narcotic_psych1_rights = yes;
    }
    Ok((user.name.clone(), user.prescriber.clone()) != before)
}

/// A doctor's facts as the wire carries them (`None` for QA staff and admins).
pub fn facts_wire(user: &User) -> Option<PrescriberFacts> {
    user.doctor_id.as_ref()?;
    let p = &user.prescriber;
    Some(PrescriberFacts {
        title: p.title.clone(),
        signature_id: p.signature_id.clone(),
        antibiotic_tier: p.antibiotic_tier.clone(),
        prescribing_rights: p.prescribing_rights,
        narcotic_psych1_rights: p.narcotic_psych1_rights,
    })
}

/// The non-patient parameters of a user's facts for the audit trail (the name is a staff
/// member's, not a patient's).
pub fn audit_detail(user: &User) -> Map<String, Value> {
    let p = &user.prescriber;
    let mut map = Map::new();
    map.insert("name".into(), json!(user.name));
    map.insert("title".into(), json!(p.title));
    map.insert("antibiotic_tier".into(), json!(p.antibiotic_tier));
    map.insert("prescribing_rights".into(), json!(p.prescribing_rights));
    map.insert(
        "narcotic_psych1_rights".into(),
        json!(p.narcotic_psych1_rights),
    );
    map
}

/// The prescriber registry of the doctor accounts: those with a title and a signature id (an
/// account whose title is not recorded yet is not registered: the engine's registry needs one).
/// A stored value that no longer reads (an engine upgrade dropped it) leaves the account out
/// rather than failing every check.
pub fn registry(doctors: &[User]) -> Vec<Prescriber> {
    doctors
        .iter()
        .filter_map(|u| {
            let p = &u.prescriber;
            let id = u.doctor_id.clone()?;
            let title: Title = serde_json::from_value(Value::String(p.title.clone()?)).ok()?;
            let antibiotic_tier = match &p.antibiotic_tier {
                Some(t) => Some(serde_json::from_value(Value::String(t.clone())).ok()?),
                None => None,
            };
            Some(Prescriber {
                name: u.name.clone().unwrap_or_else(|| id.clone()),
                id,
                title,
                signature_id: p.signature_id.clone()?,
                prescribing_rights: p.prescribing_rights,
                narcotic_psych1_rights: p.narcotic_psych1_rights,
                antibiotic_tier,
            })
        })
        .collect()
}

/// `PATCH /users/{username}`: change a user's display name or a doctor's prescriber facts
/// (audited as `user.update`); 404 for an unknown name, a located 422 for a bad value.
pub async fn update_user(
    store: &Store,
    who: &Principal,
    username: &str,
    update: &UserUpdate,
) -> Result<User, Error> {
    let Some((mut user, _)) = store.user_with_hash(username).await? else {
        return Err(Error::NotFound(format!("user {username}")));
    };
    if !apply_update(&mut user, update)? {
        return Ok(user);
    }
    user.prescriber.updated_at = now();
    if !store.update_prescriber(&user).await? {
        return Err(Error::NotFound(format!("user {username}")));
    }
    audit::record(
        store,
        who,
        "user.update",
        Some(username),
        Value::Object(audit_detail(&user)),
    )
    .await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doctor() -> User {
        User {
            username: "li".into(),
            role: "doctor".into(),
            doctor_id: Some("D1".into()),
            created_at: String::new(),
            name: Some("李明".into()),
            prescriber: PrescriberRow {
                title: Some("resident".into()),
                signature_id: Some("SIG-D1-00000000".into()),
                prescribing_rights: true,
                ..Default::default()
            },
        }
    }

    #[test]
    fn titles_and_tiers_read_as_the_engine_reads_them() {
        assert_eq!(parse_title("主治医师").unwrap(), "attending");
        assert_eq!(parse_title(" chief ").unwrap(), "chief");
        assert_eq!(parse_tier("restricted").unwrap(), "restricted");
        for (e, path) in [
            (parse_title("professor").unwrap_err(), "title"),
            (parse_tier("gold").unwrap_err(), "antibiotic_tier"),
            (check_name(&"名".repeat(65)).unwrap_err(), "name"),
        ] {
            match e {
                Error::Api {
                    status, path: p, ..
                } => {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
                    assert_eq!(p.as_deref(), Some(path));
                }
                other => panic!("{other}"),
            }
        }
    }

    #[test]
    fn only_doctors_carry_facts_and_get_a_signature() {
        let facts = NewFacts {
            title: Some("attending".into()),
            ..Default::default()
        };
        assert!(new_facts("qa", None, &facts).is_err());
        let (_, row) = new_facts("doctor", Some("D7"), &facts).unwrap();
        assert!(row.signature_id.unwrap().starts_with("SIG-D7-"));
        assert!(row.prescribing_rights && !row.narcotic_psych1_rights);
        let (_, row) = new_facts("admin", None, &NewFacts::default()).unwrap();
        assert_eq!(row.signature_id, None);
    }

    #[test]
    fn an_update_changes_what_it_names_and_null_clears() {
        let mut u = doctor();
        u.prescriber.antibiotic_tier = Some("special".into());
        let update: UserUpdate =
            serde_json::from_str(r#"{"antibiotic_tier": null, "narcotic_psych1_rights": true}"#)
                .unwrap();
        assert!(apply_update(&mut u, &update).unwrap());
        assert_eq!(u.prescriber.antibiotic_tier, None);
        assert!(u.prescriber.narcotic_psych1_rights);
        assert_eq!(u.prescriber.title.as_deref(), Some("resident"));
        assert!(
            !apply_update(&mut u, &update).unwrap(),
            "no change the second time"
        );
    }

    #[test]
    fn the_registry_is_the_doctors_with_a_title() {
        let mut untitled = doctor();
        untitled.doctor_id = Some("D2".into());
        untitled.prescriber.title = None;
        let mut restricted = doctor();
        restricted.doctor_id = Some("D3".into());
        restricted.name = None;
        restricted.prescriber.antibiotic_tier = Some("restricted".into());
        let registry = registry(&[doctor(), untitled, restricted]);
        assert_eq!(registry.len(), 2);
        assert_eq!(registry[0].name, "李明");
        assert_eq!(registry[0].title, Title::Resident);
        assert_eq!(registry[1].name, "D3", "no display name: the doctor id");
        assert_eq!(registry[1].antibiotic_tier, Some(AbxTier::Restricted));
    }
}
