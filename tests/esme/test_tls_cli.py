"""`esme send --tls` against `smsc serve --tls` with a self-signed certificate made at test
time: trusted with --tls-ca it is delivered; without it, or for another host name, the ESME
says why it cannot connect and exits 1."""

import re
import subprocess
import sys

import pytest

from tests.smsc.test_loopback_tls import self_signed


@pytest.fixture(scope="module")
def tls_smsc(tmp_path_factory):
    """`smsc serve` with SMPP over TLS on a free port: (port, the certificate's PEM file)."""
    folder = tmp_path_factory.mktemp("esme-tls")
    cert_path, key_path = self_signed(folder)  # for 127.0.0.1 only
    log = (folder / "smsc.log").open("w")
    command = [
        sys.executable, "-m", "smsc.cli", "serve", "--smpp", "127.0.0.1:0", "--http", "127.0.0.1:0",
        "--tls", "127.0.0.1:0", "--tls-cert", str(cert_path), "--tls-key", str(key_path), "--data", str(folder / "data"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    lines = [process.stdout.readline(), process.stdout.readline()]
    port = re.search(r"for SMPP over TLS on [\d.]+:(\d+)", "".join(lines))
    assert port, f"smsc serve did not start its TLS listener: {lines}; see {folder / 'smsc.log'}"
    yield int(port.group(1)), cert_path
    process.terminate()
    process.wait(timeout=10)


def esme_send(port: int, *arguments: str):
    return subprocess.run(
        [sys.executable, "-m", "esme.cli", "send", "--port", str(port), "--tls", "--to", "8613800130000",
         "--text", "over TLS", "--from", "10690001", *arguments],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_trusted_with_tls_ca(tls_smsc):
    """--tls-ca names the self-signed certificate: verified, bound, DELIVRD; exit 0."""
    port, cert_path = tls_smsc
    done = esme_send(port, "--tls-ca", str(cert_path), "--wait", "--wait-timeout", "20")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DELIVRD err:000" in done.stdout


def test_tls_ca_from_the_environment(tls_smsc, monkeypatch):
    """ESME_TLS_CA does what --tls-ca does."""
    port, cert_path = tls_smsc
    monkeypatch.setenv("ESME_TLS_CA", str(cert_path))
    done = esme_send(port)
    assert done.returncode == 0 and "message_id: " in done.stdout, done.stdout + done.stderr


def test_untrusted_certificate(tls_smsc):
    """Without --tls-ca the system's store does not know the certificate: one line saying
    verification failed, no traceback; exit 1."""
    port, _ = tls_smsc
    done = esme_send(port, "--wait")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == f"esme send: cannot reach the SMSC at 127.0.0.1:{port}: TLS: certificate verify failed\n"


def test_another_host_name(tls_smsc):
    """Trusting the certificate does not stop the name check: it is for 127.0.0.1, not localhost."""
    port, cert_path = tls_smsc
    done = esme_send(port, "--host", "localhost", "--tls-ca", str(cert_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "TLS: the server's certificate is not for this host name or address" in done.stderr


@pytest.mark.parametrize("problem", ["missing", "not PEM"])
def test_unusable_tls_ca_is_a_usage_error(tmp_path, problem):
    """A --tls-ca file that is missing or not a certificate: exit 2 naming the file, before
    connecting anywhere."""
    path = tmp_path / "ca.pem"
    if problem == "not PEM":
        path.write_text("not a certificate\n")
    done = esme_send(1, "--tls-ca", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(path) in done.stderr and "Traceback" not in done.stderr


def test_help_names_tls_ca(capsys):
    """`esme send --help` explains --tls-ca and its environment variable."""
    from esme.cli import main

    with pytest.raises(SystemExit):
        main(["send", "--help"])
    help_text = capsys.readouterr().out
    assert "--tls-ca" in help_text and "ESME_TLS_CA" in help_text
