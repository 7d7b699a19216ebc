//! The fake's test certificate authority: a CA generated at start (rcgen, ECDSA P-256 on ring)
//! and, for each host a client asks the proxy for, a leaf certificate it signed, served by a
//! rustls server configuration (ring provider, HTTP/1.1 only so WebSocket upgrades work).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Hosts whose certificates are made at start; any other is made when first asked for.
pub(super) const DISCORD_HOSTS: [&str; 2] = ["discord.com", "gateway.discord.gg"];

pub(super) struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
    pem: String,
    hosts: Mutex<HashMap<String, Arc<ServerConfig>>>,
}

impl TestCa {
    /// A new CA, with leaf certificates for `hosts` ready.
    pub(super) fn generate(hosts: &[&str]) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "paperboy fake Discord test CA");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("CA certificate");
        let pem = cert.pem();
        let ca = TestCa {
            cert,
            key,
            pem,
            hosts: Mutex::new(HashMap::new()),
        };
        for host in hosts {
            ca.server_config(host);
        }
        ca
    }

    /// The CA certificate, PEM.
    pub(super) fn pem(&self) -> &str {
        &self.pem
    }

    /// The CA certificate, DER.
    pub(super) fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// The TLS server configuration presenting `host`'s certificate (made and cached on first use).
    pub(super) fn server_config(&self, host: &str) -> Arc<ServerConfig> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cfg) = hosts.get(host) {
            return Arc::clone(cfg);
        }
        let cfg = Arc::new(self.make_server_config(host));
        hosts.insert(host.to_string(), Arc::clone(&cfg));
        cfg
    }

    fn make_server_config(&self, host: &str) -> ServerConfig {
        let mut params =
            CertificateParams::new(vec![host.to_string()]).expect("host certificate parameters");
        params.distinguished_name.push(DnType::CommonName, host);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("host key");
        let leaf = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("host certificate");
        let chain = vec![leaf.der().clone(), self.der()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut cfg = ServerConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("TLS server configuration");
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        cfg
    }

    /// A rustls client configuration trusting only this CA (for tests' own TLS clients).
    pub(super) fn client_config(&self) -> ClientConfig {
        let mut roots = RootCertStore::empty();
        roots.add(self.der()).expect("CA certificate is valid");
        ClientConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth()
    }
}
