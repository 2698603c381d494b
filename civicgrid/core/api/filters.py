"""The API's filter backend: django-filter's, with errors named after the parameters sent.

A range filter (``created``) is sent as two parameters (``created_after``, ``created_before``);
django-filter files a bad value under the filter's name, which no client sent. Here each bad half is
named by its own parameter."""

from __future__ import annotations

from django import forms
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError


def _split_errors(filterset) -> dict:
    errors = {}
    params = filterset.data
    for name, messages in utils.translate_validation(filterset.errors).detail.items():
        field = filterset.form.fields.get(name)
        suffixes = getattr(getattr(field, "widget", None), "suffixes", None)
        halves = {}
        if isinstance(field, forms.MultiValueField) and suffixes:
            for suffix, part in zip(suffixes, field.fields):
                param = f"{name}_{suffix}" if suffix else name
                value = params.get(param)
                if value in (None, ""):
                    continue
                try:
                    part.clean(value)
                except forms.ValidationError as exc:
                    halves[param] = [ErrorDetail(e.message % (e.params or ()), code=e.code or "invalid")
                                     for e in exc.error_list]
        errors.update(halves or {name: messages})
    return errors


def filter_errors(filterset) -> ValidationError:
    """The 400 for a FilterSet that did not validate, each message under the parameter sent and with
    its own code (``invalid_choice``, ``invalid`` …), for views that run a FilterSet themselves."""
    return ValidationError(_split_errors(filterset))


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise ValidationError(_split_errors(filterset))
        return filterset.qs
