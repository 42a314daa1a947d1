//! Obtains and renews the relay's certificate from an ACME directory
//! (instant-acme), answering the TLS-ALPN-01 challenge on the relay's own
//! TLS port through [`CertSlot`].

use super::acme_cache::AcmeCache;
use super::cert_info;
use super::cert_slot::CertSlot;
use super::error::TlsError;
use super::pem;
use super::settings::AcmeSettings;
use instant_acme::{
    Account, AccountBuilder, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder,
    OrderStatus, RetryPolicy,
};
use rustls::sign::CertifiedKey;
use rustls_pki_types::PrivatePkcs8KeyDer;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{Notify, watch};

/// The longest wait before a failed attempt is retried (Let's Encrypt
/// allows 5 failed validations per domain and hour).
const MAX_RETRY: Duration = Duration::from_secs(15 * 60);

/// Serves the cached certificate if it fits, then obtains or renews one
/// whenever it is missing or due, until `shutdown`.
pub(crate) async fn run(
    settings: AcmeSettings,
    slot: Arc<CertSlot>,
    asked: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let cache = AcmeCache::new(&settings.cache_dir);
    if let Some((chain, key)) = cache.certificate() {
        match pem::from_pem(&chain, &key) {
            Ok(cert) if cert_info::names(&cert, &settings.domain) => {
                tracing::info!(domain = %settings.domain, "serving the cached ACME certificate");
                slot.set(cert);
            }
            Ok(_) => tracing::info!("the cached ACME certificate is for another domain"),
            Err(e) => tracing::warn!(error = %e, "the cached ACME certificate is unusable"),
        }
    }
    loop {
        let mut wait = settings.check_every;
        if due(slot.current().as_deref(), settings.renew_before) {
            let attempt = tokio::select! {
                r = obtain(&settings, &slot, &cache) => r,
                _ = shutdown.wait_for(|s| *s) => return,
            };
            slot.set_challenge(&settings.domain, None);
            match attempt {
                Ok(cert) => {
                    let expires = cert_info::expires(&cert).map(humantime_secs);
                    tracing::info!(domain = %settings.domain, ?expires, "ACME certificate obtained");
                    slot.set(cert);
                }
                Err(e) => {
                    wait = wait.min(MAX_RETRY);
                    tracing::warn!(domain = %settings.domain, error = %e, retry_in = ?wait, "ACME certificate not obtained");
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = asked.notified() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

/// Seconds since the Unix epoch, for the log.
fn humantime_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a certificate is missing or expires within `renew_before`.
fn due(cert: Option<&CertifiedKey>, renew_before: Duration) -> bool {
    let Some(expires) = cert.and_then(cert_info::expires) else {
        return true;
    };
    expires
        .duration_since(SystemTime::now())
        .is_ok_and(|left| left < renew_before)
        || expires <= SystemTime::now()
}

/// One order: account, TLS-ALPN-01 for the domain, finalize, download,
/// cache.
async fn obtain(
    s: &AcmeSettings,
    slot: &CertSlot,
    cache: &AcmeCache,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let account = account(s, cache).await?;
    let ids = [Identifier::Dns(s.domain.clone())];
    let mut order = account.new_order(&NewOrder::new(&ids)).await?;
    let mut authorizations = order.authorizations();
    while let Some(authz) = authorizations.next().await {
        let mut authz = authz?;
        match authz.status {
            AuthorizationStatus::Valid => continue,
            AuthorizationStatus::Pending => {}
            other => return Err(TlsError::Challenge(format!("authorization is {other:?}"))),
        }
        let mut challenge = authz
            .challenge(ChallengeType::TlsAlpn01)
            .ok_or_else(|| TlsError::Challenge("the directory offers no tls-alpn-01".into()))?;
        let answer = challenge_certificate(&s.domain, challenge.key_authorization().digest())?;
        slot.set_challenge(&s.domain, Some(answer));
        challenge.set_ready().await?;
    }
    let status = order.poll_ready(&RetryPolicy::default()).await?;
    if status != OrderStatus::Ready {
        return Err(TlsError::Challenge(format!("order is {status:?}")));
    }
    let key = order.finalize().await?;
    let chain = order.poll_certificate(&RetryPolicy::default()).await?;
    let cert = pem::from_pem(&chain, &key)?;
    cache.save_certificate(&chain, &key)?;
    Ok(cert)
}

/// The cached account for this directory, or a new one (then cached).
async fn account(s: &AcmeSettings, cache: &AcmeCache) -> Result<Account, TlsError> {
    let builder = || -> Result<AccountBuilder, TlsError> {
        Ok(match &s.directory_ca {
            Some(ca) => Account::builder_with_root(ca)?,
            None => Account::builder()?,
        })
    };
    if let Some(credentials) = cache.account(&s.directory) {
        match builder()?.from_credentials(credentials).await {
            Ok(account) => return Ok(account),
            Err(e) => tracing::warn!(error = %e, "cached ACME account unusable; making a new one"),
        }
    }
    let contact = s.email.as_ref().map(|e| format!("mailto:{e}"));
    let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
    let new = NewAccount {
        contact: &contacts,
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) = builder()?.create(&new, s.directory.clone(), None).await?;
    cache.save_account(&s.directory, &credentials)?;
    Ok(account)
}

/// The self-signed certificate that answers TLS-ALPN-01 (RFC 8737): the
/// domain, and the key authorization's digest in the acmeIdentifier
/// extension.
fn challenge_certificate(
    domain: &str,
    digest: impl AsRef<[u8]>,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let mut params = rcgen::CertificateParams::new(vec![domain.to_owned()])?;
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(digest.as_ref())];
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let key = PrivatePkcs8KeyDer::from(key.serialize_der());
    pem::unchecked(vec![cert.der().clone()], key.into())
}
