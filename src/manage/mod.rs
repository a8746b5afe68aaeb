//! Commands that manage the publications of an output root rather than produce them:
//! `list`, `diff` and `rejects` (operations.md). They only read.
pub mod diff;
pub mod list;
pub mod rejects_cmd;
