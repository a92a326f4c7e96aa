//! Clerk's protocol as the server speaks it: keys and instance configuration.

pub mod keys;
