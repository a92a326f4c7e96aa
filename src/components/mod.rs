//! Reusable pieces of UI shared by the pages: Clerk's components for
//! Leptos, and the layout.

pub mod clerk;
pub mod layout;
