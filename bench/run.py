"""The benchmark: python bench/run.py [--quick]  (run from the repository root).

Generates its own data (bench/data.py, cached under bench/.cache/), measures every figure of
issue 12 several times, prints `name: value` (medians) and writes bench/RESULTS.md with the
machine's details. --quick uses a smaller national organisation and fewer repetitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import data, ingest, pages  # noqa: E402

NOTES = {
    "overview_national_cold_s": "first query after opening",
    "unit_drilldown_national_s": "the slower of the biggest province and one grassroots union",
}


def in_child(group: str, db: Path, repeats: int, timeout: float, memory_gb: float) -> dict[str, list[float]]:
    """A group of measurements in a child process, limited in time and memory."""
    import json
    import resource

    def limit() -> None:
        if memory_gb:  # 0: no limit (kaleido's Chromium reserves far more address space than it uses)
            size = int(memory_gb * 1024**3)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", group, str(db), str(repeats)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_group(results: Results, group: str, db: Path, repeats: int, timeout: float, memory_gb: float) -> dict:
    """The group's samples, or {} with every figure recorded as not finished (and why)."""
    try:
        return in_child(group, db, repeats, timeout, memory_gb)
    except Exception as exc:  # timeout, memory limit, a crash: say so in the results
        stderr = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else ""
        lines = [
            line for line in (stderr or "").splitlines() if line.strip() and "ScriptRunContext" not in line
        ]
        last = lines[-1] if lines else ""
        cause = f"{type(exc).__name__}: {last[:160]}" if last else type(exc).__name__
        memory = f"{memory_gb:g} GB" if memory_gb else "no memory limit"
        reason = f"did not finish ({cause}; limits {timeout:.0f} s, {memory})"
        print(f"{group}: {reason}", flush=True)
        results.failed[group] = reason
        return {}


GOALS = {
    "etl_vs_raw_parse_ratio": "≤ 1.5",
    "new_units_vs_raw_parse_ratio": "≤ 2",
    "speedup_vs_pandas_openpyxl": "≥ 10",
    "overview_national_s": "≤ 1",
    "overview_vs_raw_ratio": "≤ 3",
    "overview_national_cold_s": "≤ 3",
    "unit_drilldown_national_s": "≤ 0.3",
    "page_p95_federation_ms": "≤ 200",
    "page_p95_national_ms": "≤ 1000",
    "upload_20mb_peak_rss_mb": "≤ 1024",
    "report_export_s": "≤ 5 (short report)",
    "report_short_s": "≤ 5",
    "report_full_s": "≤ 12 (with slides)",
}


class Results:
    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.notes: dict[str, str] = {}
        self.failed: dict[str, str] = {}

    def record(self, name: str, samples: list[float], note: str = "") -> None:
        value = statistics.median(samples)
        self.values[name] = value
        runs = f"{len(samples)} run{'s' if len(samples) > 1 else ''}"
        self.notes[name] = "; ".join(x for x in (note, runs) if x)
        print(f"{name}: {value:.3f}", flush=True)

    def missing(self, name: str, group: str) -> None:
        self.values[name] = float("nan")
        self.notes[name] = self.failed.get(group, "not measured")
        print(f"{name}: nan", flush=True)

    def ratio(self, name: str, top: str, bottom: str) -> None:
        if top in self.values and bottom in self.values:
            self.record(name, [self.values[top] / self.values[bottom]], f"{top} / {bottom}")


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        **{
            p: version(p)
            for p in ("duckdb", "pandas", "pyarrow", "fastexcel", "python-calamine", "streamlit", "openpyxl")
        },
    }


