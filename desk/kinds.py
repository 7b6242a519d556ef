"""The words of the work queue: each kind's heading, and an item's title from its parameters, in
the reader's language (the queue's items carry codes and parameters only)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contracts.models import BidStatus, InvoiceStatus
from desk.selectors import queue as q
from pricing.models import financial_year_label

HEADINGS = {
    q.BID_DEADLINE: gettext_lazy("Bids to submit"),
    q.ANSWERS_OUTSTANDING: gettext_lazy("Members' answers outstanding"),
    q.BALLOT_OPEN: gettext_lazy("Board ballots open"),
    q.NEGOTIATION_REPLY: gettext_lazy("Council offers awaiting your reply"),
    q.RETURN_TO_CHECK: gettext_lazy("Members' returns to check"),
    q.INVOICE_UNPAID: gettext_lazy("Invoices not yet paid"),
    q.DOCUMENTS_EXPIRED: gettext_lazy("Compliance documents expired"),
    q.DOCUMENTS_EXPIRING: gettext_lazy("Compliance documents expiring"),
    q.LOT_OFFERED: gettext_lazy("Lots offered to your co-op"),
    q.WORK_TO_ANSWER: gettext_lazy("Work proposed to your co-op"),
    q.RETURN_DUE: gettext_lazy("Returns due"),
    q.COSTS_WINDOW: gettext_lazy("Costs to submit"),
    q.BALLOT_TO_VOTE: gettext_lazy("Ballots to vote on"),
    q.CLARIFICATION_TO_ANSWER: gettext_lazy("Questions to answer"),
    q.TENDER_TO_EVALUATE: gettext_lazy("Tenders past their deadline awaiting evaluation"),
    q.MARK_SHEET: gettext_lazy("Mark sheets to submit"),
    q.STANDSTILL_ENDING: gettext_lazy("Standstill periods ending or ended"),
    q.COUNTER_OFFER: gettext_lazy("Offers awaiting the council's reply"),
    q.QUESTION_AWAITING: gettext_lazy("Your questions awaiting the council's answer"),
}

# Kinds whose date, once past, is not a deadline missed: how the page words the date then, and
# its tag. An award whose standstill has ended is ready to confirm; a document that has expired
# did so on its date (it needs renewing, which the tag says).
PAST_DUE = {
    q.STANDSTILL_ENDING: (gettext_lazy("ended %(date)s"), gettext_lazy("Ready to confirm"), "blue"),
    q.DOCUMENTS_EXPIRED: (gettext_lazy("expired %(date)s"), gettext_lazy("Renew now"), "red"),
}


def _period(period) -> str:
    return _("%(start)s to %(end)s") % {"start": date_format(period.start, "j M Y"),
                                        "end": date_format(period.end, "j M Y")}


def _tender(p: dict) -> str:
    return _("%(reference)s: %(title)s") % {"reference": p["reference"], "title": p["title"]}


def title(item: q.QueueItem) -> str:
    """The item's title in the reader's language."""
    p = item.params
    kind = item.kind
    if kind == q.BID_DEADLINE:
        return _("%(tender)s (%(stage)s)") % {"tender": _tender(p), "stage": BidStatus(p["stage"]).label}
    if kind == q.ANSWERS_OUTSTANDING:
        return ngettext("%(tender)s: %(n)s member still to answer",
                        "%(tender)s: %(n)s members still to answer", p["n"]) % {
            "tender": _tender(p), "n": p["n"]}
    if kind in (q.BALLOT_OPEN, q.BALLOT_TO_VOTE):
        return p["subject"]
    if kind == q.NEGOTIATION_REPLY:
        return _("%(service)s, %(year)s, with %(council)s") % {
            "service": p["service"], "year": financial_year_label(p["year"]), "council": p["council"]}
    if kind == q.COUNTER_OFFER:
        return _("%(service)s, %(year)s, with %(consortium)s") % {
            "service": p["service"], "year": financial_year_label(p["year"]), "consortium": p["consortium"]}
    if kind == q.RETURN_TO_CHECK:
        return _("%(coop)s, %(contract)s, %(period)s") % {
            "coop": p["coop"], "contract": p["contract"], "period": _period(p["period"])}
    if kind == q.INVOICE_UNPAID:
        return _("Invoice %(number)s to %(council)s (%(status)s)") % {
            "number": p["number"], "council": p["council"], "status": InvoiceStatus(p["status"]).label}
    if kind == q.DOCUMENTS_EXPIRED:
        return ngettext("%(n)s document has expired", "%(n)s documents have expired", p["n"]) % {"n": p["n"]}
    if kind == q.DOCUMENTS_EXPIRING:
        return ngettext("%(n)s document expires within 30 days",
                        "%(n)s documents expire within 30 days", p["n"]) % {"n": p["n"]}
    if kind == q.LOT_OFFERED:
        return _("%(tender)s, lot %(lot)s") % {"tender": _tender(p), "lot": p["lot"]}
    if kind == q.WORK_TO_ANSWER:
        return _tender(p)
    if kind == q.RETURN_DUE:
        text = _("%(contract)s, %(period)s") % {"contract": p["contract"], "period": _period(p["period"])}
        return _("%(return)s (sent back)") % {"return": text} if p["sent_back"] else text
    if kind == q.COSTS_WINDOW:
        return _("Your co-op's costs for %(year)s") % {"year": financial_year_label(p["year"])}
    if kind in (q.CLARIFICATION_TO_ANSWER, q.QUESTION_AWAITING):
        return _tender(p)
    if kind == q.TENDER_TO_EVALUATE:
        return ngettext("%(tender)s: %(n)s bid", "%(tender)s: %(n)s bids", p["n"]) % {
            "tender": _tender(p), "n": p["n"]}
    if kind in (q.MARK_SHEET, q.STANDSTILL_ENDING):
        return _("%(tender)s, lot %(lot)s") % {"tender": _tender(p), "lot": p["lot"]}
    raise ValueError(kind)
