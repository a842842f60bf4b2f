"""Certificates made at test time with the openssl CLI: a CA, a server certificate for
localhost/127.0.0.1 and a client certificate, all signed by the CA."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certs:
    ca: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str


def _run(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _signed(folder: Path, name: str, subject: str, extensions: str) -> None:
    key, csr, cert = (str(folder / f"{name}.{s}") for s in ("key", "csr", "pem"))
    ext = folder / f"{name}.ext"
    ext.write_text(extensions)
    _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", subject, "-out", csr)
    _run("x509", "-req", "-in", csr, "-CA", str(folder / "ca.pem"), "-CAkey",
         str(folder / "ca.key"), "-CAcreateserial", "-days", "2", "-sha256", "-extfile",
         str(ext), "-out", cert)


def make_certs(folder: Path) -> Certs:
    folder.mkdir(parents=True, exist_ok=True)
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(folder / "ca.key"),
         "-subj", "/CN=agentconfig test CA", "-days", "2", "-out", str(folder / "ca.pem"))
    _signed(folder, "server", "/CN=localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _signed(folder, "client", "/CN=runtime", "extendedKeyUsage=clientAuth\n")
    return Certs(str(folder / "ca.pem"), str(folder / "server.pem"), str(folder / "server.key"),
                 str(folder / "client.pem"), str(folder / "client.key"))
