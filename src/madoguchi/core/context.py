"""Per-request context (request id) that services and selectors attach to audit and access rows."""

from __future__ import annotations

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("madoguchi_request_id", default="")


def current_request_id() -> str:
    """The id of the request being served ('' outside a request, e.g. in a management command)."""
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token[str]:
    """Bind a request id (a fresh one when not given) to the current context."""
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)
