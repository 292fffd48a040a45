//! Sign-in, the signed-in account, users, API keys and the audit log.
//!
//! Required strings of request bodies (`username`, `password`, `current`, `new`, `name`) default
//! to `""` when missing, so the server answers a missing one like an empty one: a 400 located at
//! the field (`"path": "password"`), not at the whole body.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A user's role: `doctor` (own records), `qa` (reads all, QA workspace), `admin` (everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Doctor,
    Qa,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Doctor, Role::Qa, Role::Admin];

    /// As on the wire and in the store: `doctor`, `qa`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Doctor => "doctor",
            Role::Qa => "qa",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What an integrator key may do: `check` (`POST /check`), `push` (`POST /records`), `read`
/// (`GET /records`, `GET /records/{id}`, `GET /stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Check,
    Push,
    Read,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Check, Scope::Push, Scope::Read];

    /// As on the wire and in the store: `check`, `push`, `read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Check => "check",
            Scope::Push => "push",
            Scope::Read => "read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// `POST /api/v1/login`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// At most 64 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub username: String,
    /// At most 256 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub password: String,
}

/// The signed-in user: `GET /api/v1/me`, and `user` of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub username: String,
    pub role: Role,
    /// The id a doctor's documents are signed with (`null` for QA staff and admins).
    pub doctor_id: Option<String>,
    /// The display name (a doctor's name as their documents carry it), when recorded.
    // Defaults: a session stored by a browser before these fields existed still reads.
    #[serde(default)]
    pub name: Option<String>,
    /// A doctor's prescriber facts (`null` for QA staff and admins): the app signs with them.
    #[serde(default)]
    pub prescriber: Option<PrescriberFacts>,
}

/// A doctor account's prescriber facts: the hospital's prescriber registry is its doctor
/// accounts, so RX-17 (registered signature) and RX-18 (prescribing rights, antibiotic tier,
/// narcotic rights) check documents against these. An admin records them; the signature id is
/// the server's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrescriberFacts {
    /// `resident`, `attending`, `associate_chief`, `chief` or `assistant`; `null`: not recorded
    /// yet, and then the account is not in the registry.
    pub title: Option<String>,
    /// The registered signature id (签名留样), set by the server when the account is made.
    pub signature_id: Option<String>,
    /// `nonrestricted`, `restricted` or `special`; `null`: the title's tier
    /// (`antibiotics.tier_by_title` of the policy).
    pub antibiotic_tier: Option<String>,
    /// 处方权.
    pub prescribing_rights: bool,
    /// 麻醉药品和第一类精神药品处方权.
    pub narcotic_psych1_rights: bool,
}

/// A sign-in's answer. The token goes in `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// 256 random bits (hex); the server keeps only its SHA-256.
    pub token: String,
    /// 12 hours after sign-in (UTC, RFC 3339), however busy the session.
    pub expires_at: String,
    /// The session ends after this many seconds without use.
    pub idle_timeout_seconds: u64,
    pub user: Me,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current: String,
    /// 10 to 256 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub new: String,
}

/// A user as an admin sees it (never the password or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub username: String,
    pub role: Role,
    pub doctor_id: Option<String>,
    pub created_at: String,
    /// The display name, when recorded.
    pub name: Option<String>,
    /// A doctor's prescriber facts (`null` for QA staff and admins).
    pub prescriber: Option<PrescriberFacts>,
}

/// `GET /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    pub users: Vec<User>,
}

/// `POST /api/v1/users` (answered 201 with the `User` made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// 1–64 characters, no spaces, slashes or control characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub username: String,
    /// 10 to 256 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub password: String,
    pub role: Role,
    /// Required for a doctor: the id their documents are signed with.
    #[serde(default)]
    pub doctor_id: Option<String>,
    /// The display name (a doctor's name as their documents carry it); at most 64 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// A doctor's title: `resident`, `attending`, `associate_chief`, `chief` or `assistant`
    /// (or 住院医师, 主治医师, 副主任医师, 主任医师, 执业助理医师). Without it the doctor is not in
    /// the prescriber registry.
    #[serde(default)]
    pub title: Option<String>,
    /// A doctor's antibiotic tier when it is not the title's: `nonrestricted`, `restricted` or
    /// `special`.
    #[serde(default)]
    pub antibiotic_tier: Option<String>,
    /// A doctor's 处方权; default `true`.
    #[serde(default)]
    pub prescribing_rights: Option<bool>,
    /// A doctor's 麻醉药品和第一类精神药品处方权; default `false`.
    #[serde(default)]
    pub narcotic_psych1_rights: Option<bool>,
}

