"""The worker pool: a file that hangs, crashes or hogs memory gets ARCHIVO_ILEGIBLE,
and the pool keeps serving the next files."""

from __future__ import annotations

import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from facultativo.validators import Limits, Motivo, Policy, Problem, Reading, Request, ValidatorPool
from tests.support.golden_pairs import GOLDEN

GOOD = (GOLDEN / "grid" / "alta_sin_vigencia.pdf").read_bytes()


@pytest.fixture(scope="module")
def pool():
    with ValidatorPool(
        workers=2,
        limits=Limits(timeout_seconds=2, memory_mb=512),
        extractor="tests.support.isolation_targets:misbehaving",
    ) as p:
        yield p


@pytest.mark.parametrize("bad", [b"hang", b"crash", b"raise", b"hog"])
def test_misbehaving_file_gets_a_verdict_and_pool_recovers(pool, bad):
    result = pool.extract(bad)
    assert isinstance(result, Problem)
    assert result.motivo is Motivo.ARCHIVO_ILEGIBLE
    assert isinstance(pool.extract(GOOD), Reading)


def test_timeout_message_names_the_limit(pool):
    result = pool.extract(b"hang")
    assert "2 s" in result.detalle


CRASHED = "El lector de PDF falló con este archivo."


def test_a_reader_that_crashes_twice_is_a_failed_read_not_a_timeout(pool, tmp_path):
    """Its pipes closed while the process was not yet reaped: that is a crash (retried in a
    fresh worker, then blamed on the file), never «tardó más de 2 s»."""
    log = tmp_path / "intentos"
    started = time.monotonic()
    result = pool.extract(b"die-slowly:" + str(log).encode())
    took = time.monotonic() - started
    assert isinstance(result, Problem) and result.motivo is Motivo.ARCHIVO_ILEGIBLE
    assert result.detalle == CRASHED
    attempts = log.read_text().splitlines()
    assert len(attempts) == 2 and len({line.split()[0] for line in attempts}) == 2
    assert took < 2 * pool.limits.timeout_seconds, "it waited out a time limit"
    assert isinstance(pool.extract(GOOD), Reading)


def test_a_reader_that_crashes_once_is_retried_in_a_fresh_worker_that_reads_the_file(
    pool, tmp_path
):
    log = tmp_path / "intentos"
    with ThreadPoolExecutor(2) as threads:  # the warm workers have read files before this
        assert all(isinstance(r, Reading) for r in threads.map(pool.extract, [GOOD] * 8))
    result = pool.extract(b"die-once:" + str(log).encode() + b"\n" + GOOD)
    assert isinstance(result, Reading)
    (first_pid, _), (retry_pid, served_before) = (
        line.split() for line in log.read_text().splitlines()
    )
    assert retry_pid != first_pid
    assert served_before == "1", "the retry ran in a worker that had read other files"


def test_concurrent_callers_all_get_answers(pool):
    inputs = [GOOD, b"crash", GOOD, b"raise", GOOD, GOOD]
    with ThreadPoolExecutor(4) as threads:
        results = list(threads.map(pool.extract, inputs))
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Reading", "Problem", "Reading", "Problem", "Reading", "Reading"]


def _bomb(megabytes: int) -> bytes:
    """A page whose content stream inflates to `megabytes` of drawing operators."""
    stream = zlib.compress(b"0 0 m 1 1 l S\n" * (megabytes * 1024 * 1024 // 14), 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref


def test_decompression_bomb_is_stopped_by_the_worker_limits():
    with ValidatorPool(workers=1, limits=Limits(timeout_seconds=1.5, memory_mb=768)) as real:
        verdict = real.validate(_bomb(300), Request(), Policy())
    assert verdict.motivo is Motivo.ARCHIVO_ILEGIBLE
