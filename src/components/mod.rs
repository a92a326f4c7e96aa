//! Reusable pieces of UI shared by the pages: Clerk's components for
//! Leptos, the step-up dialog, and the layout.

pub mod clerk;
pub mod layout;
pub mod step_up;
