"""Subprocess harness for the zone-channel crash tests (test_channel_http_crash.py): a real portal server and a
real office, each its own process on a shared test database, with hooks that freeze a process at a chosen point
so the test can kill -9 it there.

    python -m madoguchi.casework.tests.channel_harness serve PORT      (MADOGUCHI_ZONE=portal)
    python -m madoguchi.casework.tests.channel_harness seed N PREFIX   (portal: N counter applications)
    python -m madoguchi.casework.tests.channel_harness pull            (MADOGUCHI_ZONE=office: the pull command)
    python -m madoguchi.casework.tests.channel_harness drain           (office: the channel_drain command)

Freeze points (environment): HARNESS_FREEZE_AFTER_ITEMS=N (office pull: after N items are committed),
HARNESS_FREEZE_AFTER_PUSHES=N (office drain: after the portal answered the Nth push, before it is marked),
HARNESS_PORTAL_FREEZE=submissions|status:N (portal: mid-request — in the submissions answer, or after the Nth
status push committed, before answering). A frozen process writes HARNESS_MARKER and sleeps until killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from madoguchi.intake.tests.channel_seed import seed_counter_applications


def _freeze() -> None:
    Path(os.environ["HARNESS_MARKER"]).write_text(str(os.getpid()))
    while True:
        time.sleep(60)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
    django.setup()


def serve(port: int) -> None:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application

    _setup()
    from madoguchi.intake import internal, internal_api

    freeze = os.environ.get("HARNESS_PORTAL_FREEZE", "")
    if freeze == "submissions":
        original_feed = internal.submission_events_after

        def frozen_feed(*args: Any, **kwargs: Any) -> Any:
            original_feed(*args, **kwargs)
            _freeze()

        internal_api.internal.submission_events_after = frozen_feed  # type: ignore[attr-defined]
    elif freeze.startswith("status:"):
        after = int(freeze.split(":")[1])
        original_push = internal.receive_status_push
        seen = {"n": 0}

        def frozen_push(**kwargs: Any) -> Any:
            answer = original_push(**kwargs)  # committed
            seen["n"] += 1
            if seen["n"] >= after:
                _freeze()
            return answer

        internal.receive_status_push = frozen_push  # type: ignore[assignment]

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", port, get_wsgi_application(), handler_class=QuietHandler)
    Path(os.environ["HARNESS_READY"]).write_text(str(os.getpid()))
    server.serve_forever()


def pull() -> None:
    _setup()
    from django.core.management import call_command

    from madoguchi.casework import services

    after = int(os.environ.get("HARNESS_FREEZE_AFTER_ITEMS", "0"))
    if after:
        original = services.apply_submission_item
        done = {"n": 0}

        def counting(*args: Any, **kwargs: Any) -> str:
            outcome = original(*args, **kwargs)  # committed with its cursor
            done["n"] += 1
            if done["n"] >= after:
                _freeze()
            return outcome

        services.apply_submission_item = counting  # type: ignore[assignment]
    call_command("pull_submissions", limit=int(os.environ.get("HARNESS_LIMIT", "5")))


def drain() -> None:
    _setup()
    from django.core.management import call_command

    from madoguchi.casework import http_channel

    after = int(os.environ.get("HARNESS_FREEZE_AFTER_PUSHES", "0"))
    if after:
        original = http_channel.PortalClient.request
        done = {"n": 0}

        def counting(self: Any, method: str, path: str, **kwargs: Any) -> Any:
            answer = original(self, method, path, **kwargs)
            if path.endswith("/status-events"):
                done["n"] += 1
                if done["n"] >= after:
                    _freeze()  # the portal applied it; the office has not marked it delivered
            return answer

        http_channel.PortalClient.request = counting  # type: ignore[method-assign]
    call_command("channel_drain")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "serve":
        serve(int(args[0]))
    elif command == "seed":
        _setup()
        seed_counter_applications(int(args[0]), args[1])
    elif command == "pull":
        pull()
    elif command == "drain":
        drain()
    else:
        raise SystemExit(f"unknown command {command}")
