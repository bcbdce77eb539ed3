"""Try backends in order; the first that can open the file reads it."""

from __future__ import annotations

from ..model import Limits, Problem
from .base import Backend, LimitExceeded, PdfText


class FirstThatReads(Backend):
    name = "chain"

    def __init__(self, backends: list[Backend]) -> None:
        self.backends = backends

    def read(self, data: bytes, limits: Limits) -> PdfText | Problem:
        problem: Problem | None = None
        for backend in self.backends:
            result = backend.read(data, limits)
            if isinstance(result, PdfText):
                return result
            if isinstance(result, LimitExceeded):  # not a reading failure: stop here
                return result
            problem = problem or result
        assert problem is not None
        return problem
