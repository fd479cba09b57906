"""Domain errors: one small hierarchy, mapped once to HTTP status codes and CLI exit codes.

::

    SkyaccordError
    ├── ValidationError        422  exit 2   bad input: names the field and the reason
    ├── AuthenticationError    401  exit 3   missing, wrong, expired or revoked token
    ├── PermissionDenied       403  exit 3   authenticated, but not allowed
    ├── NotFound               404  exit 4   no such resource (or not visible to the caller)
    ├── ConflictError          409  exit 5   the request contradicts the current state
    │   ├── VersionMismatch              stale version of the caller's own object
    │   ├── MissingKeys                  overlapping intents not acknowledged (F3548 key rule)
    │   └── InvalidTransition            state change not allowed from the current state
    ├── RateLimited            429  exit 6
    └── Unavailable            503  exit 7   a part of the service is not running
        └── StoreError                   the store is unavailable or contended beyond retries

Foreign errors (drivers, parsers) are translated where they are caught and re-raised ``from``
the cause, so no driver type ever crosses a layer boundary.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SkyaccordError(Exception):
    """Base of every error skyaccord raises on purpose."""

    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The error as the wire shows it: ``{"error": code, "message": ..., **details}``."""
        return {"error": self.code, "message": self.message, **self.details}


class ValidationError(SkyaccordError):
    """Input rejected whole; ``field`` is a dotted path into the input, ``reason`` says why."""

    http_status = 422
    exit_code = 2
    code = "invalid"

    def __init__(self, field: str, reason: str, **details: Any) -> None:
        super().__init__(f"{field}: {reason}", field=field, reason=reason, **details)
        self.field = field
        self.reason = reason

    def prefixed(self, prefix: str) -> ValidationError:
        """The same error with ``prefix.`` in front of its field path."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        extra = {k: v for k, v in self.details.items() if k not in ("field", "reason")}
        return ValidationError(field, self.reason, **extra)


class AuthenticationError(SkyaccordError):
    http_status = 401
    exit_code = 3
    code = "unauthenticated"


class PermissionDenied(SkyaccordError):
    http_status = 403
    exit_code = 3
    code = "forbidden"


class NotFound(SkyaccordError):
    http_status = 404
    exit_code = 4
    code = "not_found"


class ConflictError(SkyaccordError):
    http_status = 409
    exit_code = 5
    code = "conflict"


class VersionMismatch(ConflictError):
    code = "version_mismatch"


class MissingKeys(ConflictError):
    """The filer did not present the current version (OVN) of every overlapping intent."""

    code = "missing_operational_intents"

    def __init__(self, missing: list[dict[str, Any]]) -> None:
        ids = ", ".join(m["id"] for m in missing)
        super().__init__(
            f"key: the current version of {len(missing)} overlapping operational intent(s) "
            f"of other parties was not presented: {ids}",
            missing=missing,
        )
        self.missing = missing


class InvalidTransition(ConflictError):
    code = "invalid_transition"


class RateLimited(SkyaccordError):
    http_status = 429
    exit_code = 6
    code = "rate_limited"


class Unavailable(SkyaccordError):
    http_status = 503
    exit_code = 7
    code = "unavailable"


class StoreError(Unavailable):
    code = "store_unavailable"


ALL_ERRORS: tuple[type[SkyaccordError], ...] = (
    SkyaccordError,
    ValidationError,
    AuthenticationError,
    PermissionDenied,
    NotFound,
    ConflictError,
    VersionMismatch,
    MissingKeys,
    InvalidTransition,
    RateLimited,
    Unavailable,
    StoreError,
)
