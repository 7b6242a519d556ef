"""Policies of tenders, lots, documents and clarifications (contracts/tendering/web/tenders.py,
contracts/tendering/api/tenders.py).

- A published tender is a public notice: every consortium persona sees it; of the reviewers, only
  its own council's (Cardiff) does; the Gwynedd reviewer gets 404.
- A draft is seen only by whoever recorded it: the drafts here were recorded by Cardiff's reviewer,
  so everybody but Cardiff's reviewer gets 404.
- Whoever recorded a tender changes it (fields, lots, documents, status): on the published tender,
  consortium personas (who see it) get 403.
- Coordinators ask clarification questions (others 403); the tender's council reviewers answer
  (consortium A's users, who see their own question, get 403; others 404).
"""

from __future__ import annotations

from tests.policies import Policy, personas

API = "/api/v1"
SEES_PUBLISHED = dict(
    coordinator=200, board=200, member_a=200, member_b=200, coordinator_other=200, reviewer=200
)
CONSORTIUM_403 = dict(coordinator=403, board=403, member_a=403, member_b=403, coordinator_other=403)


def _tender(world, *, draft: bool):
    from contracts.models import Tender, TenderStatus
    from tests import contracts_factories as cf

    reference = "POLICY-DRAFT" if draft else "POLICY-PUBLISHED"
    found = Tender.objects.filter(council=world.council, reference=reference).first()
    if found is not None:
        return found
    tender = cf.tender(
        world.council, status=TenderStatus.DRAFT if draft else TenderStatus.PUBLISHED, reference=reference
    )
    cf.lot(tender)
    return tender


def draft_pk(world) -> dict:
    return {"pk": _tender(world, draft=True).pk}


def published_pk(world) -> dict:
    return {"pk": _tender(world, draft=False).pk}


def draft_id(world) -> dict:
    return {"id": _tender(world, draft=True).pk}


def published_id(world) -> dict:
    return {"id": _tender(world, draft=False).pk}


def draft_lot_pk(world) -> dict:
    return {"pk": _tender(world, draft=True).lots.first().pk}


def published_lot_pk(world) -> dict:
    return {"pk": _tender(world, draft=False).lots.first().pk}


def draft_lot_id(world) -> dict:
    return {"id": _tender(world, draft=True).lots.first().pk}


def published_lot_id(world) -> dict:
    return {"id": _tender(world, draft=False).lots.first().pk}


def _document(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.models import TenderDocument
    from contracts.tendering.services import tenders as services

    tender = _tender(world, draft=False)
    found = TenderDocument.objects.filter(tender=tender).first()
    if found is not None:
        return found
    return services.tender_document_upload(
        tender=tender,
        by=world.user("reviewer"),
        title="Specification",
        file=SimpleUploadedFile("spec.txt", b"The specification.", content_type="text/plain"),
    )


def document_pk(world) -> dict:
    return {"pk": _document(world).pk}


def document_id(world) -> dict:
    return {"id": _document(world).pk}


def _clarification(world):
    from contracts.models import Clarification

    tender = _tender(world, draft=False)
    return Clarification.objects.filter(tender=tender).first() or Clarification.objects.create(
        tender=tender,
        consortium=world.consortium,
        question="Is TUPE expected to apply?",
        asked_by=world.user("coordinator"),
    )


def clarification_pk(world) -> dict:
    return {"pk": _clarification(world).pk}


def clarification_id(world) -> dict:
    return {"id": _clarification(world).pk}


def tender_form(world) -> dict:
    return {
        "council": world.council.pk,
        "reference": "NEW-REF-1",
        "title": "Care at home, north",
        "procedure": "light_touch",
        "submission_deadline": "2099-01-10T12:00",
        "clarification_deadline": "2099-01-03T12:00",
        "contract_start": "2099-04-01",
        "contract_end": "2100-03-31",
    }


def edit_form(world) -> dict:
    data = tender_form(world)
    del data["council"]
    return data


def lot_form(world) -> dict:
    from tests.factories import service

    return {
        "number": "7",
        "title": "Lot seven",
        "service_type": service().pk,
        "areas": [world.council.pk],
        "duration_weeks": "52",
        "ceiling_rate": "25.00",
        "welsh_share_percent": "10",
        "price_weight": "50",
        "quality_weight": "40",
        "social_value_weight": "10",
        "volume_weekday_day": "80",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "How will you recruit?",
        "questions-0-max_marks": "10",
        "action": "save",
    }


def upload_form(world) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "title": "Pricing schedule",
        "file": SimpleUploadedFile("pricing.txt", b"Rates per band.", content_type="text/plain"),
    }


