//! Passwords and random secrets.
//!
//! - Passwords are hashed with argon2id at OWASP's recommended parameters (19 MiB of memory,
//!   two passes, one lane). A hash takes tens of milliseconds of CPU and 19 MiB of memory on
//!   purpose, so it never runs on the async runtime, and only [`Passwords::permits`] run at
//!   once: a flood of sign-ins waits in line instead of taking the memory of the machine.
//! - Checking the password of a name that has no account hashes it against a stand-in hash of
//!   the same parameters, so an unknown name and a wrong password take the same time and get
//!   the same answer (no way to find out who has an account).
//! - Sessions, API tokens and set-up codes are 256 bits from the operating system's generator,
//!   and the database keeps only their SHA-256: they are random, so a fast hash is enough, and
//!   a copy of the database signs no one in.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The shortest password an account may have. Length is what makes a password hard to guess
/// (NIST SP 800-63B asks for at least 8; we ask for a little more and nothing else).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The longest password hashed: argon2 takes any length, but a megabyte "password" would be a
/// cheap way to make the server work.
pub const MAX_PASSWORD_CHARS: usize = 200;

/// How long a sign-in waits for a turn to hash before the server answers "busy".
const WAIT_FOR_TURN: Duration = Duration::from_secs(10);

/// argon2id with OWASP's parameters: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a password could not be checked or hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every turn was taken for longer than a sign-in waits.
    #[error("too many passwords are being checked at once")]
    Busy,
    /// Hashing itself failed (a stored hash that does not parse, a task that died).
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Hashing and checking passwords, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct Passwords {
    turns: Arc<Semaphore>,
}

impl Passwords {
    /// At most `permits` hashes at once (each holds 19 MiB while it runs).
    pub fn new(permits: usize) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(permits.max(1))),
        }
    }

    /// Runs `job` on a blocking thread once a turn is free.
    async fn hashing<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _turn = tokio::time::timeout(WAIT_FOR_TURN, self.turns.acquire())
            .await
            .map_err(|_| PasswordError::Busy)?
            .map_err(|_| PasswordError::Busy)?;
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|e| PasswordError::Failed(e.to_string()))?
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_owned();
        self.hashing(move || hash_now(&password)).await
    }

    /// Whether `password` is the one `stored` was made from; with `stored` `None` (no such
    /// account), checks against a stand-in hash and answers false, taking the same time.
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        self.hashing(move || {
            let known = stored.is_some();
            let stored = match stored {
                Some(stored) => stored,
                None => stand_in()?.to_owned(),
            };
            let parsed =
                PasswordHash::new(&stored).map_err(|e| PasswordError::Failed(e.to_string()))?;
            let matches = argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
    }
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Failed(e.to_string()))
}

/// A hash of a random password nobody knows, made once per process with the same parameters.
fn stand_in() -> Result<&'static str, PasswordError> {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    if let Some(hash) = STAND_IN.get() {
        return Ok(hash);
    }
    let hash = hash_now(&random_secret())?;
    Ok(STAND_IN.get_or_init(|| hash))
}

/// 256 random bits, base64url without padding (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a random secret: its SHA-256, in hex.
pub fn secret_hash(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_checks_against_its_own_hash_and_no_other() {
        let passwords = Passwords::new(2);
        let hash = passwords.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("correct horse battery", Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horse battery!", Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horse battery", None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn secrets_are_random_and_stored_only_as_a_hash() {
        let (a, b) = (random_secret(), random_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(secret_hash(&a).len(), 64);
        assert!(!secret_hash(&a).contains(&a));
    }
}
