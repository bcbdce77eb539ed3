"""Validation speed over the golden constancias, beside the raw text-extraction floor."""

from __future__ import annotations

import io
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

from facultativo.validators import Policy, Request, ValidatorPool, decide, extract
from facultativo.validators.backends import BACKENDS

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
POLICY = Policy(("INSTITUTO TECNOLOGICO DE QUERETARO",), ("Y6012345321",))


def files() -> list[bytes]:
    """Every golden constancia of both generations (not the wrong documents or hostile files)."""
    return [
        p.read_bytes()
        for folder in sorted(GOLDEN.iterdir())
        if folder.is_dir() and folder.name not in ("otros", "hostiles")
        for p in sorted(folder.glob("*.pdf"))
    ]


def _timed(fn, items, repeat: int) -> list[float]:
    for item in items[:5]:
        fn(item)  # warm caches and imports
    out = []
    for _ in range(repeat):
        for item in items:
            t = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - t) * 1000)
    return out


def _stats(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 2),
        "per_second_one_core": round(1000 / statistics.mean(ms), 1),
    }


def _plumber_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(p.extract_text() or "" for p in pdf.pages)


def _pdfium_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def run(repeat: int = 3) -> dict:
    items = files()
    request = Request()
    results = {"files": len(items)}
    validate = lambda d: decide(extract(d), request, POLICY)  # noqa: E731
    results["validate"] = _stats(_timed(validate, items, repeat))
    plumber_only = lambda d: decide(extract(d, backend=BACKENDS["pdfplumber"]), request, POLICY)  # noqa: E731
    results["validate_pdfplumber_backend"] = _stats(_timed(plumber_only, items, 1))
    results["floor_pdfplumber_text"] = _stats(_timed(_plumber_text, items, 1))
    results["floor_pdfium_text"] = _stats(_timed(_pdfium_text, items, repeat))
    results["ratio_to_pdfium_floor"] = round(
        results["validate"]["median_ms"] / results["floor_pdfium_text"]["median_ms"], 1
    )
    results["ratio_to_pdfplumber_floor"] = round(
        results["validate"]["median_ms"] / results["floor_pdfplumber_text"]["median_ms"], 2
    )
    results["all_cores"] = _pool_throughput(items, request, os.cpu_count() or 1)
    return results


def _pool_throughput(items: list[bytes], request: Request, cores: int) -> dict:
    """Constancias per second through warm isolated workers, one per core."""
    work = items * 6
    with ValidatorPool(workers=cores) as pool:
        list(ThreadPoolExecutor(cores).map(pool.extract, items[: cores * 2]))  # warm
        t = time.perf_counter()
        with ThreadPoolExecutor(cores * 2) as threads:
            list(threads.map(lambda d: pool.validate(d, request, POLICY), work))
        seconds = time.perf_counter() - t
    return {"workers": cores, "constancias": len(work), "per_second": round(len(work) / seconds, 1)}
