//! The ids the development instance gives what it stores, in Clerk's shape.

use rand::{distributions::Alphanumeric, Rng};

/// Clerk-style ids: a prefix and 27 random letters and digits.
pub fn new_id(prefix: &str) -> String {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(27)
        .map(char::from)
        .collect();
    format!("{prefix}_{random}")
}
