"""Translation helpers that Django does not give ready-made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import lazy


def _interpolate(message: Any, params: Mapping[str, Any]) -> str:
    return str(message) % params


# ``gettext_lazy("... %(n)s ...") % {...}`` translates at once, in the language active at import
# time (for a class attribute: the default language, for everybody). This keeps the text lazy:
# it is translated, then filled in, each time it is read, in the reader's language.
interpolate_lazy = lazy(_interpolate, str)
