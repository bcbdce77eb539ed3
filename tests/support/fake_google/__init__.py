"""A fake Google API server on loopback for tests (see server.py)."""

from tests.support.fake_google.server import (
    DriveFile,
    FakeGoogle,
    Fault,
    Sheet,
    Spreadsheet,
    authorize_code,
)

__all__ = ["DriveFile", "FakeGoogle", "Fault", "Sheet", "Spreadsheet", "authorize_code"]
