"""Attachments on Google Drive (the Form's upload folder), through googleapiclient.

Per file: `files.get` metadata first (name, type, size, md5) and a refusal
without downloading when it is too big or not a PDF; then one media download,
streamed into memory with a size cap. Downloads are cached by md5 in memory
(never on disk) so a file is fetched once per process. httplib2 is not
thread-safe: each thread gets its own client.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httplib2
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build as discovery_build
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseDownload

from facultativo.google_api.account import Account
from facultativo.google_api.failures import api_disabled, explain
from facultativo.google_api.http import ca_bundle
from facultativo.google_api.retry import (
    RETRY_STATUS,
    Failure,
    RetryPolicy,
    classify_status,
    error_reason,
)
from facultativo.settings import Deps
from facultativo.settings import Table as TomlTable
from facultativo.sync.attachments.base import AttachmentStore, Fetched, FetchFailure, Refused
from facultativo.sync.sources.base import google_session

_ID = re.compile(r"(?:[?&]id=|/d/)([A-Za-z0-9_-]{10,})")
PDF_TYPES = {"application/pdf", "application/x-pdf", "application/octet-stream", ""}
CACHE_BYTES = 64 * 1024 * 1024
CHUNK = 4 * 1024 * 1024


NETWORK_ERRORS = (OSError, httplib2.HttpLib2Error, http.client.HTTPException)


class TooLarge(Exception):
    pass


class _Capped(io.BytesIO):
    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.cap:
            raise TooLarge
        return super().write(data)


class DriveStore(AttachmentStore):
    def __init__(
        self,
        credentials: Credentials,
        endpoint: str | None,
        policy: RetryPolicy,
        timeout: float,
        account: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.endpoint = endpoint
        self.policy = policy
        self.timeout = timeout
        self.account = account
        self._local = threading.local()
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_lock = threading.Lock()

    def refs(self, cell: object) -> list[str]:
        return list(dict.fromkeys(_ID.findall(str(cell or ""))))

    def probe(self, ref: str) -> FetchFailure | None:
        got = self._metadata(ref)
        return got if isinstance(got, FetchFailure) else None

    def fetch(self, ref: str, max_bytes: int) -> Fetched | FetchFailure | Refused:
        meta = self._metadata(ref)
        if isinstance(meta, FetchFailure):
            return meta
        refused = _refuse(meta, max_bytes)
        if refused:
            return refused
        md5 = meta.get("md5Checksum") or ""
        cached = self._cached(md5)
        if cached is not None:
            return Fetched(cached, meta.get("name", ref))
        return self._download(ref, meta, max_bytes)

    def _metadata(self, ref: str) -> dict | FetchFailure:
        try:
            meta = self._call(
                lambda s: s.files().get(
                    fileId=ref, fields="id,name,mimeType,size,md5Checksum", supportsAllDrives=True
                )
            )
        except HttpError as exc:
            return self._failure(exc, ref)
        except (*NETWORK_ERRORS, GoogleAuthError) as exc:
            return _unreachable(exc, "no se pudo leer el archivo en Google Drive")
        return meta

    def _download(self, ref: str, meta: dict, max_bytes: int) -> Fetched | FetchFailure | Refused:
        buffer = _Capped(max_bytes)
        try:
            request = self._service().files().get_media(fileId=ref, supportsAllDrives=True)
            downloader = MediaIoBaseDownload(buffer, request, chunksize=CHUNK)
            done = False
            while not done:
                _status, done = self.policy.call(lambda: downloader.next_chunk(), _classify)
        except TooLarge:
            return Refused(f"El archivo pesa más de {max_bytes / 2**20:g} MB, el límite.")
        except HttpError as exc:
            return self._failure(exc, ref)
        except (*NETWORK_ERRORS, GoogleAuthError) as exc:
            return _unreachable(exc, "la descarga de Google Drive se interrumpió")
        data = buffer.getvalue()
        self._remember(meta.get("md5Checksum") or "", data)
        return Fetched(data, meta.get("name", ref))

    def _failure(self, exc: HttpError, ref: str) -> FetchFailure:
        status = int(exc.resp.status)
        who = self.account or "la cuenta de facultativo"
        disabled = api_disabled(_payload(exc))
        if disabled:  # not this file's fault: the row waits without counting a try
            return FetchFailure(disabled, unreachable=True)
        if status in (403, 404) and not _classify(exc).retry:
            # Drive answers 404 for files it will not show you: deleted, or not shared.
            return FetchFailure(
                f"Drive no deja leer el archivo {ref[:12]}… (HTTP {status}): comparte la carpeta "
                f"de respuestas del formulario con {who}, o el estudiante lo borró"
            )
        if status == 401:  # the credentials, not this file: the row waits without a try
            return FetchFailure(
                "Google Drive rechazó las credenciales (HTTP 401)", unreachable=True
            )
        if status in RETRY_STATUS:
            return FetchFailure(f"Google Drive respondió {status}; se reintentará")
        return FetchFailure(f"Google Drive rechazó la petición del archivo (HTTP {status})", False)

    def _call(self, build_request: Callable[[Any], Any]) -> dict:
        return self.policy.call(lambda: build_request(self._service()).execute(), _classify)

    def _service(self) -> Any:
        service = getattr(self._local, "service", None)
        if service is None:
            http = AuthorizedHttp(
                self.credentials, http=httplib2.Http(timeout=self.timeout, ca_certs=ca_bundle())
            )
            options = (
                {"api_endpoint": self.endpoint.rstrip("/") + "/drive/v3/"}
                if (self.endpoint)
                else None
            )
            service = discovery_build(
                "drive",
                "v3",
                http=http,
                client_options=options,
                cache_discovery=False,
                static_discovery=True,
            )
            self._local.service = service
        return service

    def _cached(self, md5: str) -> bytes | None:
        if not md5:
            return None
        with self._cache_lock:
            data = self._cache.get(md5)
            if data is not None:
                self._cache.move_to_end(md5)
            return data

    def _remember(self, md5: str, data: bytes) -> None:
        if not md5:
            return
        with self._cache_lock:
            self._cache[md5] = data
            while sum(len(v) for v in self._cache.values()) > CACHE_BYTES:
                self._cache.popitem(last=False)


def _refuse(meta: dict, max_bytes: int) -> Refused | None:
    """Refuse without downloading what cannot be a constancia."""
    mime = meta.get("mimeType", "")
    if mime.startswith("image/"):
        return Refused(f"No es un PDF: es una imagen ({mime.split('/')[1].upper()}).")
    if mime.startswith("application/vnd.google-apps"):
        return Refused("No es un PDF: es un documento de Google Docs.")
    if mime not in PDF_TYPES and not mime.startswith("application/pdf"):
        return Refused(f"No es un PDF: es un archivo de tipo {mime}.")
    size = int(meta.get("size") or 0)
    if size > max_bytes:
        return Refused(f"El archivo pesa más de {max_bytes / 2**20:g} MB, el límite.")
    return None


def _unreachable(exc: BaseException, what: str) -> FetchFailure:
    """Drive's network or credentials failure as one line; the row is tried again."""
    known = explain(exc)
    if known is None:
        return FetchFailure(f"{what} ({type(exc).__name__})")
    return FetchFailure(f"{what}: {known.text}", unreachable=True)


def _payload(exc: HttpError) -> object:
    try:
        return json.loads(exc.content)
    except (ValueError, TypeError):
        return None


def _classify(exc: BaseException) -> Failure:
    if isinstance(exc, HttpError):
        reason = error_reason(_payload(exc))
        return classify_status(int(exc.resp.status), reason, exc.resp.get("retry-after"))
    if isinstance(exc, NETWORK_ERRORS):
        return Failure(True)
    return Failure(False)


KIND = "google"
TABLE = "google"


@dataclass(frozen=True)
class Settings:
    """[campus.google]: the key that reads the Form's upload folder in Drive."""

    KEYS: ClassVar[frozenset[str]] = Account.KEYS

    account: Account

    @classmethod
    def from_table(cls, t: TomlTable) -> Settings:
        return cls(Account.from_table(t))


def build(settings: Settings, deps: Deps) -> DriveStore:
    google = google_session(settings.account)
    a = settings.account
    return DriveStore(
        google.credentials, a.endpoint, google.policy, a.timeout_seconds, google.email
    )
