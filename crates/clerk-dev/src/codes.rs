//! One-time codes, as Clerk's `email_code` strategy uses them: six digits,
//! ten minutes to live, a bounded number of wrong guesses, and a bounded
//! number of new codes per address — so neither guessing a code nor
//! flooding an inbox is practical.
//!
//! Clerk's test convention holds: an address whose local part carries
//! `+clerk_test` gets no message and accepts [`TEST_CODE`] (development
//! instances only, as on Clerk; this instance is nothing else).

use crate::{api_error::ClerkApiError, db::now_millis};
use axum::http::StatusCode;
use clerk_protocol::keys::constant_time_eq;
use rand::Rng;
use std::sync::Mutex;

/// How long a code lives (Clerk's is ten minutes).
pub const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;
/// Wrong guesses one code takes before it is spent.
pub const MAX_ATTEMPTS: u32 = 5;
/// The code a `+clerk_test` address accepts.
pub const TEST_CODE: &str = "424242";
/// Codes one address may be sent within [`SEND_WINDOW_MS`].
pub const MAX_SENDS: usize = 5;
/// The window [`MAX_SENDS`] counts in.
pub const SEND_WINDOW_MS: i64 = 10 * 60 * 1000;
/// The least time between two codes to one address (@clerk/ui's resend
/// button waits as long).
pub const RESEND_AFTER_MS: i64 = 30 * 1000;

/// Whether `email` is one of Clerk's test addresses (`…+clerk_test@…`).
pub fn is_test_address(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(local, _)| local.to_lowercase().contains("+clerk_test"))
}

/// A code waiting for its guess.
#[derive(Clone)]
pub struct OneTimeCode {
    code: String,
    /// When it stops being accepted (unix ms).
    pub expire_at: i64,
    /// Wrong guesses so far.
    pub attempts: u32,
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The code is a credential: never in a log line or a panic message.
        f.debug_struct("OneTimeCode")
            .field("expire_at", &self.expire_at)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What a guess came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Right, in time.
    Verified,
    /// Wrong; the code takes more guesses.
    Incorrect,
    /// Wrong, and that was its last guess (or it had none left).
    Exhausted,
    /// Too late: it expired.
    Expired,
}

impl OneTimeCode {
    /// A fresh code for `email`: six random digits, or [`TEST_CODE`] for a
    /// test address.
    pub fn new(email: &str) -> OneTimeCode {
        let code = if is_test_address(email) {
            TEST_CODE.to_owned()
        } else {
            format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
        };
        OneTimeCode {
            code,
            expire_at: now_millis() + CODE_LIFETIME_MS,
            attempts: 0,
        }
    }

    /// The code, for the message that carries it.
    pub fn expose(&self) -> &str {
        &self.code
    }

    /// Checks `guess` (compared in constant time), counting a wrong one.
    pub fn check(&mut self, guess: &str) -> Guess {
        if now_millis() >= self.expire_at {
            return Guess::Expired;
        }
        if self.attempts >= MAX_ATTEMPTS {
            return Guess::Exhausted;
        }
        if constant_time_eq(guess.trim().as_bytes(), self.code.as_bytes()) {
            return Guess::Verified;
        }
        self.attempts += 1;
        if self.attempts >= MAX_ATTEMPTS {
            Guess::Exhausted
        } else {
            Guess::Incorrect
        }
    }

    /// Counts a guess as wrong whatever it was (a right code that must not
    /// count, such as a test address's without an account behind it).
    pub fn count_wrong(&mut self) -> Guess {
        self.attempts = (self.attempts + 1).min(MAX_ATTEMPTS);
        if self.attempts >= MAX_ATTEMPTS {
            Guess::Exhausted
        } else {
            Guess::Incorrect
        }
    }

    /// Whether it can still be guessed.
    pub fn is_live(&self) -> bool {
        now_millis() < self.expire_at && self.attempts < MAX_ATTEMPTS
    }
}

/// Clerk's refusals for a guess that did not verify, under the form's
/// `code` field where the widget shows them.
pub fn refusal(guess: Guess) -> Option<ClerkApiError> {
    let (status, code, message, long) = match guess {
        Guess::Verified => return None,
        Guess::Incorrect => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_code_incorrect",
            "Incorrect code",
            "Incorrect code. Check the message and try again.",
        ),
        Guess::Exhausted => (
            StatusCode::TOO_MANY_REQUESTS,
            "verification_failed",
            "Too many failed attempts",
            "Too many failed attempts. Ask for a new code.",
        ),
        Guess::Expired => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "verification_expired",
            "Verification expired",
            "This code has expired. Ask for a new one.",
        ),
    };
    Some(ClerkApiError::new(status, code, message, long).for_param("code"))
}

/// Only Clerk's `email_code` verifies addresses here (an absent strategy
/// means it).
pub fn email_code_only(strategy: Option<&str>) -> Result<(), ClerkApiError> {
    match strategy {
        Some("email_code") | None => Ok(()),
        Some(_) => Err(ClerkApiError::invalid(
            "strategy",
            "Only the email_code strategy verifies addresses on this instance.",
        )
        .for_param("strategy")),
    }
}

/// Clerk's answer to a guess before any code was sent.
pub fn not_sent() -> ClerkApiError {
    ClerkApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "verification_not_sent",
        "Verification not sent",
        "Ask for a code first.",
    )
}

