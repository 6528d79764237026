use std::{
    fs,
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::Path,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use secrecy::SecretBox;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    Malformed,
    #[error("cannot read or create the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} is readable by other users; run: chmod 600 {0}")]
    TooOpen(String),
}

pub fn decode_key(text: &str) -> Result<[u8; 32], KeyError> {
    STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(KeyError::Malformed)
}

/// The card encryption key: wiped from memory when dropped, `[REDACTED]` when printed.
pub type CardKey = SecretBox<[u8; 32]>;

/// The key from `configured` (base64) when given; otherwise from `path`, which is generated with
/// mode 0600 on first start. A key file that others can read is refused.
pub fn load_or_create_key(configured: Option<&str>, path: &Path) -> Result<CardKey, KeyError> {
    read_or_create(configured, path).map(|key| SecretBox::new(Box::new(key)))
}

fn read_or_create(configured: Option<&str>, path: &Path) -> Result<[u8; 32], KeyError> {
    if let Some(text) = configured {
        return decode_key(text);
    }
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            let mode = fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(KeyError::TooOpen(path.display().to_string()));
            }
            decode_key(&text)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(io)?;
            }
            let key = super::random::bytes::<32>();
            // create_new: two processes starting at once cannot both write a key.
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
            {
                Ok(mut file) => {
                    file.write_all(STANDARD.encode(key).as_bytes())
                        .map_err(io)?;
                    file.sync_all().map_err(io)?;
                    tracing::info!(path = %path.display(), "generated a new card encryption key");
                    Ok(key)
                }
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    read_or_create(None, path)
                }
                Err(error) => Err(io(error)),
            }
        }
        Err(error) => Err(io(error)),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn generates_once_with_owner_only_permissions_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/card.key");
        let first = load_or_create_key(None, &path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            load_or_create_key(None, &path).unwrap().expose_secret(),
            first.expose_secret()
        );
    }

    #[test]
    fn refuses_a_world_readable_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.key");
        load_or_create_key(None, &path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load_or_create_key(None, &path),
            Err(KeyError::TooOpen(_))
        ));
    }

    #[test]
    fn configured_key_must_be_32_bytes() {
        assert!(
            load_or_create_key(Some(&STANDARD.encode([1; 32])), Path::new("/nonexistent")).is_ok()
        );
        assert!(matches!(
            load_or_create_key(Some("c2hvcnQ="), Path::new("/x")),
            Err(KeyError::Malformed)
        ));
    }
}
