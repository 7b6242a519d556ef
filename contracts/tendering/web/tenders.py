"""Web pages: council tenders, their lots, documents and clarification questions.

Who may use what (the selectors decide the rows):
- list and detail: coordinators, board members and member users (published tenders, and drafts
  their consortium recorded: coordinators), council reviewers (their own council's published
  tenders and the drafts its reviewers recorded); a tender the user may not see answers 404;
- record a tender: council reviewers (their own council) and coordinators (any council);
- change it, its lots and documents, publish, cancel: whoever recorded it; others who can see
  it get 403; publishing goes through a confirmation page (a POST without ``confirm=yes``
  changes nothing);
- ask a clarification question: coordinators, on a published tender before the clarification
  deadline; answer it: the tender's council reviewers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.models import TimeBand
from consortium.web import confirmed
from contracts.models import TenderStatus
from contracts.tendering.filters import TenderFilter
from contracts.tendering.forms import (
    ClarificationAnswerForm,
    ClarificationAskForm,
    DocumentForm,
    LotForm,
    QuestionFormSet,
    TenderForm,
)
from contracts.tendering.selectors import tenders as selectors
from contracts.tendering.services import tenders as services

PAGE_SIZE = 25
BANDS = list(TimeBand)


# --- list and detail ----------------------------------------------------------------------------


@login_required
def tender_list(request):
    user = request.user
    require(selectors.can_see_tenders(user))
    qs = selectors.tenders_visible_to(user).order_by("-submission_deadline", "-pk")
    filters = TenderFilter(request.GET or None, queryset=qs, request=request)
    rows = filters.qs if not filters.is_bound or filters.is_valid() else qs.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for tender in page.object_list:
        tender.services = sorted({str(lot.service_type) for lot in tender.lots.all()})
    return render(
        request,
        "contracts/tenders/list.html",
        {
            "filter_form": filters.form,
            "page_obj": page,
            "can_record": selectors.can_record_tenders(user),
        },
    )


def _detail_context(request, tender) -> dict:
    user = request.user
    lots = list(selectors.lots_of(tender))
    for lot in lots:
        lot.band_volumes = selectors.band_volumes(lot)
    clarifications = list(selectors.clarifications_for(user, tender))
    for c in clarifications:
        c.tender = tender
        c.show_asker = selectors.shows_asker(user, c)
        c.own = user.consortium_id is not None and c.consortium_id == user.consortium_id
    can_manage = selectors.can_manage_tender(user, tender)
    own_bid = selectors.own_bid_for(user, tender)
    return {
        "own_bid": own_bid,
        "may_prepare_bid": selectors.may_prepare_joint_bid(user, tender, own_bid),
        "tender": tender,
        "lots": lots,
        "bands": BANDS,
        "documents": list(selectors.documents_of(tender)),
        "clarifications": clarifications,
        "can_manage": can_manage,
        "lots_editable": can_manage and tender.status in selectors.EDITABLE,
        "can_ask": selectors.can_ask_clarification(user, tender),
        "is_council": selectors.is_tender_council(user, tender),
        # A reserved tender's evidence page shows the council its bidders after the deadline.
        "deadline_passed": tender.submission_deadline <= timezone.now(),
        "clarification_deadline": services.clarification_deadline_of(tender),
    }


@login_required
def tender_detail(request, pk: int, *, errors: list[str] | None = None):
    tender = selectors.tender_get_for_user(request.user, pk)
    context = _detail_context(request, tender)
    context["errors"] = errors or []
    return render(request, "contracts/tenders/detail.html", context)


# --- the tender ---------------------------------------------------------------------------------


@login_required
def tender_create(request):
    user = request.user
    require(selectors.can_record_tenders(user))
    councils = selectors.councils_for_recording(user)
    initial = {"council": user.council_id} if user.is_council_reviewer else {}
    form = TenderForm(request.POST if request.method == "POST" else None, councils=councils, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            tender = services.tender_create(
                council=form.cleaned_data["council"], by=user, **form.tender_fields()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Draft tender recorded. Add its lots, then publish it."))
            return redirect("tender-detail", pk=tender.pk)
    return render(request, "contracts/tenders/form.html", {"form": form, "tender": None})


@login_required
def tender_edit(request, pk: int):
    user = request.user
    tender = selectors.tender_get_for_user(user, pk, for_write=True)
    initial = {name: getattr(tender, name) for name in services.TENDER_FIELDS}
    form = TenderForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    refusal = None
    if tender.status != TenderStatus.DRAFT:
        refusal = _("Only a draft tender can be changed; this one is %(status)s.") % {
            "status": tender.get_status_display().lower()
        }
    elif request.method == "POST" and form.is_valid():
        try:
            services.tender_update(tender=tender, by=user, **form.tender_fields())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Draft tender saved."))
            return redirect("tender-detail", pk=tender.pk)
    return render(
        request, "contracts/tenders/form.html", {"form": form, "tender": tender, "refusal": refusal}
    )


def _move(request, pk: int, to: str, done: str):
    user = request.user
    tender = selectors.tender_get_for_user(user, pk, for_write=True)
    try:
        services.tender_transition(tender=tender, to=to, by=user)
    except DomainError as error:
        return tender_detail(request, pk, errors=[str(error.message)])
    messages.success(request, done)
    return redirect("tender-detail", pk=tender.pk)


@login_required
def tender_publish_confirm(request, pk: int):
    """What publishing the tender does and cannot undo, with its key facts, before its author
    says yes: the only way to publication on the web."""
    tender = selectors.tender_get_for_user(request.user, pk, for_write=True)
    lots = list(selectors.lots_of(tender))
    return render(request, "contracts/tenders/confirm_publish.html", {
        "tender": tender, "lots": lots, "can_publish": tender.status == TenderStatus.DRAFT,
        "clarification_deadline": services.clarification_deadline_of(tender),
    })


@require_POST
@login_required
def tender_publish(request, pk: int):
    if not confirmed(request):
        selectors.tender_get_for_user(request.user, pk, for_write=True)
        return redirect("tender-publish-confirm", pk=pk)
    return _move(request, pk, TenderStatus.PUBLISHED, _("The tender is published."))


@require_POST
@login_required
def tender_cancel(request, pk: int):
    return _move(request, pk, TenderStatus.CANCELLED, _("The tender is cancelled."))


# --- lots ---------------------------------------------------------------------------------------


def _lot_initial(lot) -> tuple[dict, list[dict]]:
    initial = {name: getattr(lot, name) for name in (*services.LOT_COLUMNS, *services.WEIGHT_FIELDS)}
    initial["areas"] = [a.pk for a in lot.areas.all()]
    for band, volume in selectors.volumes_by_band(lot).items():
        initial[services.volume_field(band)] = volume
    questions = [{"text": q.text, "max_marks": q.max_marks} for q in lot.questions.all()]
    return initial, questions


def _lot_page(request, tender, lot=None):
    user = request.user
    if lot is not None:
        initial, questions = _lot_initial(lot)
    else:
        initial = {"number": tender.lots.count() + 1, "areas": [tender.council_id], "welsh_share_percent": 0}
        questions = []
    data = request.POST if request.method == "POST" else None
    adding = data is not None and data.get("action") == "add_question"
    if adding:
        data = data.copy()
        data["questions-TOTAL_FORMS"] = str(int(data.get("questions-TOTAL_FORMS") or 0) + 1)
    form = LotForm(data, initial=initial)
    formset = QuestionFormSet(data, initial=questions or None, prefix="questions")
    refusal = None
    if tender.status not in selectors.EDITABLE:
        refusal = _("The lots of a tender that is %(status)s cannot change.") % {
            "status": tender.get_status_display().lower()
        }
    elif lot is not None and lot.status != "open":
        refusal = _("A lot that is %(status)s cannot change.") % {"status": lot.get_status_display().lower()}
    elif data is not None and not adding:
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            fields = {**form.lot_fields(), "questions": formset.questions()}
            try:
                if lot is None:
                    saved = services.lot_create(tender=tender, by=user, **fields)
                else:
                    saved = services.lot_update(lot=lot, by=user, **fields)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if tender.status == TenderStatus.PUBLISHED:
                    messages.success(
                        request,
                        _(
                            "Lot %(n)s saved. The tender is published, so bids already "
                            "confirmed for it are back to draft."
                        )
                        % {"n": saved.number},
                    )
                else:
                    messages.success(request, _("Lot %(n)s saved.") % {"n": saved.number})
                return redirect("tender-detail", pk=tender.pk)
    return render(
        request,
        "contracts/tenders/lot_form.html",
        {
            "form": form,
            "formset": formset,
            "tender": tender,
            "lot": lot,
            "refusal": refusal,
            "published": tender.status == TenderStatus.PUBLISHED,
            "has_errors": bool(form.errors or formset.total_error_count())
            if data is not None and not adding
            else False,
        },
    )


@login_required
def lot_create(request, pk: int):
    tender = selectors.tender_get_for_user(request.user, pk, for_write=True)
    return _lot_page(request, tender)


@login_required
def lot_edit(request, pk: int):
    lot = selectors.lot_get_for_user(request.user, pk, for_write=True)
    return _lot_page(request, lot.tender, lot)


@login_required
def lot_delete(request, pk: int):
    user = request.user
    lot = selectors.lot_get_for_user(user, pk, for_write=True)
    tender = lot.tender
    error = None
    if request.method == "POST":
        try:
            deleted = services.lot_delete(lot=lot, by=user)
        except DomainError as exc:
            error = str(exc.message)
        else:
            if deleted:
                messages.success(request, _("Lot %(n)s removed.") % {"n": lot.number})
            else:
                messages.success(
                    request,
                    _("Lot %(n)s withdrawn: it stays on the published tender, marked cancelled.")
                    % {"n": lot.number},
                )
            return redirect("tender-detail", pk=tender.pk)
    return render(
        request,
        "contracts/tenders/lot_delete.html",
        {
            "lot": lot,
            "tender": tender,
            "error": error,
            "published": tender.status == TenderStatus.PUBLISHED,
        },
    )


# --- documents ----------------------------------------------------------------------------------


@login_required
def document_upload(request, pk: int):
    user = request.user
    tender = selectors.tender_get_for_user(user, pk, for_write=True)
    form = DocumentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"title": request.GET.get("title", "")[:200]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.tender_document_upload(
                tender=tender, by=user, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("“%(title)s” uploaded as version %(v)s.")
                % {"title": document.title, "v": document.version},
            )
            return redirect("tender-detail", pk=tender.pk)
    return render(request, "contracts/tenders/document_form.html", {"form": form, "tender": tender})


@login_required
def document_download(request, pk: int):
    document = selectors.document_get_for_user(request.user, pk)
    if not services.tender_document_intact(document):
        return render(request, "contracts/tenders/document_damaged.html", {"document": document}, status=409)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-SHA256"] = document.sha256
    return response


# --- clarifications -----------------------------------------------------------------------------


@login_required
def clarification_ask(request, pk: int):
    user = request.user
    tender = selectors.tender_get_for_user(user, pk)
    require(user.is_coordinator and user.consortium_id is not None)
    form = ClarificationAskForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clarification_ask(tender=tender, by=user, question=form.cleaned_data["question"])
        except DomainError as error:
            form.add_domain_error(error)
            if "question" not in form.errors and not form.non_field_errors():
                form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Your question has been sent to the council."))
            return redirect("tender-detail", pk=tender.pk)
    return render(
        request,
        "contracts/tenders/clarification_ask.html",
        {
            "form": form,
            "tender": tender,
            "deadline": services.clarification_deadline_of(tender),
        },
    )


@login_required
def clarification_answer(request, pk: int):
    user = request.user
    clarification = selectors.clarification_get_for_user(user, pk, to_answer=True)
    form = ClarificationAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clarification_answer(
                clarification=clarification, by=user, answer=form.cleaned_data["answer"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Answer published to every bidder."))
            return redirect("tender-detail", pk=clarification.tender_id)
    return render(
        request,
        "contracts/tenders/clarification_answer.html",
        {
            "form": form,
            "clarification": clarification,
            "tender": clarification.tender,
        },
    )


urlpatterns = [
    path("tenders/", tender_list, name="tender-list"),
    path("tenders/new/", tender_create, name="tender-create"),
    path("tenders/<int:pk>/", tender_detail, name="tender-detail"),
    path("tenders/<int:pk>/edit/", tender_edit, name="tender-edit"),
    path("tenders/<int:pk>/publish/", tender_publish, name="tender-publish"),
    path("tenders/<int:pk>/publish/confirm/", tender_publish_confirm, name="tender-publish-confirm"),
    path("tenders/<int:pk>/cancel/", tender_cancel, name="tender-cancel"),
    path("tenders/<int:pk>/lots/new/", lot_create, name="lot-create"),
    path("tenders/lots/<int:pk>/edit/", lot_edit, name="lot-edit"),
    path("tenders/lots/<int:pk>/delete/", lot_delete, name="lot-delete"),
    path("tenders/<int:pk>/documents/new/", document_upload, name="tender-document-upload"),
    path("tenders/documents/<int:pk>/download/", document_download, name="tender-document-download"),
    path("tenders/<int:pk>/clarifications/new/", clarification_ask, name="clarification-ask"),
    path("tenders/clarifications/<int:pk>/answer/", clarification_answer, name="clarification-answer"),
]
