"""`make bench`: runs each benchmark module in turn and ends with a summary table.

Protocol of a module (`python -m tests.bench.bench_X`): it prints its human lines and one
line per figure, `BENCH_RESULT {json}` with the keys figure, value, unit, target, ok. This
runner echoes the human lines as they come and builds the table from the BENCH_RESULT
lines. It exits non-zero when a module fails or a figure misses its target.

BENCH_ONLY=billing,pages runs a subset (module names without `bench_`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PREFIX = "BENCH_RESULT "
# The month-end run builds the database the pages benchmark then reads; the others after.
ORDER = ["billing", "pages", "sync"]


def modules() -> list[str]:
    found = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    ordered = [m for m in ORDER if m in found] + [m for m in found if m not in ORDER]
    only = {m.strip() for m in os.environ.get("BENCH_ONLY", "").split(",") if m.strip()}
    if only:
        unknown = only - set(found)
        if unknown:
            sys.exit(f"bench: BENCH_ONLY names unknown modules: {', '.join(sorted(unknown))}")
        ordered = [m for m in ordered if m in only]
    return ordered


def run_module(name: str) -> tuple[int, list[dict], float]:
    print(f"== bench_{name}", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", f"tests.bench.bench_{name}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    results: list[dict] = []
    for line in proc.stdout:
        if line.startswith(PREFIX):
            try:
                results.append(json.loads(line[len(PREFIX) :]))
            except ValueError:
                print(f"bench: bad result line from bench_{name}: {line.strip()}", flush=True)
            continue
        print(line, end="", flush=True)
    code = proc.wait()
    return code, results, time.perf_counter() - started


def table(rows: list[tuple[str, dict]]) -> str:
    header = ("module", "figure", "value", "unit", "target", "ok")
    lines = [header] + [
        (
            module,
            str(r.get("figure", "?")),
            str(r.get("value", "?")),
            str(r.get("unit", "")),
            str(r.get("target", "")),
            "yes" if r.get("ok") else "NO",
        )
        for module, r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [
        " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print(
            "make bench needs PostgreSQL: set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/eset_platform make bench\n"
            "(the benchmarks build their own database, BENCH_DATABASE, on that server)",
            file=sys.stderr,
        )
        return 2
    rows: list[tuple[str, dict]] = []
    failed: list[str] = []
    for name in modules():
        code, results, seconds = run_module(name)
        print(f"== bench_{name}: {'ok' if code == 0 else f'exit {code}'} in {seconds:.0f} s")
        if code:
            failed.append(name)
        rows += [(name, r) for r in results]
    print()
    print(table(rows) if rows else "no figures")
    missed = [f"{m}: {r.get('figure')}" for m, r in rows if not r.get("ok")]
    if failed:
        print(f"\nmodules that failed: {', '.join(failed)}")
    if missed:
        print(f"figures short of target: {'; '.join(missed)}")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
