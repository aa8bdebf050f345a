"""The one domain error type. Pages and the API turn it into messages; tests assert its codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuardFailure:
    """One unmet condition: a stable code, a message in the user's language, the statutory
    basis, and the input field it concerns (if any) so a form can show it beside that field."""

    code: str
    message: str
    basis: str = ""
    field: str | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "basis": self.basis, "field": self.field}


class CaseworkError(Exception):
    code = "error"

    def __init__(self, message: str, *, guards: list[GuardFailure] | None = None, fields: dict | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.guards = list(guards or [])
        self.fields = dict(fields or {})

    @property
    def guard_codes(self) -> list[str]:
        return [guard.code for guard in self.guards]


class GuardsFailed(CaseworkError):
    """The law does not allow this step now; every failed condition is listed."""

    code = "guard_failed"


class NotAllowed(CaseworkError):
    """The actor's role or squad does not allow this action."""

    code = "forbidden"


class ConcurrentChange(CaseworkError):
    """Someone else changed the case after it was loaded; reload and try again."""

    code = "conflict"


class InvalidInput(CaseworkError):
    """Submitted data is malformed; `fields` maps field names to messages."""

    code = "invalid"
