"""The parsing child of etl.ingest.sandbox: read (target, args) jobs from stdin, answer on stdout.

It caps its own address space first, so a hostile file cannot take more than the limit.
"""

from __future__ import annotations

import importlib
import os
import resource
import sys

from etl.core import settings
from etl.ingest.sandbox import receive, send


def main() -> None:
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for module in sys.argv[2:]:  # modules the first job will need, imported before it arrives
        try:
            importlib.import_module(module)
        except Exception:  # the job itself reports what is wrong
            continue
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            job = receive(stdin)
        except EOFError:
            return  # the parent is gone or done
        assert isinstance(job, tuple)
        (module, name), args, env = job
        for setting in settings.SETTINGS:  # the settings of the process that asked
            os.environ.pop(setting, None)
        os.environ.update(env)
        try:
            result = ("ok", getattr(importlib.import_module(module), name)(*args))
        except MemoryError:
            result = ("error", "MemoryError")
        except Exception as exc:
            result = ("error", type(exc).__name__)
        send(stdout, result)


if __name__ == "__main__":
    main()
