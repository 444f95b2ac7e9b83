"""The parse pool: a fixed number of child processes, first come first served, a per-owner limit,
a visible place in line, and a time limit that starts when a file's parsing starts."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator

import pytest

from etl.ingest import sandbox
from tests.pool_jobs import failed, nap

MEMORY = 1024 * 1024 * 1024


@pytest.fixture()
def one_worker() -> Iterator[sandbox.ParsePool]:
    pool = sandbox.ParsePool(workers=1, per_owner=2, memory=MEMORY)
    yield pool
    pool.close()


def run(pool: sandbox.ParsePool, tickets: list[sandbox.Ticket], progress=None) -> list:
    return pool.wait(tickets, progress, poll=0.05)


def test_files_are_parsed_in_arrival_order_by_one_reused_child(one_worker: sandbox.ParsePool) -> None:
    tickets = [one_worker.submit(f"session{i}", f"f{i}", nap, (0.2, f"f{i}"), failed) for i in range(5)]
    assert [one_worker.ahead(t) for t in tickets][1:] == [1, 2, 3, 4]
    results = run(one_worker, tickets)
    assert [r[0] for r in results] == [f"f{i}" for i in range(5)]
    starts = [r[1] for r in results]
    assert starts == sorted(starts)
    assert all(b[1] >= a[2] for a, b in itertools.pairwise(results))  # one after the other
    assert len({r[3] for r in results}) == 1  # one child process for all of them


def test_no_more_children_than_workers_for_twenty_callers() -> None:
    pool = sandbox.ParsePool(workers=2, per_owner=3, memory=MEMORY)
    seen: set[int] = set()
    most = 0
    results: list = []

    def caller(i: int) -> None:
        results.append(run(pool, [pool.submit(f"s{i}", "x", nap, (0.1, str(i)), failed)])[0])

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        children = pool.children()
        seen.update(children)
        most = max(most, len(children))
        threads[0].join(0.02)
    pool.close()
    assert len(results) == 20 and all(r[0] != "failed" for r in results)
    assert most <= 2 and len({r[3] for r in results}) <= 2


def test_one_owner_cannot_hold_the_queue(one_worker: sandbox.ParsePool) -> None:
    many = [one_worker.submit("busy", f"a{i}", nap, (0.2, f"a{i}"), failed) for i in range(5)]
    late = one_worker.submit("other", "b", nap, (0.2, "b"), failed)
    # only two of the busy owner's files stand in line; the other owner's file comes right after them
    assert [t.state for t in many].count("waiting") == 3
    assert one_worker.ahead(late) == 2
    assert one_worker.ahead(many[4]) == 5  # joins behind the queue as its earlier files finish
    order = [r[0] for r in sorted(run(one_worker, [*many, late]), key=lambda r: r[1])]
    assert order.index("b") < order.index("a2")


@pytest.mark.serial  # 0.8 s jobs against a 1.5 s limit
def test_the_time_limit_counts_from_when_parsing_starts(
    one_worker: sandbox.ParsePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNION_KPI_PARSE_SECONDS", "1.5")
    quick = [one_worker.submit(f"s{i}", str(i), nap, (0.8, str(i)), failed) for i in range(3)]
    slow = one_worker.submit("s9", "slow", nap, (5, "slow"), failed)
    results = run(one_worker, [*quick, slow])
    assert [r[0] for r in results[:3]] == ["0", "1", "2"]  # 2.4 s in all, 0.8 s each: none over 1.5 s
    assert results[3] == ("failed", "解析超过 1.5 秒仍未完成")


def test_the_place_in_line_is_reported_as_it_changes(one_worker: sandbox.ParsePool) -> None:
    ahead = [one_worker.submit(f"s{i}", f"f{i}", nap, (0.3, f"f{i}"), failed) for i in range(3)]
    mine = [one_worker.submit("me", "我的文件.xlsx", nap, (0.1, "mine"), failed)]
    seen: list[sandbox.Progress] = []
    run(one_worker, mine, seen.append)
    waits = [p.ahead for p in seen if p.parsing is None]
    assert waits[0] == 3 and waits == sorted(waits, reverse=True)
    assert any(p.parsing == "我的文件.xlsx" for p in seen)
    run(one_worker, ahead)


def test_a_rerun_keeps_its_place(one_worker: sandbox.ParsePool) -> None:
    first = one_worker.submit("me", "a", nap, (0.1, "a"), failed, key="sha|hints")
    again = one_worker.submit("me", "a", nap, (0.1, "a"), failed, key="sha|hints")
    assert again is first
    other = one_worker.submit("you", "a", nap, (0.1, "a"), failed, key="sha|hints")
    assert other is not first
    run(one_worker, [first, other])
    fresh = one_worker.submit("me", "a", nap, (0.1, "a"), failed, key="sha|hints")
    assert fresh is not first  # collected results are not handed out twice
    run(one_worker, [fresh])


def test_a_crashed_child_fails_its_file_and_the_next_one_gets_a_new_child(
    one_worker: sandbox.ParsePool,
) -> None:
    first = one_worker.submit("s", "a", nap, (0.1, "a"), failed)
    (_, _, _, pid) = run(one_worker, [first])[0]
    os.kill(pid, 9)
    crashed = one_worker.submit("s", "b", nap, (0.1, "b"), failed)
    assert run(one_worker, [crashed])[0] == ("failed", "解析进程异常退出（多为内存超出限制）")
    after = run(one_worker, [one_worker.submit("s", "c", nap, (0.1, "c"), failed)])[0]
    assert after[0] == "c" and after[3] != pid


@pytest.mark.serial  # a 0.5 s abandonment limit against 0.05 s polls
def test_a_waiting_caller_keeps_its_files_and_a_gone_one_loses_them(
    one_worker: sandbox.ParsePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "ABANDONED_SECONDS", 0.5)
    first = one_worker.submit("a", "a", nap, (1.0, "a"), failed)
    waited = one_worker.submit("b", "b", nap, (0.1, "b"), failed)  # waits 1 s, asking all along
    forgotten = one_worker.submit("c", "c", nap, (0.1, "c"), failed)  # nobody asks after it
    other_caller = threading.Thread(target=run, args=(one_worker, [first]))
    other_caller.start()
    assert run(one_worker, [waited])[0][0] == "b"
    other_caller.join()
    forgotten.done.wait(5)
    assert forgotten.result == ("failed", "等待解析时已无人等待结果")


def test_the_upload_page_says_the_place_in_line() -> None:
    from dashboard.upload_view import queue_text

    assert queue_text(sandbox.Progress(3, None, 0, 1), "zh") == "排队中：前面还有 3 个文件"
    assert queue_text(sandbox.Progress(0, "甲.xlsx", 0, 2), "zh") == "正在解析「甲.xlsx」……"
    assert queue_text(sandbox.Progress(1, None, 0, 1), "en") == "Queued; files ahead of yours: 1"
