"""Template helpers for GOV.UK Frontend markup: form widgets, error anchors, pagination.

Used by consortium/templates/partials/ (field.html, error_summary.html, pagination.html), which
every app's forms reuse, so the filters work with any Django form. An app's own tags (a
compliance document's expiry, say) live in that app's templatetags, not here.
"""

from __future__ import annotations

from django import template
from django.core.paginator import Page
from django.forms import BoundField

register = template.Library()

WIDGET_CLASSES = {
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "textarea": "govuk-textarea",
    "file": "govuk-file-upload",
    "clearablefile": "govuk-file-upload",
}
CHOICE_WIDGETS = {"radioselect": "radios", "checkboxselectmultiple": "checkboxes"}


def _described_by(bf: BoundField) -> str:
    ids = []
    if bf.help_text:
        ids.append(f"{bf.auto_id}-hint")
    if bf.errors:
        ids.append(f"{bf.auto_id}-error")
    return " ".join(ids)


@register.filter
def govuk_widget(bf: BoundField):
    """Render a text, number, date, e-mail, select, textarea or file widget with GOV.UK classes,
    the error modifier when the field has errors, and aria-describedby for its hint and error."""
    base = WIDGET_CLASSES.get(bf.widget_type, "govuk-input")
    classes = [base]
    if bf.errors:
        classes.append(f"{base}--error")
    extra = bf.field.widget.attrs.get("class")
    if extra:
        classes.append(extra)
    attrs = {"class": " ".join(classes)}
    described_by = _described_by(bf)
    if described_by:
        attrs["aria-describedby"] = described_by
    return bf.as_widget(attrs=attrs)


@register.filter
def govuk_described_by(bf: BoundField) -> str:
    return _described_by(bf)


@register.filter
def govuk_choice_kind(bf: BoundField) -> str:
    """"radios" or "checkboxes" for a multiple-choice widget, "" for any other widget."""
    return CHOICE_WIDGETS.get(bf.widget_type, "")


@register.filter
def govuk_anchor(bf: BoundField) -> str:
    """The id an error summary link should point at: the input, or a group's first option."""
    if bf.widget_type in CHOICE_WIDGETS:
        return f"{bf.auto_id}_0"
    return bf.id_for_label or bf.auto_id


@register.simple_tag
def govuk_page_range(page: Page, on_each_side: int = 1, on_ends: int = 1):
    """Page numbers around the current page, with Paginator.ELLIPSIS where pages are left out."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=on_each_side,
                                                     on_ends=on_ends))

