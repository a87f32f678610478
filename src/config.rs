//! Service configuration: the write token, default score weights and the origins allowed to
//! call the API from a browser (CORS).
//!
//! Read from a JSON file (`--config FILE`, `JALIN_CONFIG`, or `config.json` in the data
//! directory when present) and the environment (`JALIN_TOKEN` wins over the file). When no
//! token is configured, `serve` creates a random one in `DATA/token` with mode 0600 and says
//! where, so a fresh service is never open for writes.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::score::Weights;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The bearer token for writes.
    #[serde(default)]
    pub token: Option<String>,
    /// Default feature weights; each may be left out.
    #[serde(default)]
    pub weights: Option<Weights>,
    /// Web origins (`https://portal.jatimprov.go.id`) whose pages may call the API from the
    /// browser (CORS); `JALIN_CORS_ORIGINS`, comma-separated, wins.
    #[serde(default)]
    pub cors_origins: Vec<String>,
}

/// The origins allowed to call the API from a browser: `JALIN_CORS_ORIGINS` (comma-separated)
/// or the config's `cors_origins`. Each must be an exact origin — scheme, host and optional
/// port — never a wildcard: with bearer tokens in play, "any site" is never what is meant.
pub fn cors_origins(env: Option<String>, config: &Config) -> Result<Vec<String>> {
    let (list, from): (Vec<String>, &str) = match env.filter(|e| !e.trim().is_empty()) {
        Some(e) => (
            e.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            "JALIN_CORS_ORIGINS",
        ),
        None => (config.cors_origins.clone(), "cors_origins"),
    };
    for o in &list {
        let ok = (o.starts_with("https://") || o.starts_with("http://"))
            && !o.contains('*')
            && !o.ends_with('/')
            && o.split("://").nth(1).is_some_and(|rest| {
                !rest.is_empty()
                    && !rest.contains('/')
                    && rest.chars().all(|c| c.is_ascii_graphic())
            });
        if !ok {
            return Err(Error::invalid(
                from,
                format!(
                    "{o:?} is not an origin; write it as scheme://host[:port], e.g. https://portal.example.go.id (no wildcard, no path)"
                ),
            ));
        }
    }
    Ok(list)
}

impl Config {
    /// Loads `path`, or `DATA/config.json` when no path is given and that file exists.
    pub fn load(path: Option<&Path>, data_dir: &Path) -> Result<Config> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (data_dir.join("config.json"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(Error::invalid(
                    "--config",
                    format!("{}: {e}", path.display()),
                ));
            }
        };
        let de = &mut serde_json::Deserializer::from_str(&text);
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            Error::invalid(
                format!("{}: {}", path.display(), e.path()),
                e.into_inner().to_string(),
            )
        })?;
        if let Some(w) = &config.weights {
            w.validate().map_err(|e| {
                Error::invalid(format!("{}: {}", path.display(), e.field), e.message)
            })?;
        }
        Ok(config)
    }
}

/// Where the token lives and whether it was just made.
pub struct Token {
    pub value: String,
    /// The file it was read from or written to, when it came from one.
    pub file: Option<PathBuf>,
    pub created: bool,
}

/// The shortest write token accepted: a guessable token guards nothing.
pub const MIN_TOKEN_CHARS: usize = 16;

fn checked(value: &str, from: &str) -> Result<String> {
    let t = value.trim();
    if t.chars().count() < MIN_TOKEN_CHARS {
        return Err(Error::invalid(
            from,
            format!(
                "the write token must be at least {MIN_TOKEN_CHARS} characters (it has {}); \
                 leave it unset and jalin makes a random one in DATA/token",
                t.chars().count()
            ),
        ));
    }
    Ok(t.to_string())
}

