"""The domain error's one mapping to HTTP (403 for a refused person, 409 for a write the object's
state refuses, 400 for refused input), which the API's exception handler answers with (the
permission matrix checks it route by route), and how a page shows a refusal; and the services'
shared input cleaners (consortium/cleaning.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from consortium.cleaning import clean_decimal, clean_percent, clean_reason
from consortium.errors import (
    Conflict,
    DomainError,
    Forbidden,
    http_status,
    refuse_if_forbidden,
    require,
)

# --- statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("error", "status"), [
    (Forbidden("no"), 403),
    (DomainError("no", code="forbidden"), 403),
    (Conflict("no", code="transition"), 409),
    (DomainError("no", code="not_editable"), 409),
    (DomainError("no", code="busy"), 409),
    (DomainError("no", code="sealed"), 409),
    (DomainError("no", code="marked"), 409),
    (DomainError("no", code="in_use"), 409),
    (DomainError("no", code="standstill"), 409),
    (DomainError("no"), 400),
    (DomainError("no", field="rate", code="not_ready"), 400),
])
def test_each_kind_of_domain_error_has_one_status(error, status):
    assert http_status(error) == status


def test_a_conflict_needs_a_conflict_code():
    with pytest.raises(ValueError):
        Conflict("no", code="invalid")


def test_require_refuses_the_person_unless_allowed():
    require(True, "never shown")
    with pytest.raises(Forbidden, match="Only coordinators"):
        require(False, "Only coordinators can do this.")


def test_a_page_shows_a_refused_person_the_403_and_other_errors_beside_the_form():
    with pytest.raises(PermissionDenied):
        refuse_if_forbidden(Forbidden("no"))
    refuse_if_forbidden(DomainError("no", field="rate"))  # shown beside the field: not raised
    refuse_if_forbidden(Conflict("no", code="transition"))


# --- cleaners ------------------------------------------------------------------------------------


def test_clean_decimal_takes_numbers_and_refuses_the_rest_naming_the_field():
    assert clean_decimal(" 21.50 ", field="rate", what="The rate") == Decimal("21.50")
    assert clean_decimal(3, field="rate", what="The rate") == Decimal(3)
    for bad in ("abc", None, True, "NaN", "Infinity", [1]):
        with pytest.raises(DomainError, match="The rate must be a number") as refused:
            clean_decimal(bad, field="rate", what="The rate")
        assert refused.value.field == "rate"


def test_clean_percent_keeps_to_its_range_and_two_places():
    assert clean_percent("62.5", field="p", what="The share") == Decimal("62.50")
    assert clean_percent(100, field="p", what="The share") == Decimal("100.00")
    with pytest.raises(DomainError, match="2 decimal places"):
        clean_percent("1.234", field="p", what="The share")
    with pytest.raises(DomainError, match="between 0 and 100"):
        clean_percent("101", field="p", what="The share")
    with pytest.raises(DomainError, match="between 10 and 100"):
        clean_percent("5", field="p", what="The share", low=Decimal(10))
    with pytest.raises(DomainError, match="less than 100"):
        clean_percent("100", field="p", what="The majority", below_100=True)
    assert clean_percent("99.99", field="p", what="The majority", below_100=True) == Decimal("99.99")


def test_clean_reason_strips_requires_and_limits():
    assert clean_reason("  because  ") == "because"
    assert clean_reason(None) == ""
    with pytest.raises(DomainError, match="Say why") as refused:
        clean_reason("  ", missing="Say why.")
    assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="Keep the reason to 10 characters"):
        clean_reason("x" * 11, max_length=10)
    with pytest.raises(DomainError, match="Bid A: keep the reason to 10 characters"):
        clean_reason("x" * 11, max_length=10, about="Bid A")
