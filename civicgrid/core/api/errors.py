"""One error shape for the whole API: {"error": {"code", "message", "fields", "codes"}}.

``fields`` maps each parameter or field sent to its messages; ``codes`` has the same keys (and
nesting) with each message's machine code: DRF's own (``required``, ``null``, ``blank``,
``max_length``, ``invalid_choice``, ``does_not_exist``, ``invalid`` …) or the domain's
(``unknown_category``, ``ambiguous_address`` …), so that a client can branch on them. ``code`` is
the first field error's code (or the refusal's own: ``not_authenticated``, ``conflict`` …).

Domain services raise django ValidationError; a subclass may carry ``http_status`` (the work-order
errors: 409 for an illegal move or a version conflict, 403 for a forbidden one). An error whose
params carry ``candidates`` (an ambiguous address) adds them as ``error.candidates`` so that a
client can offer the choice.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback


def _codes_of(codes):
    """DRF's get_codes() with every leaf a string."""
    if isinstance(codes, dict):
        return {str(key): _codes_of(value) for key, value in codes.items()}
    if isinstance(codes, (list, tuple)):
        return [_codes_of(value) for value in codes]
    return str(codes) if codes else "invalid"


def _first_code(codes) -> str | None:
    if isinstance(codes, dict):
        values = list(codes.values())
    elif isinstance(codes, list):
        values = codes
    else:
        return codes
    for value in values:
        found = _first_code(value)
        if found:
            return found
    return None


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _flatten(item) for item in detail]
    return str(detail)


def _leaf_errors(exc: DjangoValidationError) -> list[DjangoValidationError]:
    """The single errors inside ``exc``, field errors in field order."""
    if hasattr(exc, "error_dict"):
        return [e for errors in exc.error_dict.values() for e in errors]
    return list(exc.error_list) if hasattr(exc, "error_list") else [exc]


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def django_error_response(exc: DjangoValidationError) -> Response:
    """The API answer to a refusal from a domain service."""
    http_status = getattr(exc, "http_status", status.HTTP_400_BAD_REQUEST)
    leaves = _leaf_errors(exc)
    code = next((e.code for e in leaves if getattr(e, "code", None)), None) or "invalid"
    if hasattr(exc, "error_dict"):
        fields = {name: list(messages) for name, messages in exc.message_dict.items()}
        codes = {name: [getattr(e, "code", None) or "invalid" for e in errors] for name, errors in exc.error_dict.items()}
        message = next((m for messages in fields.values() for m in messages), "")
    elif hasattr(exc, "http_status"):
        # A refusal of the whole request (a move, a conflict) belongs to no field.
        fields, codes, message = {}, {}, exc.messages[0] if exc.messages else ""
    else:
        fields = {"non_field_errors": list(exc.messages)}
        codes = {"non_field_errors": [getattr(e, "code", None) or "invalid" for e in leaves]}
        message = exc.messages[0] if exc.messages else ""
    body = {"code": code, "message": message, "fields": fields, "codes": codes}
    for leaf in leaves:
        params = getattr(leaf, "params", None) or {}
        if isinstance(params, dict) and "candidates" in params:
            body["candidates"] = _plain(params["candidates"])
            break
    return Response({"error": body}, status=http_status)


def _refusal(code: str, message: str, http_status: int) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": {}, "codes": {}}}, status=http_status)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return django_error_response(exc)
    # Django refuses these while the body is read; without this they escape as an HTML error page.
    if isinstance(exc, RequestDataTooBig):
        return _refusal("request_too_large", _("The request body is too large."),
                        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return _refusal("too_many_fields", _("The request has too many fields or files."), status.HTTP_400_BAD_REQUEST)
    # DRF's parsers say what failed in English, with the decoder's words: say it in the user's language.
    if isinstance(exc, exceptions.ParseError):
        return _refusal("parse_error", _("The request body could not be read: send JSON in UTF-8, or a form."),
                        status.HTTP_400_BAD_REQUEST)
    # DRF turns these into NotFound / PermissionDenied itself, but only after the code is read.
    if isinstance(exc, Http404):
        # Django's get_object_or_404 says "No Household matches the given query." in English only.
        untranslated = bool(exc.args) and str(exc.args[0]).endswith(" matches the given query.")
        exc = exceptions.NotFound() if untranslated else exceptions.NotFound(*(exc.args or ()))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args or ()))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    raw_codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(exc, exceptions.APIException):
        code = raw_codes if isinstance(raw_codes, str) else getattr(exc, "default_code", "invalid")
    fields, codes = {}, {}
    if isinstance(detail, dict) and "detail" in detail and len(detail) == 1:
        message = str(detail["detail"])
    elif isinstance(detail, (dict, list)):
        fields = _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
        if isinstance(raw_codes, (dict, list)):
            codes = _codes_of(raw_codes) if isinstance(raw_codes, dict) else {"non_field_errors": _codes_of(raw_codes)}
            code = _first_code(codes) or code
        message = str(exceptions.ValidationError.default_detail)
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            first = next(iter(fields.values()), None)
            if isinstance(first, list) and first:
                message = str(first[0])
            elif isinstance(first, str):
                message = first
    else:
        message = str(detail)
    return Response(
        {"error": {"code": code, "message": message, "fields": fields, "codes": codes}},
        status=response.status_code,
        headers={k: v for k, v in response.items()},
    )


def not_found(request, *args, **kwargs):
    """Any address under /api/v1/ that names no endpoint (or an id of the wrong form): the API's
    404, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"error": {"code": "not_found", "message": str(exceptions.NotFound.default_detail),
                                   "fields": {}, "codes": {}}}, status=status.HTTP_404_NOT_FOUND,
                        json_dumps_params={"ensure_ascii": False})
