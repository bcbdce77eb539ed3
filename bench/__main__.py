"""`python -m bench`: validation, cycle and email figures as a table and bench/results.json.

python -m bench                 # everything (about 4 minutes on 2 cores)
python -m bench --quick         # smaller sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench import cycle, email, validation, web

LATENCY = 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    sizes = (100, 1000) if args.quick else (100, 1000, 5000, 10000)
    naive_sizes = (100,) if args.quick else (100, 1000)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
        "validation": validation.run(1 if args.quick else 3),
        "cycle": [cycle.facultativo_cycle(n, LATENCY) for n in sizes],
        "ordinary": [cycle.ordinary_cycle(n, LATENCY) for n in sizes],
        "naive": [cycle.naive_cycle(n, LATENCY) for n in naive_sizes],
        "email": email.run(200 if args.quick else 1000),
        "web": web.run(300 if args.quick else 2000),
    }
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    print(f"\n(figures also in {args.out})")


def table(r: dict) -> str:
    v = r["validation"]
    lines = [
        f"Machine: {r['machine']}",
        "",
        f"Validation (every golden constancia, {v['files']} files)",
        "| path | median ms | p95 ms | per second |",
        "|---|---|---|---|",
    ]
    rows = [
        ("facultativo validate (pdfium + parser + rules), 1 core", v["validate"]),
        ("same with the pdfplumber backend, 1 core", v["validate_pdfplumber_backend"]),
        ("floor: pdfplumber extract_text only", v["floor_pdfplumber_text"]),
        ("floor: pypdfium2 get_text_range only", v["floor_pdfium_text"]),
    ]
    for name, s in rows:
        lines.append(f"| {name} | {s['median_ms']} | {s['p95_ms']} | {s['per_second_one_core']} |")
    a = v["all_cores"]
    lines.append(
        f"| isolated worker pool, {a['workers']} workers (all cores) | | | {a['per_second']} |"
    )
    lines.append(
        f"\nvalidate / pdfium floor = {v['ratio_to_pdfium_floor']}×; "
        f"validate / pdfplumber floor = {v['ratio_to_pdfplumber_floor']}×"
    )
    lines += [
        "",
        f"Cycle (fake Google API, {int(LATENCY * 1000)} ms latency per call, 20% new rows)",
        "| rows | new | Sheets calls (R+W) | Drive calls | wall s | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for c in r["cycle"]:
        lines.append(
            f"| {c['rows']:,} | {c['new_rows']:,} | {c['sheets_calls']} "
            f"({c['sheets_reads']}+{c['sheets_writes']}) | {c['drive_calls']:,} | "
            f"{c['wall_s']} | {c['peak_rss_mb']} |"
        )
    for c in r["naive"]:
        lines.append(
            f"| {c['rows']:,} naive row-by-row | {int(c['rows'] * 0.2):,} | "
            f"{c['sheets_calls']:,} | {c['drive_calls']:,} | {c['wall_s']} | |"
        )
    lines += [
        "",
        "Ordinary cycle (the block exists, 20 answers arrived since the last cycle)",
        "| rows | new | Sheets calls (R+W) | wall s |",
        "|---|---|---|---|",
    ]
    for c in r.get("ordinary", []):
        lines.append(
            f"| {c['rows']:,} | {c['new_rows']:,} | {c['sheets_calls']} "
            f"({c['sheets_reads']}+{c['sheets_writes']}) | {c['wall_s']} |"
        )
    e = r["email"]
    lines += [
        "",
        f"Email: {e['per_second']} messages/s over one SMTP connection "
        f"({e['messages']} messages, loopback aiosmtpd)",
        "",
        web.table(r["web"]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
