"""Scoped reads of tenders, their lots, documents and clarification questions.

Who sees which tender:
- a published tender (one that has ever been published: closed, awarded ... too) is a public
  notice: every signed-in coordinator, board member and member user sees it; a council reviewer
  sees those of their own council;
- a draft (or a draft that was cancelled before it was published) is seen only by whoever
  recorded it: the council's reviewers (a tender with no ``recorded_by_consortium``), or the
  coordinators of the consortium that recorded it;
- staff admins see every tender.
Anything else answers 404. Changing a tender (its fields, lots, documents, status) is for whoever
recorded it; a role that sees the tender but may not change it gets 403.

Who may write what is decided here, once for each write, by the access functions below
(``can_record_tenders``, ``can_manage_tender``, ``can_move_tender``, ``asks_clarifications``,
``is_tender_council``): the services refuse with them (403) and the ``*_get_for_user`` getters'
``for_write`` uses the same.

Clarifications: the tender's council sees every question with who asked; a consortium sees its
own questions (answered or not) and the answered questions of others, never who asked those.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.models import Council, TimeBand, User
from contracts.models import (
    Bid,
    Clarification,
    Lot,
    LotVolume,
    QualityQuestion,
    Tender,
    TenderDocument,
    TenderStatus,
)

EDITABLE = (TenderStatus.DRAFT, TenderStatus.PUBLISHED)


def _is_reviewer(user: User) -> bool:
    return user.is_authenticated and user.is_council_reviewer and user.council_id is not None


def _is_coordinator(user: User) -> bool:
    return user.is_authenticated and user.is_coordinator and user.consortium_id is not None


def _is_staff(user: User) -> bool:
    return user.is_authenticated and (user.is_staff_admin or user.is_superuser)


def can_see_tenders(user: User) -> bool:
    return user.is_authenticated and (
        ((user.is_coordinator or user.is_board_member or user.is_member_user)
         and user.consortium_id is not None)
        or _is_reviewer(user)
        or _is_staff(user)
    )


def can_record_tenders(user: User) -> bool:
    """Council reviewers record their own council's tenders; coordinators mirror any council's."""
    return _is_reviewer(user) or _is_coordinator(user)


def councils_for_recording(user: User) -> QuerySet[Council]:
    if _is_reviewer(user):
        return Council.objects.filter(pk=user.council_id)
    if _is_coordinator(user):
        return Council.objects.order_by("name_en")
    return Council.objects.none()


def councils_for_filter(user: User) -> QuerySet[Council]:
    """Councils the list's filter offers: a reviewer's own; every council otherwise."""
    if _is_reviewer(user):
        return Council.objects.filter(pk=user.council_id)
    if can_see_tenders(user):
        return Council.objects.order_by("name_en")
    return Council.objects.none()


def can_manage_tender(user: User, tender: Tender) -> bool:
    """Whoever recorded the tender changes it: the council's reviewers, or the recording
    consortium's coordinators."""
    if tender.recorded_by_consortium_id is None:
        return _is_reviewer(user) and user.council_id == tender.council_id
    return _is_coordinator(user) and user.consortium_id == tender.recorded_by_consortium_id


def is_tender_council(user: User, tender: Tender) -> bool:
    """The tender's council's reviewers: they answer its clarification questions."""
    return _is_reviewer(user) and user.council_id == tender.council_id


#: The moves of a tender's evaluation, made by its council's reviewers (contracts.evaluation).
EVALUATION_MOVES = (TenderStatus.CLOSED, TenderStatus.IN_EVALUATION, TenderStatus.AWARDED,
                    TenderStatus.UNSUCCESSFUL)


def can_move_tender(user: User, tender: Tender, to: str) -> bool:
    """Whoever manages the tender publishes, closes or cancels it; its council's reviewers also
    move it through its evaluation (closed, in evaluation, awarded or unsuccessful)."""
    return can_manage_tender(user, tender) or (to in EVALUATION_MOVES and is_tender_council(user, tender))


def asks_clarifications(user: User) -> bool:
    """Coordinators ask councils' clarification questions, for their consortium."""
    return _is_coordinator(user)


def _visibility(user: User) -> Q | None:
    """The tenders a user may see, as a filter; None for none at all."""
    if not can_see_tenders(user):
        return None
    if _is_staff(user):
        return Q()
    public = Q(published_at__isnull=False)
    if _is_reviewer(user):
        return Q(council_id=user.council_id) & (public | Q(recorded_by_consortium__isnull=True))
    if user.is_coordinator:
        return public | Q(recorded_by_consortium_id=user.consortium_id)
    return public


def _listed(where: Q) -> QuerySet[Tender]:
    return Tender.objects.select_related("council", "recorded_by_consortium").filter(where).prefetch_related(
        Prefetch("lots", queryset=Lot.objects.select_related("service_type").order_by("number"))
    )


def tenders_visible_to(user: User) -> QuerySet[Tender]:
    """The tenders the user may see, with what a list row shows (fixed number of queries)."""
    where = _visibility(user)
    if where is None:
        return Tender.objects.none()
    return _listed(where)


def public_tenders() -> QuerySet[Tender]:
    """Tenders once published (closed, awarded or cancelled since, too): public notices, which
    anyone may read, signed in or not (open contracting data). Never a draft, nor one cancelled
    before it was published. Same rows and prefetches as ``tenders_visible_to``."""
    return _listed(Q(published_at__isnull=False))


