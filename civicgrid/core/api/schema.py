"""The API's one error shape (core/api/errors.py) in the OpenAPI schema: a component ``Error`` that
every refusal of every operation refers to, so that a client generated from the schema can read
``error.codes`` and branch on them."""

from __future__ import annotations

_CODES = ("the code of each message, with the same keys (and nesting) as fields: DRF's own (required, null, blank, "
          "max_length, min_length, max_value, min_value, invalid, invalid_choice, does_not_exist, incorrect_type, "
          "not_a_list, empty, date, datetime) or the platform's (unknown_category, ambiguous_address, "
          "unknown_address, outside, outside_jurisdiction, idempotency_key_reused, idempotency_key_in_use, "
          "external_id_in_use …)")

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "fields", "codes"],
        "properties": {
            "code": {"type": "string", "description": "the first field error's code, or the refusal's own "
                                                      "(not_authenticated, authentication_failed, token_expired, "
                                                      "permission_denied, not_found, conflict, illegal_transition, "
                                                      "forbidden, throttled, parse_error …)"},
            "message": {"type": "string", "description": "one sentence for a person, in the caller's language"},
            "fields": {"type": "object", "description": "each parameter or field sent that was refused: its messages",
                       "additionalProperties": {}},
            "codes": {"type": "object", "description": _CODES, "additionalProperties": {}},
            "candidates": {"type": "array", "items": {"type": "object"},
                           "description": "an ambiguous address: the buildings it may mean"},
        },
    }},
}
REF = {"$ref": "#/components/schemas/Error"}


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every 4xx response without a body of its own gets the
    Error body, and every operation a ``default`` response with it."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, response in responses.items():
                if str(status).startswith("4") and not response.get("content"):
                    response["content"] = {"application/json": {"schema": REF}}
            responses.setdefault("default", {"description": "a refusal: {error: {code, message, fields, codes}}",
                                             "content": {"application/json": {"schema": REF}}})
    return result