/// Codes waiting for their guess, by what they verify (an email address's
/// id), in memory: bounded, and gone on a restart (ask for a new one).
pub struct PendingCodes(quick_cache::sync::Cache<String, OneTimeCode>);

impl Default for PendingCodes {
    fn default() -> Self {
        PendingCodes(quick_cache::sync::Cache::new(10_000))
    }
}

impl PendingCodes {
    /// The code out for `key`.
    pub fn get(&self, key: &str) -> Option<OneTimeCode> {
        self.0.get(key)
    }

    /// Keeps `code` for `key`, replacing any earlier one.
    pub fn put(&self, key: &str, code: OneTimeCode) {
        self.0.insert(key.to_owned(), code);
    }

    /// Forgets `key`'s code (used, or what it verified is gone).
    pub fn remove(&self, key: &str) {
        self.0.remove(key);
    }
}

/// What a code is for: each has its own ration per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A sign-up's address.
    SignUp,
    /// An address added in UserProfile.
    AddEmail,
    /// "Forgot password?".
    ResetPassword,
}

/// How many codes each address was sent lately, in memory (bounded; a
/// restart forgets, which only ever allows more codes, never fewer guesses
/// per code).
pub struct SendBudget(quick_cache::sync::Cache<String, std::sync::Arc<Mutex<Vec<i64>>>>);

impl Default for SendBudget {
    fn default() -> Self {
        SendBudget(quick_cache::sync::Cache::new(10_000))
    }
}

impl SendBudget {
    /// Charges one code of `purpose` to `email`, or Clerk's 429 with how
    /// long to wait: at most [`MAX_SENDS`] in [`SEND_WINDOW_MS`], and none
    /// sooner than [`RESEND_AFTER_MS`] after the last, for each purpose
    /// (so a sign-up's code does not hold up a password reset a minute
    /// later, and an inbox gets at most a few of each kind). The same
    /// answer whether or not the address has an account.
    pub fn charge(&self, purpose: Purpose, email: &str) -> Result<(), ClerkApiError> {
        let now = now_millis();
        let key = format!("{purpose:?}:{email}");
        let entry = self
            .0
            .get_or_insert_with(&key, || Ok::<_, ()>(Default::default()))
            .unwrap_or_default();
        let mut sent = entry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        sent.retain(|at| now - at < SEND_WINDOW_MS);
        let wait_ms = match (sent.last(), sent.len() >= MAX_SENDS) {
            (_, true) => sent[sent.len() - MAX_SENDS] + SEND_WINDOW_MS - now,
            (Some(last), false) if now - last < RESEND_AFTER_MS => last + RESEND_AFTER_MS - now,
            _ => {
                sent.push(now);
                return Ok(());
            }
        };
        let seconds = (wait_ms.max(0) + 999) / 1000;
        Err(ClerkApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "verification_code_too_many_requests",
            "Too many verification code requests",
            format!("Too many verification code requests. Wait {seconds} seconds before asking for another code."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_test_addresses_take_the_test_code() {
        for _ in 0..50 {
            let code = OneTimeCode::new("ada@example.com");
            assert_eq!(code.expose().len(), 6);
            assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(
            OneTimeCode::new("ada+clerk_test@example.com").expose(),
            TEST_CODE
        );
        assert!(!is_test_address("clerk_test@example.com"));
        assert!(!is_test_address("ada@example.com+clerk_test"));
    }

    #[test]
    fn a_code_takes_a_bounded_number_of_wrong_guesses_and_then_not_even_the_right_one() {
        let mut code = OneTimeCode::new("ada@example.com");
        let right = code.expose().to_owned();
        let wrong = if right == "000000" {
            "000001"
        } else {
            "000000"
        };
        for _ in 1..MAX_ATTEMPTS {
            assert_eq!(code.check(wrong), Guess::Incorrect);
        }
        assert_eq!(code.check(wrong), Guess::Exhausted);
        assert_eq!(code.check(&right), Guess::Exhausted);
        assert!(!code.is_live());
    }

    #[test]
    fn the_right_code_verifies_until_it_expires() {
        let mut code = OneTimeCode::new("ada@example.com");
        let right = code.expose().to_owned();
        assert_eq!(code.check(&format!(" {right} ")), Guess::Verified);
        code.expire_at = now_millis() - 1;
        assert_eq!(code.check(&right), Guess::Expired);
        assert_eq!(
            refusal(Guess::Expired).unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn an_address_gets_a_bounded_number_of_codes() {
        let budget = SendBudget::default();
        budget.charge(Purpose::SignUp, "ada@example.com").unwrap();
        // Too soon after the last one.
        let refused = budget
            .charge(Purpose::SignUp, "ada@example.com")
            .unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        // Another address, or another purpose, has its own budget.
        budget.charge(Purpose::SignUp, "grace@example.com").unwrap();
        budget
            .charge(Purpose::ResetPassword, "ada@example.com")
            .unwrap();
        // Past the window's count, however spaced.
        let entry = budget.0.get("SignUp:ada@example.com").unwrap();
        *entry.lock().unwrap() = (0..MAX_SENDS as i64)
            .map(|i| now_millis() - 60_000 * (i + 1))
            .collect();
        assert!(budget.charge(Purpose::SignUp, "ada@example.com").is_err());
    }

    #[test]
    fn its_debug_form_hides_the_code() {
        let code = OneTimeCode::new("ada+clerk_test@example.com");
        assert!(!format!("{code:?}").contains(TEST_CODE));
    }
}
