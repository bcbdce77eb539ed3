"""killed/total per module from `mutmut results --all true`, and whether each reaches the
target (percent, the first argument). Timeouts count as killed: the mutant hung the code."""

from __future__ import annotations

import re
import sys
from collections import Counter

LINE = re.compile(r"^\s*(?P<name>\S+)__mutmut_\d+: (?P<status>.+?)\s*$")
KILLED = {"killed", "timeout"}


def module(name: str) -> str:
    parts = name.split(".")
    for i, part in enumerate(parts):
        if part.startswith(("x_", "xǁ")):
            return ".".join(parts[:i])
    return name.rsplit(".", 1)[0]


def main() -> int:
    target = float(sys.argv[1]) if len(sys.argv) > 1 else 85.0
    total: Counter[str] = Counter()
    killed: Counter[str] = Counter()
    survivors: list[str] = []
    for line in sys.stdin:
        found = LINE.match(line)
        if not found:
            continue
        where = module(found["name"])
        total[where] += 1
        if found["status"] in KILLED:
            killed[where] += 1
        else:
            survivors.append(f"{found['name']} ({found['status']})")
    below = []
    print("| module | killed | total | % |\n|---|---|---|---|")
    for where in sorted(total):
        share = 100 * killed[where] / total[where]
        print(f"| {where} | {killed[where]} | {total[where]} | {share:.0f} |")
        if share < target:
            below.append(where)
    all_killed, everything = sum(killed.values()), sum(total.values())
    print(f"\nall: {all_killed}/{everything} ({100 * all_killed / max(everything, 1):.0f} %)")
    if survivors:
        print("\nsurvivors (`mutmut show <name>` in the scratch folder shows each):")
        print("\n".join(f"- {s}" for s in survivors))
    if below:
        print(f"\nbelow {target:g} %: {', '.join(below)}")
    return 1 if below or not everything else 0


if __name__ == "__main__":
    sys.exit(main())
