"""Web pages of pricing: the cost calculator.

The calculator is the public method and holds no one's data, so every signed-in user may use it
(visitors are sent to the login page). It is a GET form, so it works without JavaScript and a
result can be bookmarked or shared as a link. Opened without inputs it shows a worked example.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from consortium.models import TimeBand
from pricing import cost_model as cm
from pricing.forms import WELSH_RLW_EXAMPLE, CalculatorForm

# One colour per line, with the text colour that reads on it (contrast 4.5:1 or more); the chart
# never relies on colour alone: segments follow the legend's and the table's order, and are labelled.
PALETTE = {
    "contact_pay": ("#1d70b2", "#ffffff"),
    "travel_pay": ("#5694ca", "#0b0c0c"),
    "national_insurance": ("#003078", "#ffffff"),
    "pension": ("#4c2c92", "#ffffff"),
    "holiday": ("#912b88", "#ffffff"),
    "training": ("#6f72af", "#0b0c0c"),
    "sick_pay": ("#d4351c", "#ffffff"),
    "notice": ("#b58840", "#0b0c0c"),
    "mileage": ("#00703c", "#ffffff"),
    "running_costs": ("#505a5f", "#ffffff"),
    "surplus": ("#f47738", "#0b0c0c"),
}
CHART_WIDTH = 420  # viewBox units; the chart fills half the page, so text stays legible
BAR_TOP, BAR_HEIGHT = 4, 56
LEGEND_TOP, LEGEND_ROW = 80, 28
MIN_LABELLED_WIDTH = 46  # a segment this wide carries its share as text


@dataclass(frozen=True)
class Segment:
    line: cm.Line
    index: int
    x: Decimal
    width: Decimal
    fill: str
    ink: str
    legend_y: int

    @property
    def legend_text_y(self) -> int:
        return self.legend_y + 15

    @property
    def labelled(self) -> bool:
        return self.width >= MIN_LABELLED_WIDTH

    @property
    def text_x(self) -> Decimal:
        return self.x + self.width / 2


def chart(breakdown: cm.CostBreakdown | None) -> dict | None:
    """Geometry of the stacked bar: one segment per line with an amount, widths by share."""
    if breakdown is None or breakdown.total <= 0:
        return None
    segments, x = [], Decimal(0)
    shown = [line for line in breakdown.lines if line.amount > 0]
    for i, line in enumerate(shown):
        width = (line.amount / breakdown.total * CHART_WIDTH).quantize(Decimal("0.1"))
        fill, ink = PALETTE[line.code]
        segments.append(Segment(line, i + 1, x, width, fill, ink, LEGEND_TOP + i * LEGEND_ROW))
        x += width
    return {
        "segments": segments,
        "width": CHART_WIDTH,
        "height": LEGEND_TOP + len(segments) * LEGEND_ROW,
        "bar_top": BAR_TOP,
        "bar_height": BAR_HEIGHT,
        "text_y": BAR_TOP + BAR_HEIGHT // 2 + 6,
    }


@login_required
def calculator(request):
    submitted = any(name in request.GET for name in CalculatorForm.base_fields)
    form = CalculatorForm(request.GET if submitted else WELSH_RLW_EXAMPLE)
    breakdown = None
    if form.is_valid():
        try:
            breakdown = cm.calculate(form.to_inputs())
        except cm.CostInputError as exc:
            form.add_cost_errors(exc)
    return render(request, "pricing/calculator.html", {
        "form": form,
        "is_example": not submitted,
        "breakdown": breakdown,
        "chart": chart(breakdown),
        "time_band_label": TimeBand(form.cleaned_data["time_band"]).label if breakdown else "",
    })


urlpatterns = [
    path("pricing/calculator/", calculator, name="pricing-calculator"),
]
