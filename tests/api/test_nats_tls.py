"""A service reaches a bus that speaks only (mutual) TLS, trusting the CA it is given."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pilar_contracts.streams import REGISTRY
from pilar_kit.natsserver import NatsServer
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import enrol, serving, settings_for

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Pki:
    """A private CA, the server's certificate (127.0.0.1) and a service's client certificate."""

    ca: Path
    server: tuple[Path, Path]
    client: tuple[Path, Path]


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _issue(
    folder: Path,
    common: str,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    usage: x509.ObjectIdentifier | None,
) -> tuple[Path, Path, x509.Name, ec.EllipticCurvePrivateKey]:
    """A key and a certificate, self-signed (the CA) or signed by ``issuer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer[0] if issuer else _name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
    certificate = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    cert_file, key_file = folder / f"{common}.crt", folder / f"{common}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, certificate.subject, key


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    """Certificates for one test, from a CA no system trusts."""
    folder = tmp_path / "pki"
    folder.mkdir()
    ca_cert, _, ca_name, ca_key = _issue(folder, "pilar-test-ca", None, None)
    server = _issue(folder, "nats", (ca_name, ca_key), ExtendedKeyUsageOID.SERVER_AUTH)
    client = _issue(folder, "registry", (ca_name, ca_key), ExtendedKeyUsageOID.CLIENT_AUTH)
    return Pki(ca_cert, server[:2], client[:2])


@pytest.fixture
def tls_server(tmp_path: Path, pki: Pki) -> Iterator[NatsServer]:
    """A nats-server that accepts only TLS clients presenting a certificate of the CA."""
    cert, key = pki.server
    tls = ("--tlsverify", "--tlscert", str(cert), "--tlskey", str(key), "--tlscacert", str(pki.ca))
    server = NatsServer(tmp_path / "jetstream", extra_args=tls, log_file=tmp_path / "nats.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _settings(server: NatsServer, tmp_path: Path, **tls: Path) -> RegistrySettings:
    url = server.url.replace("nats://", "tls://")
    settings = settings_for(
        RegistrySettings, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", url, tmp_path
    )
    return settings.model_copy(update={f"nats_{name}": path for name, path in tls.items()})


async def test_a_service_works_over_mutual_tls_with_its_ca_and_certificate(
    tls_server: NatsServer, pki: Pki, tmp_path: Path
) -> None:
    cert, key = pki.client
    settings = _settings(tls_server, tmp_path, ca_file=pki.ca, cert_file=cert, key_file=key)
    async with asyncio.timeout(60), serving(create_app, settings) as (http, _):  # it waits for NATS
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text  # its connection and its broker's, both
        await enrol(http, region="33.71.01.1003", serial=1)
        nc = await nats.connect(settings.nats_url, **settings.nats_options())
        try:
            info = await nc.jetstream().stream_info(REGISTRY.name)
        finally:
            await nc.close()
    assert info.state.messages >= 2  # registered and verified, published by the relay over TLS


@pytest.mark.parametrize("given", ["nothing", "ca only"])
async def test_without_the_ca_or_its_own_certificate_a_client_is_refused(
    tls_server: NatsServer, pki: Pki, tmp_path: Path, given: str
) -> None:
    tls = {"ca_file": pki.ca} if given == "ca only" else {}
    settings = _settings(tls_server, tmp_path, **tls)
    # the server's certificate is not trusted, or ours is missing: the handshake fails (TLS 1.3
    # may report the server's refusal as a broken pipe; SSLError is an OSError too)
    with pytest.raises(OSError):  # noqa: PT011
        await nats.connect(
            settings.nats_url,
            **settings.nats_options(),
            connect_timeout=2,
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )
