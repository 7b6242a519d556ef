"""Forms of the capacity pages: the declaration form and the filter forms.

The forms only check the shape of the input (numbers are numbers, dates are dates, choices
exist). The rules of the domain (no negative volume, a share within 0-100, minimum package
within the maximum, a service the co-op offers) live in ``services.capacity_declare``; the
view puts its DomainError on the field it names.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.models import Council, ServiceType, TimeBand
from members.models import MemberCoop

DEFAULT_TIME_BAND = TimeBand.WEEKDAY_DAY


class GovukBoundField(BoundField):
    """Adds GOV.UK Frontend classes (and their error modifier) to the rendered widget.

    Django already sets ``aria-invalid`` and ``aria-describedby`` ("<id>_helptext <id>_error")
    which the field template uses as the ids of the hint and the error message.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        base = "govuk-select" if isinstance(widget, forms.Select) else "govuk-input"
        classes = [base, widget.attrs.get("class", "")]
        if self.errors:
            classes.append(f"{base}--error")
        attrs["class"] = " ".join(c for c in classes if c)
        return attrs


class GovukForm(forms.Form):
    bound_field_class = GovukBoundField


def _number(label, *, max_digits: int, required: bool = True, help_text="", required_message=None):
    """A decimal typed as text (GOV.UK: no type=number), with a decimal keypad on phones."""
    return forms.DecimalField(
        label=label,
        error_messages={"required": required_message} if required_message else None,
        max_digits=max_digits,
        decimal_places=2,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-5"}
        ),
    )


def _date(label, *, required: bool = True, help_text="", required_message=None):
    return forms.DateField(
        label=label,
        error_messages={"required": required_message} if required_message else None,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _choices(objects, blank_label) -> list[tuple]:
    return [("", blank_label), *((obj.pk, str(obj)) for obj in objects)]


class CoopChoiceForm(GovukForm):
    """A coordinator first chooses the co-op to declare for (a GET form: works without JavaScript)."""

    coop = forms.ModelChoiceField(
        label=_("Member co-op"), queryset=MemberCoop.objects.none(), empty_label=_("Choose a co-op")
    )

    def __init__(self, *args, coops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops


class CapacityDeclareForm(GovukForm):
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.all(),
        empty_label=_("Choose a service type"),
        error_messages={"required": _("Choose a service type")},
    )
    council = forms.ModelChoiceField(
        label=_("Council area"), queryset=Council.objects.all(), empty_label=_("Choose a council area"),
        error_messages={"required": _("Choose a council area")},
    )
    time_band = forms.ChoiceField(
        label=_("Time band"), choices=[("", _("Choose a time band")), *TimeBand.choices],
        error_messages={"required": _("Choose a time band")},
    )
    valid_from = _date(
        _("Valid from"), help_text=_("The first day this capacity is available."),
        required_message=_("Enter the first day this capacity is available"),
    )
    valid_to = _date(
        _("Valid to (optional)"), required=False,
        help_text=_("Leave empty if the capacity has no planned end."),
    )
    declared_volume = _number(
        _("Volume"), max_digits=9, required_message=_("Enter the volume you can deliver")
    )
    staff_fte = _number(
        _("Staff (full-time equivalent)"), max_digits=7,
        required_message=_("Enter the staff, as full-time equivalents"),
        help_text=_("For example, 4.5 for four full-time and one half-time worker."),
    )
    welsh_speaking_share = _number(
        _("Welsh-speaking share (%)"), max_digits=5,
        required_message=_("Enter the Welsh-speaking share, from 0 to 100"),
        help_text=_("The share of this capacity that can be delivered in Welsh, from 0 to 100."),
    )
    min_package = _number(
        _("Minimum package size (optional)"), max_digits=7, required=False,
        help_text=_("In the service's unit."),
    )
    max_package = _number(
        _("Maximum package size (optional)"), max_digits=7, required=False,
        help_text=_("In the service's unit."),
    )

    def __init__(self, *args, coop: MemberCoop, **kwargs):
        """``coop``: the co-op declaring (prefetch its services and councils).

        Only the co-op's own services and areas are offered; anything else that is posted is
        still validated by the service, which says what is wrong.
        """
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "valid_from": timezone.localdate(), "time_band": DEFAULT_TIME_BAND,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        self.coop = coop
        offered = list(coop.service_types.all())
        councils = list(coop.councils_served.all())
        self.fields["service_type"].choices = _choices(offered, _("Choose a service type"))
        self.fields["council"].choices = _choices(councils, _("Choose a council area"))
        # A co-op with one service (or one area) has nothing to choose.
        if len(offered) == 1:
            self.initial.setdefault("service_type", offered[0].pk)
        if len(councils) == 1:
            self.initial.setdefault("council", councils[0].pk)
        units = "; ".join(f"{s}: {s.get_unit_display()}" for s in offered)
        self.fields["declared_volume"].help_text = (
            _("Available volume in the service's unit (%(units)s).") % {"units": units}
            if units
            else _("Available volume in the service's unit.")
        )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class CapacityFilterForm(GovukForm):
    """Filters of the coordinator's list of current declarations."""

    coop = forms.ModelChoiceField(
        label=_("Member co-op"), queryset=MemberCoop.objects.none(), required=False,
        empty_label=_("All co-ops"),
    )
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.all(), required=False,
        empty_label=_("All service types"),
    )
    council = forms.ModelChoiceField(
        label=_("Council area"), queryset=Council.objects.all(), required=False,
        empty_label=_("All council areas"),
    )
    time_band = forms.ChoiceField(
        label=_("Time band"), required=False, choices=[("", _("All time bands")), *TimeBand.choices]
    )

    def __init__(self, *args, coops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops

    def filter(self, qs):
        """Apply the filters that are valid; the invalid ones show their error and are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("coop"):
            qs = qs.filter(coop=data["coop"])
        if data.get("service_type"):
            qs = qs.filter(service_type=data["service_type"])
        if data.get("council"):
            qs = qs.filter(council=data["council"])
        if data.get("time_band"):
            qs = qs.filter(time_band=data["time_band"])
        return qs


def board_choices() -> list[tuple[str, str]]:
    boards = (
        Council.objects.order_by("regional_partnership_board")
        .values_list("regional_partnership_board", flat=True)
        .distinct()
    )
    return [(b, b) for b in boards]


class PooledFilterForm(GovukForm):
    """Filters of the pooled capacity pages: one time band (weekday daytime by default)."""

    time_band = forms.ChoiceField(label=_("Time band"), choices=TimeBand.choices, required=False)
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.all(), required=False,
        empty_label=_("All service types"),
    )
    board = forms.ChoiceField(label=_("Regional Partnership Board"), required=False)
    council = forms.ModelChoiceField(
        label=_("Council area"), queryset=Council.objects.all(), required=False,
        empty_label=_("All council areas"),
    )

    def __init__(self, *args, with_council: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].choices = [("", _("All boards")), *board_choices()]
        if not with_council:
            del self.fields["council"]

    def filters(self) -> dict:
        """The valid filters (an invalid one shows its error and is ignored), with defaults."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "time_band": data.get("time_band") or DEFAULT_TIME_BAND,
            "service_type": data.get("service_type"),
            "board": data.get("board") or None,
            "council": data.get("council"),
        }
