"""Run a coroutine to completion from synchronous code, even when this thread already runs an event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, or — when called under a running loop (ASGI, Playwright's sync API) — the same in a worker thread.

    pyHanko's signing and validation are coroutines; our services are synchronous Django code that may be called from
    a thread that already has a running loop, where `asyncio.run` refuses to start.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
