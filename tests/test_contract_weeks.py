"""A contract's length in weeks and its value over them (contracts/weeks.py): the one rule by
which an award's value in open contracting data and the contract's own value are worked out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from contracts.weeks import contract_days, contract_value, contract_weeks, contract_weeks_shown

START, END = dt.date(2027, 4, 1), dt.date(2030, 3, 31)


def test_a_term_counts_its_first_and_last_days_and_keeps_its_part_week():
    assert contract_days(START, END) == 1096
    assert contract_days(START, START) == 1
    assert contract_weeks(START, END) == Decimal(1096) / 7
    assert contract_weeks_shown(START, END) == Decimal("156.57")
    assert contract_weeks(dt.date(2027, 4, 5), END) == 156  # 1,092 days: whole weeks


def test_the_value_is_rounded_once_at_the_end_to_the_penny():
    weekly = [(Decimal("26.50"), Decimal("100")), (Decimal("28.00"), Decimal("40"))]
    # (2,650 + 1,120) a week x 1,096 / 7 = 590,274.2857... -> 590,274.29
    assert contract_value(weekly, START, END) == Decimal("590274.29")
    # rounding the weeks first (156.57) would give 590,268.90: the rule never does
    assert contract_value(weekly, START, END) != (Decimal("3770") * contract_weeks_shown(START, END))
    assert contract_value([], START, END) == Decimal("0.00")
    # half a penny rounds up: £0.07 a week over 1 day is 0.01
    assert contract_value([(Decimal("0.07"), Decimal("0.5"))], START, START) == Decimal("0.01")
