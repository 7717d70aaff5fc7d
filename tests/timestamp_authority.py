"""A test CA and a real RFC 3161 timestamp authority on loopback: certomancer's Animator (its
WSGI app, the same one `certomancer animate` serves) run by werkzeug in a thread on 127.0.0.1,
on a free port. The CA issues a letter-signing certificate for "Test Music Rights Ltd" and a
TSA certificate; the TSA answers HTTP POSTs at `url` the way a commercial TSA does.

Keys are made fresh for each test session and written as PEM next to the
certificates, so the project's settings can point at them exactly as production settings do."""

import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.serving import make_server

ARCH = "letters-test"
ORGANISATION = "Test Music Rights Ltd"
KEYS = ("root", "signer", "tsa")
VALIDITY = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2100-01-01T00:00:00+0000"}


def _key_usage(*usages: str) -> dict[str, object]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


def certomancer_config(key_dir: Path) -> dict[str, object]:
    """Root CA -> letter signer, root CA -> TSA; no CRL or OCSP pointers, so a verifier has no
    revocation source to fetch and works offline."""
    return {
        "external-url-prefix": "http://127.0.0.1",
        "keysets": {
            ARCH: {
                "path-prefix": str(key_dir),
                "keys": {name: {"path": f"{name}.key.pem"} for name in KEYS},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "GB", "organization-name": ORGANISATION},
                "entities": {
                    "root": {"common-name": "Test Root CA"},
                    "signer": {"common-name": "Letters of Test Music Rights Ltd"},
                    "tsa": {"common-name": "Test Timestamp Authority"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "signer": {
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [_key_usage("digital_signature", "non_repudiation")],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            _key_usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                        ],
                    },
                },
                "services": {
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}}
                },
            }
        },
    }


@dataclass
class TestAuthority:
    """The running CA and TSA: PEM paths of the root, the signer's certificate and key, the
    TSA's certificate; the TSA's URL."""

    folder: Path
    url: str = ""
    _server: object = None
    _thread: threading.Thread | None = None

    def path(self, name: str) -> str:
        return str(self.folder / name)

    @property
    def root_pem(self) -> str:
        return self.path("root.pem")

    @property
    def signer_cert_pem(self) -> str:
        return self.path("signer.pem")

    @property
    def signer_key_pem(self) -> str:
        return self.path("signer.key.pem")

    @property
    def tsa_cert_pem(self) -> str:
        return self.path("tsa.pem")

    def start(self) -> "TestAuthority":
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in KEYS:
            key = _new_key(name)
            (self.folder / f"{name}.key.pem").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        config = CertomancerConfig(certomancer_config(self.folder), key_search_dir=str(self.folder))
        arch = config.get_pki_arch(ArchLabel(ARCH))
        for name in KEYS:
            der = arch.get_cert(CertLabel(name)).dump()
            (self.folder / f"{name}.pem").write_bytes(_pem(der))
            # certomancer keeps the certificates it built from their fields; asn1crypto writes
            # such a certificate's names out afresh each time (~10 ms per timestamp). Read back
            # from DER, as a real TSA holds its certificate, they are written as stored. (The
            # cache is certomancer's own, private; the tests would fail loudly if it moved.)
            arch._cert_cache[CertLabel(name)] = asn1_x509.Certificate.load(der)
        app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_port}/{ARCH}/tsa/tsa"
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=5)


def _new_key(name: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """RSA 2048 for the CA and the signer, as most real ones are; ECDSA P-256 for the TSA:
    certomancer reads the TSA's key for every request, and cryptography checks an RSA key on
    every read (about 0.1 s), which would be timed as ours in bench/render.py."""
    if name == "tsa":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    result: bytes = pem.armor("CERTIFICATE", der)
    return result


if __name__ == "__main__":
    # A TSA in a process of its own (bench/render.py): prints its URL, serves until killed.
    import logging
    import sys
    import time

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    running = TestAuthority(Path(sys.argv[1])).start()
    print(running.url, flush=True)
    while True:
        time.sleep(3600)
