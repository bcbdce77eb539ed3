"""Try backends in order; the first that can open the file and decode its text reads it.

Libraries decode broken fonts differently: pdfium turns a font without a ToUnicode map
into glyph numbers where pdfminer may still find the letters in the embedded font, so
an undecodable reading is kept only when no other backend does better.
"""

from __future__ import annotations

from ..legibility import measure
from ..model import Limits, Problem
from .base import Backend, LimitExceeded, PdfText


class FirstThatReads(Backend):
    name = "chain"

    def __init__(self, backends: list[Backend]) -> None:
        self.backends = backends

    def read(self, data: bytes, limits: Limits) -> PdfText | Problem:
        problem: Problem | None = None
        garbled: PdfText | None = None
        for backend in self.backends:
            result = backend.read(data, limits)
            if isinstance(result, PdfText):
                if measure(result.text).legible:
                    return result
                garbled = garbled or result
            elif isinstance(result, LimitExceeded):  # not a reading failure: stop here
                return result
            else:
                problem = problem or result
        if garbled is not None:
            return garbled
        assert problem is not None
        return problem