/// The write token: `JALIN_TOKEN`, else the config's, else `DATA/token` (created if absent).
/// A token shorter than [`MIN_TOKEN_CHARS`], or a token file other users may read, is refused.
pub fn token(env: Option<String>, config: &Config, data_dir: &Path) -> Result<Token> {
    if let Some(t) = env.filter(|t| !t.trim().is_empty()) {
        return Ok(Token {
            value: checked(&t, "JALIN_TOKEN")?,
            file: None,
            created: false,
        });
    }
    if let Some(t) = config.token.clone().filter(|t| !t.trim().is_empty()) {
        return Ok(Token {
            value: checked(&t, "token")?,
            file: None,
            created: false,
        });
    }
    let file = data_dir.join("token");
    match std::fs::read_to_string(&file) {
        Ok(t) if !t.trim().is_empty() => {
            let name = file.display().to_string();
            private_enough(&file, &name)?;
            return Ok(Token {
                value: checked(&t, &name)?,
                file: Some(file),
                created: false,
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("reading {}", file.display()), e)),
    }
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("reading /dev/urandom for a token", e))?;
    let value: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&file, &value)
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;
    Ok(Token {
        value,
        file: Some(file),
        created: true,
    })
}

/// A secret file must not be readable or writable by other users.
#[cfg(unix)]
fn private_enough(path: &Path, name: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("reading {name}"), e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Error::invalid(
            name,
            format!(
                "the token file may be read by other users (mode {:o}); run: chmod 600 {name}",
                mode & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_enough(_path: &Path, _name: &str) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(value.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{value}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_created_once_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let t = token(None, &Config::default(), dir.path()).unwrap();
        assert!(t.created);
        assert_eq!(t.value.len(), 48);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = token(None, &Config::default(), dir.path()).unwrap();
        assert!(!again.created);
        assert_eq!(again.value, t.value);
        let env = token(
            Some(" a-long-enough-secret ".into()),
            &Config::default(),
            dir.path(),
        )
        .unwrap();
        assert_eq!(env.value, "a-long-enough-secret");
    }

    #[test]
    fn cors_origins_are_exact_origins() {
        let c = Config::default();
        assert_eq!(
            cors_origins(Some("https://a.go.id, http://localhost:3000".into()), &c).unwrap(),
            ["https://a.go.id", "http://localhost:3000"]
        );
        for bad in [
            "*",
            "https://*.go.id",
            "a.go.id",
            "https://a.go.id/",
            "https://a.go.id/x",
        ] {
            assert!(cors_origins(Some(bad.into()), &c).is_err(), "{bad}");
        }
        assert!(cors_origins(None, &c).unwrap().is_empty());
    }

    #[test]
    fn short_tokens_and_readable_token_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = token(Some("x".into()), &Config::default(), dir.path())
            .err()
            .expect("a one-character token is refused");
        assert!(e.to_string().contains("at least 16"), "{e}");
        let config = Config {
            token: Some("short".into()),
            ..Config::default()
        };
        assert!(token(None, &config, dir.path()).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let t = token(None, &Config::default(), dir.path()).unwrap();
            let file = dir.path().join("token");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = token(None, &Config::default(), dir.path())
                .err()
                .expect("a world-readable token file is refused");
            assert!(e.to_string().contains("chmod 600"), "{e}");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert_eq!(
                token(None, &Config::default(), dir.path()).unwrap().value,
                t.value
            );
        }
    }

    #[test]
    fn config_files_name_their_bad_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, r#"{"weights": {"advantage": -2}}"#).unwrap();
        let e = Config::load(Some(&path), dir.path()).unwrap_err();
        assert!(e.to_string().contains("weights.advantage"), "{e}");
        std::fs::write(&path, r#"{"wieghts": {}}"#).unwrap();
        let e = Config::load(Some(&path), dir.path()).unwrap_err();
        assert!(e.to_string().contains("wieghts"), "{e}");
        std::fs::write(&path, r#"{"weights": {"advantage": 2}}"#).unwrap();
        let c = Config::load(Some(&path), dir.path()).unwrap();
        assert_eq!(c.weights.unwrap().advantage, 2.0);
        assert_eq!(c.weights.unwrap().relevance, Weights::default().relevance);
        assert!(Config::load(None, dir.path()).unwrap().token.is_none());
    }
}
