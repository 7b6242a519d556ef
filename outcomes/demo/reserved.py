"""The reserved tender of the demo (Procurement Act 2023, sections 32 and 33). A placeholder: the
reserved contracts part fills it."""

from __future__ import annotations

from members.demo import MembersDemo


def seed(demo: MembersDemo) -> None:
    return None
