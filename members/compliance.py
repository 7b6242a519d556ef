"""Compliance gating: whether a member co-op's evidence lets it take on work of a service on a day.

One predicate, asked by bidding (invitations and the allocation) and delivery (a contract's
start): ``compliance_blocks(coop, service_type=, on=)`` and its bulk form ``blocks_for`` (three
queries whatever the number of co-ops and services). An empty list means the member is clear.

A member is blocked, for a service on a day:

- ``document_expired``: for each gating document type (employer's liability, public liability
  and professional indemnity insurance, the CIW registration certificate, the DBS checking
  policy), when it has recorded documents of that type and none is valid on the day (issued on
  or before it, where an issue date is given, and expiring on or after it, where an expiry date
  is given), one of them having expired before the day. The block names the type and the day
  the latest of them expired. Uploading a renewal valid on the day lifts it.
- ``not_registered``: when the service is regulated by Care Inspectorate Wales
  (``ServiceType.ciw_service`` not blank) and the member has no CIW registration for that service
  type: a provider may not deliver a regulated service it is not registered for.

A gating document type the member has never recorded does NOT block. The register does not
require every document (members joining, or kept by hand before the evidence was uploaded,
have none yet), and the coordinator sees the gap on the register; a missing document is a
record not yet kept, whereas an expired one is the member's own evidence saying its cover has
lapsed. Blocking on absence would shut every member whose paperwork is not yet uploaded out of
every bid, which no coordinator could tell from a real lapse. The CIW registration itself
(``CIWRegistration``) is the exception above, because the law requires it for the service.

A block is a code and its parameters, never stored text: ``str(block)`` puts it into words in
the language active when it is read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from consortium import formatting
from consortium.models import ServiceType

from .models import CIWRegistration, ComplianceDocument, DocumentType, MemberCoop

#: The document types whose lapse stops a member taking on work, in the order reasons are given.
GATING_DOCUMENTS: tuple[str, ...] = (
    DocumentType.EMPLOYERS_LIABILITY,
    DocumentType.PUBLIC_LIABILITY,
    DocumentType.PROFESSIONAL_INDEMNITY,
    DocumentType.CIW_REGISTRATION,
    DocumentType.DBS_POLICY,
)

DOCUMENT_EXPIRED = "document_expired"
NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class Block:
    """One reason a member may not take on work: a code and its parameters."""

    code: str
    doc_type: str = ""
    expired_on: dt.date | None = None
    service: ServiceType | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The parameters as plain data (for an API or a stored record)."""
        if self.code == DOCUMENT_EXPIRED:
            return {"doc_type": self.doc_type,
                    "expired_on": self.expired_on.isoformat() if self.expired_on else None}
        return {"service": self.service.pk if self.service else None}

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}

    def __str__(self) -> str:
        if self.code == DOCUMENT_EXPIRED:
            known = self.doc_type in DocumentType.values
            label = DocumentType(self.doc_type).label if known else self.doc_type
            return gettext("%(document)s expired on %(date)s.") % {
                "document": label, "date": formatting.day(self.expired_on),
            }
        return gettext("Not registered with Care Inspectorate Wales for %(service)s.") % {
            "service": str(self.service) if self.service is not None else "",
        }


def _pk(value: Any) -> int:
    return value.pk if hasattr(value, "pk") else int(value)


def blocks_for(coops: Iterable[MemberCoop | int], *, service_types: Iterable[ServiceType | int],
               on: dt.date) -> dict[tuple[int, int], list[Block]]:
    """Every (co-op id, service type id) of ``coops`` x ``service_types`` that is blocked on
    ``on``, with its blocks (see the module's docstring); a pair absent is clear. Two queries
    (three when a service type is given by id rather than loaded), whatever the number of
    co-ops and services; none when either is empty."""
    coop_ids = sorted({_pk(c) for c in coops})
    services = {_pk(s): s for s in service_types}
    service_ids = sorted(services)
    if not coop_ids or not service_ids:
        return {}
    if not all(isinstance(s, ServiceType) for s in services.values()):
        services = {s.pk: s for s in ServiceType.objects.filter(pk__in=service_ids)}
    valid: set[tuple[int, str]] = set()
    expired: dict[tuple[int, str], dt.date] = {}
    rows = ComplianceDocument.objects.filter(coop_id__in=coop_ids, doc_type__in=GATING_DOCUMENTS).values_list(
        "coop_id", "doc_type", "issued_on", "expires_on")
    for coop, doc_type, issued, expires in rows:
        if expires is not None and expires < on:
            key = (coop, doc_type)
            expired[key] = max(expires, expired.get(key, expires))
        elif issued is None or issued <= on:
            valid.add((coop, doc_type))
    lapsed: dict[int, list[Block]] = defaultdict(list)
    for coop in coop_ids:
        for doc_type in GATING_DOCUMENTS:
            key = (coop, doc_type)
            if key in expired and key not in valid:
                lapsed[coop].append(Block(DOCUMENT_EXPIRED, doc_type=doc_type, expired_on=expired[key]))
    regulated = [pk for pk, s in services.items() if s.ciw_service]
    registered = set(CIWRegistration.objects.filter(
        coop_id__in=coop_ids, service_type_id__in=regulated).values_list("coop_id", "service_type_id")
    ) if regulated else set()
    found: dict[tuple[int, int], list[Block]] = {}
    for coop in coop_ids:
        for service in service_ids:
            blocks = list(lapsed.get(coop, ()))
            if service in regulated and (coop, service) not in registered:
                blocks.append(Block(NOT_REGISTERED, service=services[service]))
            if blocks:
                found[(coop, service)] = blocks
    return found


def compliance_blocks(coop: MemberCoop | int, *, service_type: ServiceType | int, on: dt.date) -> list[Block]:
    """Why ``coop`` may not take on work of ``service_type`` on ``on`` (empty: it may)."""
    return blocks_for([coop], service_types=[service_type], on=on).get((_pk(coop), _pk(service_type)), [])


def blocks_text(blocks: Iterable[Block]) -> str:
    """The blocks in words, one sentence each, in the active language."""
    return " ".join(str(block) for block in blocks)


__all__ = ["GATING_DOCUMENTS", "Block", "blocks_for", "blocks_text", "compliance_blocks"]
