"""Extractors that misbehave on purpose, run inside ValidatorPool workers."""

from __future__ import annotations

import os
import time

from facultativo.validators import extract


def misbehaving(data: bytes, limits, filename):
    if data == b"hang":
        time.sleep(60)
    if data == b"crash":
        os._exit(11)  # what a segfault in a native parser looks like from outside
    if data == b"raise":
        raise RecursionError("maximum recursion depth exceeded")
    if data == b"hog":
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))
    return extract(data, limits, filename)
