"""A submitted joint bid's pack: what the council received, laid out for people, in English or
Welsh (``?lang=cy``), as a page and as a PDF (WeasyPrint, as invoices are).

- ``/bids/<pk>/pack/`` and ``/bids/<pk>/pack/pdf/``: the bid's consortium's coordinators and
  board members once it is submitted; the tendering council's reviewers after the submission
  deadline (``contracts.evaluation.selectors.pack``); anyone else: 404.
The pack is built from the sealed snapshot with its SHA-256, checked now, never from the live bid.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation
from weasyprint import HTML

from contracts.bidding.selectors.pack import bid_pack
from contracts.evaluation.selectors.pack import pack_submission_get_for_user
from contracts.evaluation.selectors.review import is_reviewer


def pack_language(request) -> str:
    """The language asked for (``?lang=``), else the reader's; English for anything unknown."""
    code = (request.GET.get("lang") or translation.get_language() or "en").split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else "en"


def _render(request, pk: int, template: str, **context) -> tuple[str, str, object]:
    """The pack of bid ``pk``'s standing submission rendered with ``template`` in the language
    asked for: (html, language, submission)."""
    submission = pack_submission_get_for_user(request.user, pk)
    language = pack_language(request)
    with translation.override(language):
        html = render_to_string(template, {"pack": bid_pack(submission), "bid_pk": pk,
                                           "pack_language": language, **context}, request=request)
    return html, language, submission


@login_required
def pack_page(request, pk: int):
    html, _language, _submission = _render(request, pk, "contracts/bids/pack.html",
                                           is_reviewer=is_reviewer(request.user))
    return HttpResponse(html)


@login_required
def pack_pdf(request, pk: int):
    html, language, submission = _render(request, pk, "contracts/bids/pack_document.html")
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="bid-pack-{pk}-v{submission.version}-{language}.pdf"')
    return response


urlpatterns = [
    path("bids/<int:pk>/pack/", pack_page, name="bid-pack"),
    path("bids/<int:pk>/pack/pdf/", pack_pdf, name="bid-pack-pdf"),
]
