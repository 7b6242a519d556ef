"""Policies of open-book cost submissions (pricing/web/submissions.py, pricing/api/submissions.py).

Confidential: a co-op's submission is seen by its own users and its consortium's coordinators
only. Board members and council reviewers are refused the pages (403) and see empty API lists;
coop B's user and another consortium's coordinator do not know coop A's submission exists (404).
Submission windows are set by coordinators only; the consortium's users read them in the API.
"""

from __future__ import annotations

import datetime as dt

from tests.policies import Policy, personas

API = "/api/v1"

# Who may use the submission pages: coordinators (their own consortium) and member users.
SUBMITTERS = dict(coordinator=200, member_a=200, member_b=200, coordinator_other=200, anonymous=302)
# Who sees coop A's submission.
SEES_COOP_A = dict(coordinator=200, member_a=200)


def _submission_of_coop_a(world) -> dict:
    from pricing.models import CostSubmission
    from tests.pricing_factories import cost_submission

    submission = (CostSubmission.objects.filter(coop=world.coop_a, is_latest=True).first()
                  or cost_submission(world.coop_a, evidence_notes="Payroll, March"))
    return {"pk": submission.pk}


def _api_submission_of_coop_a(world) -> dict:
    return {"id": _submission_of_coop_a(world)["pk"]}


def _window_of_consortium_a(world) -> dict:
    from pricing.models import SubmissionWindow

    window = SubmissionWindow.objects.filter(consortium=world.consortium).first() or _open_window(world)
    return {"id": window.pk}


def _open_window(world):
    """An open window for this financial year in consortium A (made inside the matrix's
    savepoint, so it goes with the persona's request)."""
    from django.utils import timezone

    from pricing.forms import current_financial_year
    from pricing.models import SubmissionWindow

    now = timezone.now()
    return SubmissionWindow.objects.update_or_create(
        consortium=world.consortium, financial_year=current_financial_year(),
        defaults={"opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=1)},
    )[0]


def _submission_form(world) -> dict:
    """A valid submission (a member user's own co-op offers home care); the window is open."""
    from pricing.forms import current_financial_year
    from tests.factories import service

    _open_window(world)
    return {
        "service_type": service().pk, "financial_year": str(current_financial_year()),
        "hourly_pay": "12.60", "travel_minutes_per_hour": "10",
        "national_insurance": "9.5", "national_insurance_basis": "percent",
        "pension": "3", "pension_basis": "percent",
        "running_costs": "27", "running_costs_basis": "percent",
        "surplus": "3", "surplus_basis": "percent",
        "evidence_notes": "Payroll for March",
    }


def _window_form(world) -> dict:
    return {"financial_year": "2031", "opens_at": "2031-03-01T09:00", "closes_at": "2031-04-30T17:00"}


POLICIES = [
    Policy("cost-submission-list", personas(403, **SUBMITTERS),
           note="board members and council reviewers never see individual costs"),
    Policy("cost-submission-create", personas(403, **SUBMITTERS)),
    # A member user's valid submission is saved (302 to it); a coordinator who has not chosen a
    # co-op (or whose consortium has none such) is shown the form's error, and nothing is saved.
    Policy("cost-submission-create",
           personas(403, coordinator=200, member_a=302, member_b=302, coordinator_other=200, anonymous=302),
           method="POST", data=_submission_form),
    Policy("cost-submission-detail",
           personas(403, anonymous=302, member_b=404, coordinator_other=404, **SEES_COOP_A),
           kwargs=_submission_of_coop_a),
    Policy("submission-window-edit", personas(403, coordinator=200, coordinator_other=200, anonymous=302)),
    Policy("submission-window-edit", personas(403, coordinator=302, coordinator_other=302, anonymous=302),
           method="POST", data=_window_form, note="each coordinator sets its own consortium's window"),
    # --- API ---
    Policy(f"GET {API}/pricing/submissions/", personas(200, anonymous=401),
           note="scoped list: board members and reviewers get an empty list"),
    Policy(f"POST {API}/pricing/submissions/",
           personas(403, anonymous=401, coordinator=400, member_a=400, member_b=400, coordinator_other=400),
           note="the empty payload is refused by field for those who may submit"),
    Policy(f"GET {API}/pricing/submissions/{{id}}/", personas(404, anonymous=401, **SEES_COOP_A),
           kwargs=_api_submission_of_coop_a),
    Policy(f"GET {API}/pricing/submissions/{{id}}/versions/", personas(404, anonymous=401, **SEES_COOP_A),
           kwargs=_api_submission_of_coop_a),
    Policy(f"GET {API}/pricing/floors/", personas(200, anonymous=401),
           note="scoped list: a member its own floors, a coordinator its members'; others none"),
    Policy(f"GET {API}/pricing/windows/", personas(200, anonymous=401),
           note="scoped list: the consortium's users see its windows, reviewers none"),
    Policy(f"POST {API}/pricing/windows/",
           personas(403, anonymous=401, coordinator=400, coordinator_other=400)),
    Policy(f"PATCH {API}/pricing/windows/{{id}}/",
           personas(404, anonymous=401, coordinator=400, board=403, member_a=403, member_b=403),
           kwargs=_window_of_consortium_a,
           data=lambda w: {"closes_at": "2000-01-01T00:00:00Z"},
           note="closing before it opens is refused; the consortium's other users may not change it"),
]
