"""Web page: scenarios ("pricing-scenario"), what-if analysis of members' costs for the coordinator.

A GET form, so it works without JavaScript and a scenario can be bookmarked or shared with
another coordinator as a link. Coordinators only: it shows individual members' costs (board
members, member users and council reviewers get 403; visitors are sent to the login page). The
arithmetic is pricing.scenarios'; this module only reads the form and draws the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError, require
from pricing import cost_model as cm
from pricing import scenarios as sc
from pricing.forms import ScenarioForm

# --- the chart ----------------------------------------------------------------------------------

CHART_WIDTH = 600
ROW_HEIGHT, BAR_HEIGHT, LABEL_GAP = 74, 32, 24
CHART_TOP, CHART_BOTTOM = 8, 40
HEADROOM = Decimal("1.15")  # the longest bar or the rate line stops short of the edge


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal
    width: Decimal
    y: int
    fill: str

    @property
    def text_y(self) -> int:
        return self.y - 8


def chart(result: sc.ScenarioResult | None) -> dict | None:
    """Geometry of the bars (the median total before and after) and the proposed rate's line."""
    if result is None:
        return None
    top = max(result.total.before, result.total.after, result.proposed_rate)
    if top <= 0:
        return None
    scale = Decimal(CHART_WIDTH) / (top * HEADROOM)

    def x(amount: Decimal) -> Decimal:
        return (amount * scale).quantize(Decimal("0.1"))

    bars = [
        Bar(str(_("Median cost now")), result.total.before, x(result.total.before),
            CHART_TOP + LABEL_GAP, "#505a5f"),
        Bar(str(_("Median cost after the changes")), result.total.after, x(result.total.after),
            CHART_TOP + LABEL_GAP + ROW_HEIGHT, "#1d70b2"),
    ]
    line_x = x(result.proposed_rate)
    line_bottom = CHART_TOP + 2 * ROW_HEIGHT
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": line_bottom + CHART_BOTTOM,
        "bar_height": BAR_HEIGHT,
        "line_x": line_x,
        "line_top": CHART_TOP,
        "line_bottom": line_bottom,
        "line_text_y": line_bottom + 24,
        "line_anchor": "end" if line_x > CHART_WIDTH / 2 else "start",
        "line_text_x": line_x - 6 if line_x > CHART_WIDTH / 2 else line_x + 6,
    }


# --- the page -----------------------------------------------------------------------------------

@login_required
def scenario(request):
    require(sc.can_run_scenarios(request.user))
    submitted = any(name in request.GET for name in ScenarioForm.base_fields)
    form = ScenarioForm(request.GET if submitted else None)
    result, no_submissions = None, None
    if submitted and form.is_valid():
        try:
            result = sc.run_scenario(consortium=request.user.consortium_id, scenario=form.to_scenario())
        except sc.NoSubmissions as exc:
            no_submissions = exc.message
        except cm.CostInputError as exc:  # ScenarioInputError: out-of-range inputs, by field
            form.add_scenario_errors(exc)
        except DomainError as exc:  # a stored submission that cannot be priced
            form.add_error(None, exc.message)
    return render(request, "pricing/scenarios/scenario.html", {
        "form": form,
        "result": result,
        "no_submissions": no_submissions,
        "chart": chart(result),
    })


urlpatterns = [
    path("pricing/scenarios/", scenario, name="pricing-scenario"),
]
