"""Benchmark: 20 sessions upload a ~10 MB workbook at once while another user opens the overview.

Starts the real app (serve.py) over a copy of the demo database, opens 20 browser sessions
(headless system Chromium) that each upload the same valid 会员发展 workbook on 数据上传, and
meanwhile a 21st session reloads 总览 again and again, plus a health check every second. Prints:

- peak memory: the sum of the RSS of the server and all its child processes, sampled every 0.25 s;
- the reader's overview times (median, p95, max) and the health check's, during the uploads;
- how many uploads were read without errors, and how long all of them took.

    .venv/bin/python bench/concurrent_uploads.py                      # this checkout
    .venv/bin/python bench/concurrent_uploads.py --app-dir /tmp/orig  # another checkout (before/after)

The workbook and the database are made with this checkout's code, so both runs get the same
input. The run stops early (and says so) when the machine's available memory falls below
--min-free-gb: the old code started one parsing child per upload.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DONE_TEXTS = ("未发现错误", "处错误", "已拒绝")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def available_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


class Sampler(threading.Thread):
    """Peak of the summed RSS of the server and its children; most processes seen at once."""

    def __init__(self, pid: int, min_free_gb: float):
        super().__init__(daemon=True)
        self.pid, self.min_free_gb = pid, min_free_gb
        self.peak_kb = self.most_processes = 0
        self.low_memory = False
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = descendants(self.pid)
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in pids))
            self.most_processes = max(self.most_processes, len(pids))
            if available_gb() < self.min_free_gb:
                self.low_memory = True
            self.stop.wait(0.25)


class Health(threading.Thread):
    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.seconds = url, []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=120) as r:
                    r.read()
            except OSError:
                pass
            self.seconds.append(time.perf_counter() - started)
            self.stop.wait(1.0)


def summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "median": None, "p95": None, "max": None}
    p95 = statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) >= 2 else values[0]
    return {"n": len(values), "median": statistics.median(values), "p95": p95, "max": max(values)}


async def wait_for_app(page, timeout_ms: int) -> None:
    await page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    await page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   const s = a && a.getAttribute('data-test-script-state');
                   return s === 'notRunning' || s === 'compilationError'; }""",
        timeout=timeout_ms,
    )


async def upload(browser, url: str, workbook: Path, i: int, timeout_ms: int) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    started = time.perf_counter()
    try:
        await page.goto(f"{url}/upload", timeout=timeout_ms)
        await wait_for_app(page, timeout_ms)
        named = workbook.with_name(f"2025年第一季度会员发展_{i:02d}.xlsx")
        chooser = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
        await chooser.set_input_files(str(named), timeout=timeout_ms)
        done = page.locator('[data-testid="stMain"]').get_by_text(DONE_TEXTS[0])
        failed = page.locator('[data-testid="stMain"]').get_by_text(DONE_TEXTS[1])
        refused = page.locator('[data-testid="stMain"]').get_by_text(DONE_TEXTS[2])
        await done.or_(failed).or_(refused).first.wait_for(timeout=timeout_ms)
        ok = await done.count() > 0 and await failed.count() == 0
        text = "" if ok else (await page.locator('[data-testid="stMain"]').inner_text())[-400:]
        return {"i": i, "ok": ok, "seconds": time.perf_counter() - started, "detail": text}
    except Exception as exc:  # a timeout is a result here, not a crash of the benchmark
        return {"i": i, "ok": False, "seconds": time.perf_counter() - started, "detail": repr(exc)[:300]}
    finally:
        await context.close()


async def reader(
    browser, url: str, stop: asyncio.Event, seconds: list[float], when: list[float], timeout_ms: int
) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    while not stop.is_set():
        started = time.perf_counter()
        try:
            await page.goto(f"{url}/overview", timeout=timeout_ms)
            await wait_for_app(page, timeout_ms)
            await page.locator('[data-testid="stMetric"]').first.wait_for(timeout=timeout_ms)
            seconds.append(time.perf_counter() - started)
        except Exception:
            seconds.append(time.perf_counter() - started)  # a timed-out read counts as its full time
        when.append(started)
        await asyncio.sleep(0.5)
    await context.close()


async def drive(url: str, workbook: Path, uploads: int, timeout_ms: int, sampler: Sampler) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        warm = await browser.new_page()  # the server's first run (caches) is not part of the test
        await warm.goto(f"{url}/overview")
        await wait_for_app(warm, timeout_ms)
        await warm.close()
        stop = asyncio.Event()
        read: list[float] = []
        when: list[float] = []
        started = time.perf_counter()
        reading = asyncio.create_task(reader(browser, url, stop, read, when, timeout_ms))
        tasks = [asyncio.create_task(upload(browser, url, workbook, i, timeout_ms)) for i in range(uploads)]
        while not all(t.done() for t in tasks):
            if sampler.low_memory:
                for t in tasks:
                    t.cancel()
                break
            await asyncio.sleep(0.5)
        results = [t.result() for t in tasks if t.done() and not t.cancelled()]
        elapsed = time.perf_counter() - started
        stop.set()
        await reading
        await browser.close()
    slowest = sorted(zip(read, (w - started for w in when), strict=True), reverse=True)[:3]
    return {"uploads": results, "elapsed": elapsed, "reader": read, "slowest": slowest}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="checkout whose serve.py is served")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--rows", type=int, default=32_000, help="units in the workbook (32,000 ≈ 9.3 MB)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds an upload may take")
    parser.add_argument("--min-free-gb", type=float, default=3.0, help="stop when less memory is left")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (server log, files)")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server on the way out

    from etl.demo import build_demo
    from tests.sheets import large_membership_xlsx

    work = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    db = build_demo(db=work / "bench.duckdb")
    workbook = work / "workbook.xlsx"
    workbook.write_bytes(large_membership_xlsx(args.rows))
    for i in range(args.uploads):
        shutil.copyfile(workbook, workbook.with_name(f"2025年第一季度会员发展_{i:02d}.xlsx"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "UNION_KPI_DB": str(db), "PYTHONUNBUFFERED": "1"}
    log = open(work / "server.log", "wb")  # noqa: SIM115  (open for the server's whole life)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=args.app_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        sampler, health = Sampler(server.pid, args.min_free_gb), Health(url)
        sampler.start()
        health.start()
        outcome = asyncio.run(drive(url, workbook, args.uploads, int(args.timeout * 1000), sampler))
        sampler.stop.set()
        health.stop.set()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()

    ok = sum(1 for u in outcome["uploads"] if u["ok"])
    figures = {
        "app_dir": str(args.app_dir),
        "workbook_mb": round(workbook.stat().st_size / 1e6, 1),
        "uploads": args.uploads,
        "uploads_ok": ok,
        "stopped_for_low_memory": sampler.low_memory,
        "all_uploads_seconds": round(outcome["elapsed"], 1),
        "peak_rss_mb": round(sampler.peak_kb / 1024),
        "most_processes": sampler.most_processes,
        "reader_overview_seconds": {
            k: v if not isinstance(v, float) else round(v, 2) for k, v in summary(outcome["reader"]).items()
        },
        "reader_slowest_at": [f"{s:.1f} s, starting {t:.0f} s into the run" for s, t in outcome["slowest"]],
        "health_seconds": {
            k: v if not isinstance(v, float) else round(v, 2) for k, v in summary(health.seconds).items()
        },
        "failed_uploads": [u for u in outcome["uploads"] if not u["ok"]][:5],
    }
    if args.keep:
        figures["work_dir"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0 if ok == args.uploads else 1


if __name__ == "__main__":
    sys.exit(main())
