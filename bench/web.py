"""The pre-check page under load: requests per second and latency for a 1-page constancia.

`facultativo web` runs as its own process (uvicorn, the warm validator pool of one worker per
core) on the demo's campus; a load generator on the same machine keeps N keep-alive
connections busy, each posting the multipart form a browser posts, and times every answer
from the first byte sent to the last byte of the verdict page. The generator is plain
asyncio sockets with the request bytes built once, so it costs the server's two cores as
little as a client can; its own CPU time is reported beside the figures.

    python -m bench.web             # about 1 minute
    python -m bench.web --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from tests.support.web import running_page

NSS = "12220456789"
BOUNDARY = "----facultativobench"


def _request(pdf: bytes, host: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="tipo"\r\n\r\nalta\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="nss"\r\n\r\n{NSS}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="constancia"; '
        'filename="ana.pdf"\r\nContent-Type: application/pdf\r\n\r\n',
    ]
    body = "".join(parts).encode() + pdf + f"\r\n--{BOUNDARY}--\r\n".encode()
    head = (
        f"POST /verificar HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    if status == 200 and "sería ACEPTADA".encode() not in body:
        raise AssertionError("the page did not give the expected verdict")
    return status


async def _load(host: str, port: int, raw: bytes, connections: int, total: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    left = total

    async def client() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while left > 0:
                left -= 1
                started = time.perf_counter()
                status = await _one(reader, writer, raw)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    ms = sorted(x * 1000 for x in latencies)
    return {
        "connections": connections,
        "requests": len(ms),
        "statuses": statuses,
        "per_second": round(len(ms) / wall, 1),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 1),
        "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 1),
        "load_generator_cpu_share": round(client_cpu / wall / (os.cpu_count() or 1), 2),
    }


def run(requests_per_level: int = 2000, levels: tuple[int, ...] = (1, 4, 8, 16)) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        toml = "\n[web]\nchecks_per_address = 1000000\nmax_concurrent = 100\n"
        with running_page(Path(tmp), toml) as page:
            host, port = page.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
            pdf = page.constancia("ana")
            sizes = {
                "constancia_1_pagina": pdf,
                # what an IMSS download weighs with its logos: the same page, 300 KB long
                "constancia_1_pagina_300kb": pdf + b"\n%" + b"x" * (300 * 1024 - len(pdf)),
            }
            results = {}
            for name, data in sizes.items():
                raw = _request(data, host)
                asyncio.run(_load(host, int(port), raw, 4, 200))  # warm: imports, caches
                results[name] = {
                    "bytes": len(data),
                    "levels": [
                        asyncio.run(_load(host, int(port), raw, c, requests_per_level))
                        for c in levels
                    ],
                }
            results["server_workers"] = int(page.output().split("(", 1)[1].split(" procesos")[0])
    return results


def table(r: dict) -> str:
    lines = [
        f"Pre-check page (facultativo web, {r['server_workers']} validator workers)",
        "| file | connections | requests/s | p50 ms | p95 ms | p99 ms | load generator CPU |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, data in r.items():
        if not isinstance(data, dict):
            continue
        for level in data["levels"]:
            lines.append(
                f"| {name} ({data['bytes'] // 1024} KB) | {level['connections']} | "
                f"{level['per_second']} | {level['p50_ms']} | {level['p95_ms']} | "
                f"{level['p99_ms']} | {level['load_generator_cpu_share']:.0%} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = run(300 if args.quick else 2000)
    print(table(results))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
