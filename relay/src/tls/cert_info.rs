//! What the ACME task needs to know of a certificate: until when it is
//! valid and whether it names the domain.

use rustls::sign::CertifiedKey;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_parser::extensions::GeneralName;

/// The leaf certificate's `notAfter`; `None` if it cannot be parsed.
pub(crate) fn expires(cert: &CertifiedKey) -> Option<SystemTime> {
    let leaf = cert.cert.first()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(leaf.as_ref()).ok()?;
    let secs = u64::try_from(parsed.validity().not_after.timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Whether the leaf certificate lists `domain` among its DNS names.
pub(crate) fn names(cert: &CertifiedKey, domain: &str) -> bool {
    let Some(leaf) = cert.cert.first() else {
        return false;
    };
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(leaf.as_ref()) else {
        return false;
    };
    let Ok(Some(san)) = parsed.subject_alternative_name() else {
        return false;
    };
    san.value
        .general_names
        .iter()
        .any(|n| matches!(n, GeneralName::DNSName(d) if d.eq_ignore_ascii_case(domain)))
}
