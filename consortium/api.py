"""API plumbing shared by every app: the domain error mapped to HTTP once (400, 403 or 409, as
consortium.errors.http_status says), and the JSON parser."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import ParseError
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
