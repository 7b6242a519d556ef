"""API plumbing shared by every app: the domain error mapped to HTTP once (400, 403 or 409, as
``consortium.errors.http_status`` says), the JSON parser, a role refused as 403, input checked by
a serializer with its messages by field, and choice fields documented as named enums."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from consortium.errors import DomainError, http_status


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        code = http_status(exc)
        if code == status.HTTP_403_FORBIDDEN:  # as DRF answers its own 403: {"detail": ...}
            return Response({"detail": str(exc.message)}, status=code)
        return Response(exc.as_dict(), status=code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = Http404()
    return drf_exception_handler(exc, context)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 to a body nested deeper than Python's parser can follow.

    A few kilobytes of brackets would otherwise raise RecursionError, which DRF does not take
    for a parse error: a 500 for anyone, signed in or not. Every API view parses JSON with this.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply to be read.")) from None


def flat_errors(errors, prefix: str = "", *, by_item: bool = True) -> dict[str, list[str]]:
    """A serializer's errors as messages by field, one level deep (the documented shape of a 400).

    A nested field's messages go under "outer.inner" ("rates.weekday_day"), an item of a list
    under its index ("lots.0", "marks.1.mark"); with ``by_item=False`` the messages of every
    item of a list of objects go under the list's own name ("questions").
    """
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for name, inner in errors.items():
            key = name if not prefix else (prefix if name == "non_field_errors" else f"{prefix}.{name}")
            for k, v in flat_errors(inner, str(key), by_item=by_item).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        if errors:
            flat[prefix or "non_field_errors"] = [str(e) for e in errors]
    elif isinstance(errors, list):
        for i, inner in enumerate(errors):
            if not inner:
                continue
            if by_item:
                for k, v in flat_errors(inner, f"{prefix}.{i}" if prefix else str(i)).items():
                    flat.setdefault(k, []).extend(v)
            else:
                messages = flat.setdefault(prefix or "non_field_errors", [])
                messages.extend(m for ms in flat_errors(inner).values() for m in ms)
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


def validated(serializer_class, data, *, flat: bool = True, by_item: bool = True, **kwargs) -> dict:
    """``data`` checked by ``serializer_class(data=data, **kwargs)``: its validated data, or a 400
    with the messages by field (``flat_errors``; ``flat=False`` keeps the serializer's nesting,
    for operations that document nested messages)."""
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        errors = serializer.errors
        raise ValidationError(flat_errors(errors, by_item=by_item) if flat else errors)
    return serializer.validated_data


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as one named enum component, ``component``: field names like
    "status" and "choice" are shared by resources with other choices. Subclasses set
    ``component`` and ``enum_choices``."""

    component = ""
    enum_choices: list = []

    def __init__(self, **kwargs):
        super().__init__(choices=self.enum_choices, **kwargs)


class NamedChoiceFieldSchema(OpenApiSerializerFieldExtension):
    """drf-spectacular's schema of every NamedChoiceField (registered by defining it here)."""

    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = build_choice_field(serializers.ChoiceField(choices=self.target.enum_choices))
        schema.pop("x-spec-enum-id", None)
        name = self.target.component
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        auto_schema.registry.register_on_missing(component)
        if self.target.allow_null:
            return {"allOf": [component.ref], "nullable": True}
        return component.ref
