//! [`Config`]: the server's TOML configuration file (`sopflow.toml`).
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8080"          # optional
//!
//! [[tokens]]
//! name = "研发部负责人"
//! token_env = "SOPFLOW_TOKEN_RD"     # or token = "…" (prefer the environment: secrets out of files)
//! actors = ["研发部"]                 # departments and roles this token may act as
//! admin = false                      # admin: deploy, move the clock, read everything
//!
//! [notify]                           # notification channels: kept as raw TOML here
//! ```
//!
//! Reading the file and the environment is the caller's business (the
//! command line): [`Config::parse`] takes the text and a lookup for
//! `token_env`, so this module does no I/O.

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The `[server]` table.
    #[serde(default)]
    pub server: ServerConfig,
    /// The `[[tokens]]`: who may call the API, as whom.
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// The `[notify]` table, untouched: the notification channels read it.
    #[serde(default)]
    pub notify: Option<toml::Value>,
}

/// The `[server]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The address to listen on, e.g. `127.0.0.1:8080` (`--listen` wins).
    pub listen: Option<String>,
}

/// One `[[tokens]]` entry, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// A name for logs and error messages (never the secret), e.g. `研发部负责人`.
    pub name: String,
    /// The secret itself (prefer `token_env`).
    pub token: Option<String>,
    /// The environment variable that holds the secret.
    pub token_env: Option<String>,
    /// Departments and roles the token may act as, and whose instances it may read.
    #[serde(default)]
    pub actors: Vec<String>,
    /// Whether the token may deploy, move the virtual clock and read every instance.
    #[serde(default)]
    pub admin: bool,
}

/// A token with its secret resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// Its name (shown in logs).
    pub name: String,
    /// The secret a client sends as `Authorization: Bearer <secret>`.
    pub secret: String,
    /// Departments and roles it may act as.
    pub actors: Vec<String>,
    /// The admin right.
    pub admin: bool,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("secret", &"…")
            .field("actors", &self.actors)
            .field("admin", &self.admin)
            .finish()
    }
}

/// Why a configuration cannot be used; the message names the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Parses the text of a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`] for invalid TOML or an unknown key (the message says where).
    ///
    /// # Example
    /// ```
    /// let config = sopflow_server::Config::parse(
    ///     "[[tokens]]\nname = \"PMO\"\ntoken_env = \"PMO_TOKEN\"\nactors = [\"PMO\"]\n[notify]\nx = 1",
    /// ).unwrap();
    /// assert_eq!(config.tokens[0].name, "PMO");
    /// assert!(config.notify.is_some());
    /// assert!(sopflow_server::Config::parse("[[tokens]]\nnam = \"x\"").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(e.to_string().trim_end().to_owned()))
    }

    /// The tokens with their secrets, `token_env` looked up with `env`.
    ///
    /// # Errors
    /// [`ConfigError`] when a token has neither or both of `token` and
    /// `token_env`, when the variable is unset or empty, when a secret is
    /// shorter than 16 characters, or when two tokens share a secret.
    pub fn tokens(&self, env: impl Fn(&str) -> Option<String>) -> Result<Vec<Token>, ConfigError> {
        let mut tokens: Vec<Token> = Vec::with_capacity(self.tokens.len());
        for entry in &self.tokens {
            let name = &entry.name;
            let secret = match (&entry.token, &entry.token_env) {
                (Some(secret), None) => secret.clone(),
                (None, Some(var)) => env(var).filter(|s| !s.is_empty()).ok_or_else(|| {
                    ConfigError(format!(
                        "token `{name}`: the environment variable `{var}` is not set"
                    ))
                })?,
                (None, None) => {
                    return Err(ConfigError(format!(
                        "token `{name}`: give `token_env = \"VAR\"` (or `token`)"
                    )))
                }
                (Some(_), Some(_)) => {
                    return Err(ConfigError(format!(
                        "token `{name}`: give either `token` or `token_env`, not both"
                    )))
                }
            };
            if secret.chars().count() < 16 {
                return Err(ConfigError(format!(
                    "token `{name}`: the secret is too short (at least 16 characters)"
                )));
            }
            if !entry.admin && entry.actors.is_empty() {
                return Err(ConfigError(format!(
                    "token `{name}`: give `actors` (the departments or roles it acts as) or `admin = true`"
                )));
            }
            if let Some(other) = tokens.iter().find(|t| t.secret == secret) {
                return Err(ConfigError(format!(
                    "tokens `{}` and `{name}` have the same secret",
                    other.name
                )));
            }
            tokens.push(Token {
                name: name.clone(),
                secret,
                actors: entry.actors.clone(),
                admin: entry.admin,
            });
        }
        Ok(tokens)
    }
}
