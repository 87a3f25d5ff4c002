"""Where an audited action came from: set per request by middleware, read by audit_record()."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "annex_request_context", default=RequestContext()  # noqa: B039 - frozen dataclass
)


def current() -> RequestContext:
    return _current.get()


def bind(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