/// `PATCH /api/v1/users/{username}`: what changes; a field left out stays as it is, `null`
/// clears it (the title's tier, for `antibiotic_tier`). The signature id is the server's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// An unknown field is refused rather than ignored: `signature_id` (the server's) in particular.
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// At most 64 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable))]
    pub name: Option<Option<String>>,
    /// As in `NewUser`; a doctor's only.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable))]
    pub title: Option<Option<String>>,
    /// As in `NewUser`; `null`: the title's tier. A doctor's only.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable))]
    pub antibiotic_tier: Option<Option<String>>,
    /// A doctor's only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescribing_rights: Option<bool>,
    /// A doctor's only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narcotic_psych1_rights: Option<bool>,
}

/// A field that is present, `null` or not: `Some(None)` for `null`, so an update can clear it
/// (a missing field stays `None` through `#[serde(default)]`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// An integrator key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// `null`: every department.
    pub departments: Option<Vec<String>>,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// Refreshed at most once a minute.
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// `GET /api/v1/api-keys`: every key, revoked ones too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKey>,
}

/// `POST /api/v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    /// Letters, digits, `-`, `_` and `.`; at most 64. A URL path segment of
    /// `DELETE /api-keys/{name}`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: String,
    /// At least one; default `["check", "push"]` (a key in a browser page reads no records).
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
    /// 1 to 100 departments the key is bound to; leave out for all.
    #[serde(default)]
    pub departments: Option<Vec<String>>,
    /// `YYYY-MM-DD` (the key works through that day, UTC) or an RFC 3339 date-time, in the
    /// future.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// `POST /api/v1/api-keys`' answer (201): the key, shown only here, and what is listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// Goes in `X-Api-Key`; the server keeps only its SHA-256.
    pub key: String,
    #[serde(flatten)]
    pub api_key: ApiKey,
}

/// `GET /api/v1/audit`'s query. Every parameter is optional; `page` and `per_page` are
/// integers (1 up, 1–200, default 50), checked by the server so that a bad one is a located 400.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Who did it: a username, `key:<name>`, `cli`, or the attempted name of a failed sign-in.
    #[serde(default)]
    pub actor: Option<String>,
    /// `login`, `login.failed`, `logout`, `password.change`, `user.create`, `key.revoke`, …
    #[serde(default)]
    pub action: Option<String>,
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM…` (UTC), inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// As `from`; a date includes its whole day.
    #[serde(default)]
    pub to: Option<String>,
    /// From 1.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 1))]
    pub page: Option<String>,
    /// 1 to 200, default 50.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 1, maximum = 200))]
    pub per_page: Option<String>,
}

/// One entry of the audit trail. It holds no password, token, key or document body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    /// What it was done to: a username, a key name, a record id, the policy version.
    pub target: Option<String>,
    /// The client's address, when known.
    pub client: Option<String>,
    /// Non-patient parameters of the action (a list's filter, a key's scopes, `sessions_ended`).
    pub detail: BTreeMap<String, serde_json::Value>,
}

/// `GET /api/v1/audit`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_scopes_are_todays_strings() {
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for s in Scope::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn an_update_tells_null_from_missing() {
        let u: UserUpdate =
            serde_json::from_str(r#"{"antibiotic_tier": null, "title": "chief"}"#).unwrap();
        assert_eq!(u.antibiotic_tier, Some(None));
        assert_eq!(u.title, Some(Some("chief".into())));
        assert_eq!(u.name, None);
        assert_eq!(
            serde_json::from_str::<UserUpdate>("{}").unwrap(),
            UserUpdate::default()
        );
    }

    /// A session a browser stored before the prescriber facts existed still reads.
    #[test]
    fn an_older_me_reads() {
        let me: Me =
            serde_json::from_str(r#"{"username": "d", "role": "doctor", "doctor_id": "D1"}"#)
                .unwrap();
        assert_eq!((me.name, me.prescriber), (None, None));
    }

    #[test]
    fn a_created_key_is_the_listed_key_and_the_key() {
        let created = CreatedApiKey {
            key: "opd_x".into(),
            api_key: ApiKey {
                name: "k".into(),
                scopes: vec![Scope::Check],
                departments: None,
                created_at: "t".into(),
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
            },
        };
        let v = serde_json::to_value(&created).unwrap();
        assert_eq!(v["key"], "opd_x");
        assert_eq!(v["scopes"], serde_json::json!(["check"]));
        assert!(v["departments"].is_null() && v.get("revoked_at").is_some());
        assert_eq!(serde_json::from_value::<CreatedApiKey>(v).unwrap(), created);
    }
}
