//! Reusable pieces of UI shared by the pages: Inkpad's side of Clerk's
//! components, the layout, the data the server hands an island, what a
//! plain form post brings back, and the one way user data goes into
//! raw-text elements.

pub mod clerk;
pub mod island_data;
pub mod layout;
pub mod plain_forms;
pub mod raw_text;

/// Awaits a resource in a `Suspend` without panicking when its render
/// has been abandoned (see the function's own docs).
pub use leptos_clerk::components::settled;
