"""The shipped nginx site (deploy/nginx-facultativo.conf) run for real in front of the
page: only its ports, certificate and upstream port are changed."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import ROOT
from tests.support.smtp_server import certificate, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HOST = "constancia.example.edu.mx"


def _site(folder: Path, http: int, https: int, upstream: int) -> Path:
    """The shipped snippet with this test's ports and certificate, nothing else changed."""
    crt, pem = certificate(folder)
    text = (ROOT / "deploy" / "nginx-facultativo.conf").read_text(encoding="utf-8")
    for line, new in (
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen [::]:443 ssl;", ""),
    ):
        assert line in text, line
        text = text.replace(line, new)
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {crt};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {pem};", text)
    assert "127.0.0.1:8080" in text
    text = text.replace("127.0.0.1:8080", f"127.0.0.1:{upstream}")
    site = folder / "site.conf"
    site.write_text(text, encoding="utf-8")
    return site


@contextmanager
def nginx_in_front(folder: Path, upstream: int) -> Iterator[tuple[str, str]]:
    """nginx with the shipped site in `folder`, proxying to `upstream`: (https, http) URLs."""
    http, https = free_port(), free_port()
    site = _site(folder, http, https, upstream)
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    temps = "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items())
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\nerror_log {folder / 'error.log'} warn;\n"
        f"pid {folder / 'nginx.pid'};\nevents {{ worker_connections 64; }}\n"
        "http {\n"
        + temps.replace("  body_temp_path", "  client_body_temp_path")
        + f"  include {site};\n}}\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(https)
        yield f"https://127.0.0.1:{https}/", f"http://127.0.0.1:{http}/"
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")
