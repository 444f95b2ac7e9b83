"""One group of in-process measurements, run by bench/run.py in a child process with a time
and memory limit (a query that would take the machine's memory fails alone, and says so).

python -m bench.worker GROUP DB REPEATS  ->  prints {"name": [samples], ...} as JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from bench import pages, queries


def main() -> None:
    group, db, repeats = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare-mode warnings of AppTest
    out: dict[str, list[float]] = {}

    def record(name: str, samples: list[float], note: str = "") -> None:
        out[name] = samples

    if group == "queries":
        queries.measure(db, repeats, record)
    elif group == "pages":
        record("page_ms", pages.page_times(db, repeats))
    elif group == "report":
        for name, samples in pages.report_times(db, repeats).items():
            record(name, samples)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
