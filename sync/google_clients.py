"""Build the Sheets source and the Drive store from one set of credentials."""

from __future__ import annotations

from pathlib import Path

import gspread

from facultativo.google_api.auth import AuthError, load_credentials, service_account_email
from facultativo.google_api.http import SheetsHTTPClient
from facultativo.google_api.retry import RetryPolicy

from .attachments.google_drive import DriveStore
from .sources.base import SourceError
from .sources.google_sheets import GoogleSheetSource


def google_backends(
    credentials: Path,
    spreadsheet: str,
    tab: str | None,
    endpoint: str | None,
    token: Path | None,
    timeout: float,
    policy: RetryPolicy | None = None,
) -> tuple[GoogleSheetSource, DriveStore]:
    try:
        creds = load_credentials(credentials, token)
    except AuthError as exc:
        raise SourceError(str(exc)) from None
    policy = policy or RetryPolicy()
    account = service_account_email(creds)
    client = gspread.Client(creds)
    client.http_client = SheetsHTTPClient(creds, endpoint, policy, timeout)
    source = GoogleSheetSource(client, spreadsheet, tab, account)
    store = DriveStore(creds, endpoint, policy, timeout, account)
    return source, store
