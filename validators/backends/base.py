"""The interface every text-extraction backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from facultativo.validators.layout import Line
from facultativo.validators.model import Limits, Problem
from facultativo.validators.motivos import Motivo


@dataclass(frozen=True)
class PageText:
    lines: tuple[Line, ...]
    chars: int  # visible characters
    images: int
    overlaps: int  # glyphs drawn over a different glyph
    hidden: int = 0  # glyphs nobody sees (invisible, white on white, off the page): not read


@dataclass(frozen=True)
class PdfText:
    pages: tuple[PageText, ...]
    producer: str = ""
    creator: str = ""

    @property
    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]

    @property
    def chars(self) -> int:
        return sum(p.chars for p in self.pages)

    @property
    def text(self) -> str:
        """Every line's cells joined, page after page: what kind and legibility read."""
        return "\n".join(" ".join(c.text for c in line) for line in self.lines)


class LimitExceeded(Problem):
    """The file is over a configured limit (pages): no other backend should try it."""


def too_many_pages(count: int, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        Motivo.ARCHIVO_ILEGIBLE,
        f"El PDF tiene {count} páginas; una constancia tiene a lo más {limits.max_pages}.",
    )


class Backend(ABC):
    """Reads a PDF's text with positions, or says why it cannot."""

    name: str

    @abstractmethod
    def read(self, data: bytes, limits: Limits) -> PdfText | Problem:
        """Return the text of every page, or a Problem (ARCHIVO_ILEGIBLE)."""