def tender_get_for_user(user: User, pk, *, for_write: bool = False) -> Tender:
    """A tender the user may see, or 404; with ``for_write``, 403 unless they may change it."""
    try:
        tender = tenders_visible_to(user).get(pk=pk)
    except (Tender.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if for_write and not can_manage_tender(user, tender):
        raise PermissionDenied
    return tender


def lots_of(tender: Tender) -> QuerySet[Lot]:
    """A tender's lots with their areas, volumes and questions (fixed number of queries)."""
    return (
        Lot.objects.filter(tender=tender)
        .select_related("service_type")
        .order_by("number")
        .prefetch_related(
            "areas",
            Prefetch("volumes", queryset=LotVolume.objects.order_by("time_band")),
            Prefetch("questions", queryset=QualityQuestion.objects.order_by("number")),
        )
    )


def lot_get_for_user(user: User, pk, *, for_write: bool = False) -> Lot:
    """A lot of a tender the user may see, or 404; ``for_write``: 403 unless they may change it."""
    try:
        lot = Lot.objects.select_related("tender").get(pk=pk)
    except (Lot.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    tender = tender_get_for_user(user, lot.tender_id, for_write=for_write)
    lot = lots_of(tender).get(pk=lot.pk)
    lot.tender = tender
    return lot


def volumes_by_band(lot: Lot) -> dict[str, object]:
    """The lot's weekly volume per band, in TimeBand order (from prefetched volumes)."""
    found = {v.time_band: v.volume for v in lot.volumes.all()}
    return {band: found[band] for band in TimeBand.values if band in found}


def band_volumes(lot: Lot) -> list:
    """One entry per time band, in TimeBand order: the volume, or None where the lot has none."""
    found = {v.time_band: v.volume for v in lot.volumes.all()}
    return [found.get(band) for band in TimeBand.values]


# --- documents ----------------------------------------------------------------------------------


def documents_of(tender: Tender) -> QuerySet[TenderDocument]:
    """Every version of every document of the tender: by title, newest version first."""
    return (
        TenderDocument.objects.filter(tender=tender)
        .select_related("uploaded_by")
        .order_by("title", "-version")
    )


def document_get_for_user(user: User, pk) -> TenderDocument:
    try:
        document = TenderDocument.objects.get(pk=pk)
    except (TenderDocument.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    document.tender = tender_get_for_user(user, document.tender_id)
    return document


# --- clarifications -----------------------------------------------------------------------------


def sees_askers(user: User, tender: Tender) -> bool:
    """The council (and staff) see who asked every question."""
    return is_tender_council(user, tender) or _is_staff(user)


def clarifications_for(user: User, tender: Tender) -> QuerySet[Clarification]:
    """The tender's clarifications the user may read (the tender is one they may see)."""
    qs = Clarification.objects.filter(tender=tender).select_related("consortium", "asked_by", "answered_by")
    if sees_askers(user, tender):
        return qs.order_by("asked_at", "pk")
    answered = Q(answered_at__isnull=False)
    if (user.is_authenticated and (user.is_coordinator or user.is_board_member or user.is_member_user)
            and user.consortium_id is not None):
        return qs.filter(answered | Q(consortium_id=user.consortium_id)).order_by("asked_at", "pk")
    return qs.filter(answered).order_by("asked_at", "pk")


def shows_asker(user: User, clarification: Clarification) -> bool:
    """Whether the user may know who asked: the council, or the asking consortium itself."""
    if sees_askers(user, clarification.tender):
        return True
    return user.is_authenticated and user.consortium_id == clarification.consortium_id


def can_ask_clarification(user: User, tender: Tender) -> bool:
    return asks_clarifications(user) and tender.status == TenderStatus.PUBLISHED


def clarification_get_for_user(user: User, pk, *, to_answer: bool = False) -> Clarification:
    """A clarification the user may read, or 404; ``to_answer``: 403 unless the user is one of
    the tender's council reviewers."""
    try:
        clarification = Clarification.objects.select_related("tender").get(pk=pk)
    except (Clarification.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    tender = tender_get_for_user(user, clarification.tender_id)
    if not clarifications_for(user, tender).filter(pk=clarification.pk).exists():
        raise Http404
    clarification.tender = tender
    if to_answer and not is_tender_council(user, tender):
        raise PermissionDenied
    return clarification


# --- the consortium's own bid, from the tender's page ---------------------------------------------


def _runs_bids(user: User) -> bool:
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


def own_bid_for(user: User, tender: Tender) -> Bid | None:
    """The joint bid the coordinator's consortium has for the tender, if any (a tender's page
    links to it); None for every other role."""
    if not _runs_bids(user):
        return None
    return Bid.objects.filter(tender=tender, consortium_id=user.consortium_id).first()


def may_prepare_joint_bid(user: User, tender: Tender, own_bid: Bid | None) -> bool:
    """A coordinator may open a joint bid for a published tender before its deadline that their
    consortium has not bid for (what the bidding stage's ``tenders_open_for_bids`` offers)."""
    return (_runs_bids(user) and own_bid is None and tender.status == TenderStatus.PUBLISHED
            and tender.submission_deadline > timezone.now())
