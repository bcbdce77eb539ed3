"""A progress bar on a terminal for long cycles; nothing when output is a file or pipe."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

MIN_ROWS = 20


def terminal_progress(stream: TextIO) -> Callable[[int, int], None] | None:
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < MIN_ROWS:
            return
        width = 30
        filled = int(width * done / total)
        stream.write(f"\r  {'█' * filled}{'·' * (width - filled)} {done}/{total} filas")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
