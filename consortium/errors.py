"""The one domain error type. Services raise it; web views and the API map it once."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused a change. ``message`` is written for the person acting.

    ``field`` names the input the message is about, where there is one, so that a form or
    an API response can show it beside that field.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [str(self.message)]}
