//! The ACME account and the last certificate, kept in the data directory
//! (`acme/`) so that a restarted relay serves at once and asks the
//! directory for nothing until renewal is due. Files are written whole
//! (temporary file, then rename); the key files are readable by the owner
//! only.

use super::error::TlsError;
use instant_acme::AccountCredentials;
use serde_json::json;
use std::path::{Path, PathBuf};

const CERT: &str = "cert.pem";
const KEY: &str = "key.pem";
const ACCOUNT: &str = "account.json";

/// The cache directory.
pub(crate) struct AcmeCache {
    dir: PathBuf,
}

impl AcmeCache {
    pub(crate) fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// The cached chain and key, as PEM, if both are there.
    pub(crate) fn certificate(&self) -> Option<(String, String)> {
        let chain = std::fs::read_to_string(self.dir.join(CERT)).ok()?;
        let key = std::fs::read_to_string(self.dir.join(KEY)).ok()?;
        Some((chain, key))
    }

    /// Keeps a new chain and key (the key first: a chain is only ever
    /// next to its key or a newer one, which the load check refuses).
    pub(crate) fn save_certificate(&self, chain: &str, key: &str) -> Result<(), TlsError> {
        self.write(KEY, key.as_bytes())?;
        self.write(CERT, chain.as_bytes())
    }

    /// The account's credentials, if made with this directory.
    pub(crate) fn account(&self, directory: &str) -> Option<AccountCredentials> {
        let text = std::fs::read_to_string(self.dir.join(ACCOUNT)).ok()?;
        let mut saved: serde_json::Value = serde_json::from_str(&text).ok()?;
        if saved.get("directory")?.as_str()? != directory {
            return None;
        }
        serde_json::from_value(saved.get_mut("credentials")?.take()).ok()
    }

    /// Keeps the account made with `directory`.
    pub(crate) fn save_account(
        &self,
        directory: &str,
        credentials: &AccountCredentials,
    ) -> Result<(), TlsError> {
        let saved = json!({ "directory": directory, "credentials": credentials });
        self.write(ACCOUNT, saved.to_string().as_bytes())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<(), TlsError> {
        let path = self.dir.join(name);
        let err = |source| TlsError::Cache {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(err)?;
        std::io::Write::write_all(&mut file, bytes).map_err(err)?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(err)
    }
}