def _earlier_rows(path: Path, mode: str, measured: set[str]) -> list[str]:
    """Rows of the last RESULTS.md of the same mode for figures this run did not measure
    (`--skip` runs one group again without losing the others)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if f"— {mode} run" not in text:
        return []
    rows = []
    for line in text.splitlines():
        if line.startswith("| `") and line.split("`")[1] not in measured:
            rows.append(line if "earlier run" in line else line.rstrip(" |") + " (earlier run) |")
    return rows


def write_results(
    results: Results, details: dict[str, str], mode: str, scales: dict[str, str], seconds: float
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"`python bench/run.py{' --quick' if mode == 'quick' else ''}` — {mode} run, "
        f"{seconds / 60:.1f} minutes. "
        "Medians of the runs shown; see bench/README.md for what each figure measures.",
        "",
        "| figure | value | goal | notes |",
        "|---|---:|---|---|",
    ]
    path = ROOT / "bench" / "RESULTS.md"
    earlier = _earlier_rows(path, mode, set(results.values))
    if earlier:
        lines[2] += " Rows marked (earlier run) come from the previous run of the same mode."
    lines += earlier
    for name, value in results.values.items():
        shown = "—" if value != value else f"{value:,.3f}"
        lines.append(f"| `{name}` | {shown} | {GOALS.get(name, '')} | {results.notes.get(name, '')} |")
    if results.failed:
        lines += ["", "## Not finished", ""] + [f"- {g}: {why}" for g, why in results.failed.items()]
    lines += ["", "## Data", ""] + [f"- {k}: {v}" for k, v in scales.items()]
    lines += ["", "## Machine", ""] + [f"- {k}: {v}" for k, v in details.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller national data, fewer runs (< 8 minutes)"
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["ingest", "queries", "pages", "report"])
    args = parser.parse_args()
    started = time.perf_counter()
    details = machine()
    national = replace(data.NATIONAL, grassroots=56_000, events=100_000) if args.quick else data.NATIONAL
    repeats = 2 if args.quick else 3
    results = Results()
    scales = {
        "national": f"{national.grassroots:,} grassroots unions in {national.provinces} provinces, "
        f"{national.provinces * national.cities_per_province} cities; {len(national.years) * 4} quarters; "
        f"{national.events:,} welfare and activity events",
        "federation": f"{data.FEDERATION.grassroots:,} units, {len(data.FEDERATION.years)} years",
        "workbooks": "membership, 200,000 rows (and 300,000 rows ≈ 20 MB), one province, with 上级工会",
    }
    if "ingest" not in args.skip:
        ingest.measure(repeats, 1, results.record)
        results.ratio("etl_vs_raw_parse_ratio", "etl_xlsx_200k_s", "raw_parse_200k_s")
        results.ratio("new_units_vs_raw_parse_ratio", "etl_xlsx_200k_new_units_s", "raw_parse_200k_s")
        results.ratio("speedup_vs_pandas_openpyxl", "pandas_openpyxl_200k_s", "etl_xlsx_200k_s")
        results.ratio("etl_vs_raw_parse_cpu_ratio", "etl_xlsx_200k_cpu_s", "raw_parse_200k_cpu_s")
    national_db = data.cached_database(national, "national")
    federation_db = data.cached_database(data.FEDERATION, "federation")
    # --quick keeps to 8 minutes: each later group gets what is left (a group cut short says so)
    deadline = started + 7.5 * 60 if args.quick else float("inf")

    def limit(share: float, cap_minutes: float) -> float:
        return max(10.0, min(cap_minutes * 60, (deadline - time.perf_counter()) * share))

    if "queries" not in args.skip:
        found = run_group(results, "queries", national_db, repeats, limit(0.35, 30), 12)
        for name in (
            "overview_national_cold_s",
            "overview_national_s",
            "raw_aggregate_national_s",
            "unit_drilldown_national_s",
        ):
            if name in found:
                results.record(name, found[name], NOTES.get(name, ""))
            else:
                results.missing(name, "queries")
        results.ratio("overview_vs_raw_ratio", "overview_national_s", "raw_aggregate_national_s")
    if "pages" not in args.skip:
        for label, db, runs, cap in (
            ("federation", federation_db, repeats, 10),
            ("national", national_db, 1, 15),
        ):
            found = run_group(results, "pages", db, runs, limit(0.4, cap), 12)
            name = f"page_p95_{label}_ms"
            if "page_ms" in found:
                results.record(
                    name, [pages.p95(found["page_ms"])], f"p95 of {len(found['page_ms'])} page runs"
                )
            else:
                results.missing(name, "pages")
    if "report" not in args.skip:
        found = run_group(results, "report", federation_db, repeats, limit(0.95, 10), 0)
        notes = {
            "report_short_s": "简版 (Word, slides, 6 charts), whole `python -m etl report` process, warm",
            "report_full_s": "完整版 with slides (every chart), whole process, warm",
            "report_short_cpu_s": "CPU seconds (user + sys) of the 简版 command and its children (Chromium)",
            "report_full_cpu_s": "CPU seconds (user + sys) of the 完整版 command and its children (Chromium)",
            "report_export_s": "= report_short_s",
        }
        for name, note in notes.items():
            if name in found:
                results.record(name, found[name], f"annual report 2025, federation scale; {note}")
            else:
                results.missing(name, "report")
    write_results(results, details, "quick" if args.quick else "full", scales, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
