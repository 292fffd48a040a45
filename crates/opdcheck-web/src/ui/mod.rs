//! The components both pages show; the logic they use is in the crate's plain modules.

mod shell;
mod signin;

pub use shell::{Brand, LangSwitch};
pub use signin::{LoginForm, SessionEnded, SignOutConfirm};
