"""The pre-check page as a student's browser meets it: `facultativo web` started as its own
process on a loopback port, on the demo's campus and constancias, and talked to over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from facultativo import demo

DEMO_DAY = "2026-11-16"  # the day the demo's constancias were issued
READY = re.compile(r"lista en (http://\S+/)")
FORM_URL = "https://docs.google.com/forms/d/e/1FAIpQLSdEjemplo/viewform"


def demo_requests() -> list[dict]:
    """The demo's students: file, NSS, tipo and the verdict the office gives them."""
    data = json.loads((Path(demo.__file__).with_name("samples") / "demo" / "demo.json").read_text())
    return data["respuestas"]


@dataclass
class Page:
    url: str
    process: subprocess.Popen
    log: Path
    folder: Path

    def check(
        self,
        pdf: bytes | None,
        tipo: str | None = "alta",
        nss: str | None = "12220456789",
        curp: str | None = None,
        filename: str = "constancia.pdf",
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST the form as a browser without JavaScript does (multipart/form-data)."""
        fields = {k: v for k, v in (("tipo", tipo), ("nss", nss), ("curp", curp)) if v is not None}
        # no file chosen: a browser sends an empty part with an empty name
        files = {"constancia": (filename if pdf is not None else "", pdf or b"", "application/pdf")}
        return requests.post(
            self.url + "verificar", data=fields, files=files, headers=headers, timeout=60
        )

    def constancia(self, name: str) -> bytes:
        return (self.folder / "constancias" / f"{name}.pdf").read_bytes()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def output_with(self, *lines: str, seconds: float = 10) -> str:
        """The log once it holds every one of `lines` (the page writes a line before it
        answers, but a thread copies it here: a loaded machine can lag)."""
        deadline = time.monotonic() + seconds
        text = self.output()
        while not all(line in text for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
            text = self.output()
        return text


def write_workspace(folder: Path, extra_toml: str = "", form_url: bool = True) -> Path:
    """The demo's workspace (config and constancias), with `extra_toml` appended; without
    `form_url`, the campus's form_url is left out."""
    demo.build(folder)
    config = folder / "facultativo.toml"
    text = config.read_text(encoding="utf-8")
    assert f'form_url = "{FORM_URL}"' in text
    if not form_url:
        text = text.replace(f'form_url = "{FORM_URL}"', "")
    config.write_text(text + "\n" + extra_toml, encoding="utf-8")
    return config


@contextmanager
def running_page(
    folder: Path,
    extra_toml: str = "",
    fecha: str | None = DEMO_DAY,
    args: tuple[str, ...] = (),
    form_url: bool = True,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Page]:
    config = write_workspace(folder, extra_toml, form_url)
    log = folder / "web.log"
    command = [sys.executable, "-m", "facultativo.cli", "web", "--config", str(config)]
    command += ["--port", "0", *(["--fecha", fecha] if fecha else []), *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,  # a pipe, not a file: the page's process may be denied files
        stderr=subprocess.STDOUT,
        cwd=folder,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec,  # a resource limit for the page's process
    )
    copier = threading.Thread(target=_copy, args=(process, log), daemon=True)
    copier.start()
    try:
        page = Page(_wait_ready(process, log), process, log, folder)
        yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        copier.join(timeout=10)


def _copy(process: subprocess.Popen, log: Path) -> None:
    assert process.stdout is not None
    with log.open("ab") as out:
        for line in process.stdout:
            out.write(line)
            out.flush()


def _wait_ready(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = log.exists() and READY.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            time.sleep(0.2)  # the copier's last lines
            raise AssertionError(f"facultativo web ended: {log.read_text()}")
        time.sleep(0.05)
    raise AssertionError(f"facultativo web did not start: {log.read_text()}")


def slow_pdf(operations: int = 300_000) -> bytes:
    """A valid one-page PDF whose page draws `operations` pieces of text: it keeps a reader
    busy until [limits] timeout_seconds, as a hostile student's file would."""
    import zlib

    from tests.reliability.hostile import build_pdf

    ops = b"BT /F1 1 Tf " + b"".join(
        b"1 0 0 1 %d %d Tm (a) Tj " % (i % 600, (i // 600) % 800) for i in range(operations)
    )
    stream = zlib.compress(ops + b"ET", 9)
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream",
        ]
    )
