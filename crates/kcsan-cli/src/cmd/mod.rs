//! The subcommands.

pub(crate) mod cc;
pub(crate) mod ctl;
pub(crate) mod flags;
pub(crate) mod hunt;
pub(crate) mod lto;
pub(crate) mod repro;
pub(crate) mod run;
pub(crate) mod triage;