ONLY_REVIEWER_DRAFT = dict(reviewer=200)

POLICIES = [
    # --- web pages ---
    Policy("tender-list", personas(200, anonymous=302, applicant=403), note="scoped list"),
    Policy("tender-detail", personas(404, anonymous=302, **SEES_PUBLISHED), kwargs=published_pk),
    Policy(
        "tender-create",
        personas(
            403, anonymous=302, reviewer=200, reviewer_other=200, coordinator=200, coordinator_other=200,
            applicant=403,
        ),
    ),
    Policy(
        "tender-create",
        personas(
            403, anonymous=302, reviewer=302, reviewer_other=200, coordinator=302, coordinator_other=302,
            applicant=403,
        ),
        method="POST",
        data=tender_form,
        note="a Cardiff tender: the Gwynedd reviewer gets the form back with its error",
    ),
    Policy("tender-edit", personas(404, anonymous=302, reviewer=200), kwargs=draft_pk),
    Policy(
        "tender-edit",
        personas(404, anonymous=302, reviewer=302),
        kwargs=draft_pk,
        method="POST",
        data=edit_form,
    ),
    Policy("tender-publish-confirm", personas(404, anonymous=302, reviewer=200), kwargs=draft_pk,
           note="what publishing does, before the author says yes"),
    Policy("tender-publish", personas(404, anonymous=302, reviewer=302), kwargs=draft_pk, method="POST",
           data=lambda w: {"confirm": "yes"}, note="confirmed: published, then to its page"),
    Policy(
        "tender-cancel",
        personas(404, anonymous=302, reviewer=302, **CONSORTIUM_403),
        kwargs=published_pk,
        method="POST",
    ),
    Policy("lot-create", personas(404, anonymous=302, reviewer=200, **CONSORTIUM_403), kwargs=published_pk),
    Policy(
        "lot-create",
        personas(404, anonymous=302, reviewer=302, **CONSORTIUM_403),
        kwargs=published_pk,
        method="POST",
        data=lot_form,
    ),
    Policy("lot-edit", personas(404, anonymous=302, reviewer=200, **CONSORTIUM_403), kwargs=published_lot_pk),
    Policy(
        "lot-edit",
        personas(404, anonymous=302, reviewer=302),
        kwargs=draft_lot_pk,
        method="POST",
        data=lot_form,
    ),
    Policy("lot-delete", personas(404, anonymous=302, reviewer=200), kwargs=draft_lot_pk),
    Policy("lot-delete", personas(404, anonymous=302, reviewer=302), kwargs=draft_lot_pk, method="POST"),
    Policy(
        "tender-document-upload",
        personas(404, anonymous=302, reviewer=200, **CONSORTIUM_403),
        kwargs=published_pk,
    ),
    Policy(
        "tender-document-upload",
        personas(404, anonymous=302, reviewer=302, **CONSORTIUM_403),
        kwargs=published_pk,
        method="POST",
        data=upload_form,
    ),
    Policy("tender-document-download", personas(404, anonymous=302, **SEES_PUBLISHED), kwargs=document_pk),
    Policy(
        "clarification-ask",
        personas(403, anonymous=302, coordinator=200, coordinator_other=200, reviewer_other=404),
        kwargs=published_pk,
    ),
    Policy(
        "clarification-ask",
        personas(403, anonymous=302, coordinator=302, coordinator_other=302, reviewer_other=404),
        kwargs=published_pk,
        method="POST",
        data=lambda w: {"question": "Will the council pay for travel time?"},
    ),
    Policy(
        "clarification-answer",
        personas(403, anonymous=302, reviewer=200, reviewer_other=404, coordinator_other=404),
        kwargs=clarification_pk,
        note="an unanswered question of consortium A: hidden from other consortia",
    ),
    Policy(
        "clarification-answer",
        personas(403, anonymous=302, reviewer=302, reviewer_other=404, coordinator_other=404),
        kwargs=clarification_pk,
        method="POST",
        data=lambda w: {"answer": "Yes, as in the pricing schedule."},
    ),
    # --- API ---
    Policy(f"GET {API}/tenders/", personas(200, anonymous=401), note="scoped list"),
    Policy(
        f"POST {API}/tenders/",
        personas(
            403, anonymous=401, coordinator=400, coordinator_other=400, reviewer=400, reviewer_other=400,
            applicant=403,
        ),
    ),
    Policy(f"GET {API}/tenders/{{id}}/", personas(404, anonymous=401, **SEES_PUBLISHED), kwargs=published_id),
    Policy(
        f"PATCH {API}/tenders/{{id}}/",
        personas(404, anonymous=401, reviewer=400),
        kwargs=draft_id,
        data=lambda w: {"contract_end": "2000-01-01"},
    ),
    Policy(
        f"POST {API}/tenders/{{id}}/publish/", personas(404, anonymous=401, reviewer=200), kwargs=draft_id
    ),
    Policy(
        f"POST {API}/tenders/{{id}}/cancel/",
        personas(404, anonymous=401, reviewer=200, **CONSORTIUM_403),
        kwargs=published_id,
    ),
    Policy(
        f"GET {API}/tenders/{{id}}/lots/", personas(404, anonymous=401, **SEES_PUBLISHED), kwargs=published_id
    ),
    Policy(
        f"POST {API}/tenders/{{id}}/lots/",
        personas(404, anonymous=401, reviewer=400, **CONSORTIUM_403),
        kwargs=published_id,
    ),
    Policy(
        f"GET {API}/lots/{{id}}/", personas(404, anonymous=401, **SEES_PUBLISHED), kwargs=published_lot_id
    ),
    Policy(
        f"PATCH {API}/lots/{{id}}/",
        personas(404, anonymous=401, reviewer=400, **CONSORTIUM_403),
        kwargs=published_lot_id,
        data=lambda w: {"price_weight": 90},
        note="weights no longer summing to 100: refused, nothing changed",
    ),
    Policy(f"DELETE {API}/lots/{{id}}/", personas(404, anonymous=401, reviewer=204), kwargs=draft_lot_id),
    Policy(
        f"GET {API}/tenders/{{id}}/documents/",
        personas(404, anonymous=401, **SEES_PUBLISHED),
        kwargs=published_id,
    ),
    Policy(
        f"POST {API}/tenders/{{id}}/documents/",
        personas(404, anonymous=401, reviewer=400, **CONSORTIUM_403),
        kwargs=published_id,
        extra={"format": "multipart"},
    ),
    Policy(
        f"GET {API}/tender-documents/{{id}}/download/",
        personas(404, anonymous=401, **SEES_PUBLISHED),
        kwargs=document_id,
    ),
    Policy(
        f"GET {API}/tenders/{{id}}/clarifications/",
        personas(404, anonymous=401, **SEES_PUBLISHED),
        kwargs=published_id,
    ),
    Policy(
        f"POST {API}/tenders/{{id}}/clarifications/",
        personas(403, anonymous=401, coordinator=400, coordinator_other=400, reviewer_other=404),
        kwargs=published_id,
    ),
    Policy(
        f"POST {API}/clarifications/{{id}}/answer/",
        personas(403, anonymous=401, reviewer=400, reviewer_other=404, coordinator_other=404),
        kwargs=clarification_id,
    ),
]
