//! Reusable pieces of UI shared by the pages.

pub mod layout;
