"""SMPP over TLS beside the plain listener, checked with python-smpplib over loopback."""

import datetime
import ipaddress
import re
import ssl
import subprocess
import sys

import pytest
import smpplib.client
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(folder):
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smsc.crt", folder / "smsc.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = self_signed(folder)
    log = (folder / "smsc.log").open("w")
    command = [
        sys.executable, "-m", "smsc.cli", "serve", "--smpp", "127.0.0.1:0",
        "--tls", "127.0.0.1:0", "--tls-cert", str(cert_path), "--tls-key", str(key_path), "--http", "127.0.0.1:0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    lines = [process.stdout.readline(), process.stdout.readline()]
    ports = dict(re.findall(r"for (SMPP(?: over TLS)?) on [\d.]+:(\d+)", "".join(lines)))
    assert len(ports) == 2, f"smsc serve did not start both listeners: {lines}; see {folder / 'smsc.log'}"
    yield int(ports["SMPP over TLS"]), cert_path
    process.terminate()
    process.wait(timeout=10)


def test_bind_over_tls_with_a_verified_certificate(tls_server):
    """smpplib verifies our certificate, binds over TLS and submits."""
    port, cert_path = tls_server
    context = ssl.create_default_context(cafile=str(cert_path))
    context.check_hostname = False  # smpplib wraps without a server name; the chain is still verified
    client = smpplib.client.Client("127.0.0.1", port, timeout=5, ssl_context=context, allow_unknown_opt_params=True)
    client.connect()
    try:
        client.bind_transmitter(system_id="smppclient1", password="password")
        ids = []
        client.set_message_sent_handler(lambda pdu: ids.append(pdu.message_id))
        client.send_message(source_addr="10690001", destination_addr="8613800130000", short_message=b"over TLS")
        client.read_once()
        assert ids and ids[0]
        client.unbind()
    finally:
        client.disconnect()


def test_tls_flags_must_come_together(tmp_path):
    """--tls without a certificate is refused with a message naming what is missing."""
    run = subprocess.run(
        [sys.executable, "-m", "smsc.cli", "serve", "--tls", "127.0.0.1:0"], capture_output=True, text=True, timeout=30
    )
    assert run.returncode != 0 and "--tls-cert" in run.stderr
