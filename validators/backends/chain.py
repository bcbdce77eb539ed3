"""Try backends in order; the first that can open the file and decode its text reads it.

Libraries decode broken fonts differently: pdfium turns a font without a ToUnicode map
into glyph numbers where pdfminer may still find the letters in the embedded font, so
a reading that does not decode clearly (one font without its map: labels garbled,
values fine) is kept only when no other backend decodes better.
"""

from __future__ import annotations

from facultativo.validators.backends.base import Backend, LimitExceeded, PdfText
from facultativo.validators.legibility import measure
from facultativo.validators.model import Limits, Problem


class FirstThatReads(Backend):
    name = "chain"

    def __init__(self, backends: list[Backend]) -> None:
        self.backends = backends

    def read(self, data: bytes, limits: Limits) -> PdfText | Problem:
        problem: Problem | None = None
        doubtful: list[tuple[float, PdfText]] = []
        for backend in self.backends:
            result = backend.read(data, limits)
            if isinstance(result, PdfText):
                legibility = measure(result.text)
                if legibility.clear:
                    return result
                doubtful.append((legibility.score, result))
            elif isinstance(result, LimitExceeded):  # not a reading failure: stop here
                return result
            else:
                problem = problem or result
        if doubtful:  # the reading whose text decodes best
            return max(doubtful, key=lambda pair: pair[0])[1]
        assert problem is not None
        return problem
