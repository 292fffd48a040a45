//! Who pushes, as far as the push needs to know: the HTTP layer builds it from the caller's
//! `auth::Principal` (so this module needs nothing of `auth`), the demo data uses [`Pusher::open`].

/// The rights of whoever pushes a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pusher {
    /// As recorded (`pushed_by`, the owner of a new id).
    pub name: String,
    /// Sign-in is off: nobody is anybody, records stay unowned, every id is writable.
    pub open: bool,
    /// An admin writes any id.
    pub admin: bool,
    /// `Some(doctor id)`: writes only this doctor's documents.
    pub only_doctor: Option<String>,
    /// `Some`: writes only documents of these departments (a department-bound key).
    pub departments: Option<Vec<String>>,
}

impl Pusher {
    /// Sign-in off (the demo data, an embedded API without users).
    pub fn open() -> Pusher {
        Pusher {
            name: "open".to_owned(),
            open: true,
            admin: false,
            only_doctor: None,
            departments: None,
        }
    }

    pub fn may_see_department(&self, department: Option<&str>) -> bool {
        self.departments
            .as_deref()
            .is_none_or(|only| department.is_some_and(|d| only.iter().any(|o| o == d)))
    }

    /// Writes any id, whoever owns it.
    pub fn bypasses_owner(&self) -> bool {
        self.open || self.admin
    }

    /// The owner a new id gets (none with sign-in off).
    pub fn claims(&self) -> Option<String> {
        (!self.open).then(|| self.name.clone())
    }
}
