"""The API's filter backend: django-filter's, with errors named after the parameters sent.

A range filter (``created``) is sent as two parameters (``created_after``, ``created_before``);
django-filter files a bad value under the filter's name, which no client sent. Here each bad half is
named by its own parameter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
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


def known_parameters(filterset, view) -> set[str]:
    """Every query parameter a list view reads: its filters (a range as its two halves), the
    pagination's, and DRF's ``format``."""
    names = {"format"}
    for name, field in filterset.form.fields.items():
        suffixes = getattr(getattr(field, "widget", None), "suffixes", None)
        if suffixes:
            names.update(f"{name}_{s}" if s else name for s in suffixes)
        else:
            names.add(name)
    paginator = getattr(view, "paginator", None)
    for attr in ("page_query_param", "page_size_query_param"):
        if getattr(paginator, attr, None):
            names.add(getattr(paginator, attr))
    return names


def unknown_parameters(request, filterset, view) -> list[str]:
    return sorted(set(request.query_params) - known_parameters(filterset, view))


class FilterBackend(DjangoFilterBackend):
    """A view with ``strict_query_params = True`` refuses a parameter it does not read (400 naming
    it), so that a misspelt filter (``updated_afer``) cannot silently return everything."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if getattr(view, "strict_query_params", False):
            unknown = unknown_parameters(request, filterset, view)
            if unknown:
                known = ", ".join(sorted(known_parameters(filterset, view)))
                raise ValidationError({name: [ErrorDetail(
                    _("Unknown query parameter %(name)s. This list reads: %(known)s.") % {"name": name, "known": known},
                    code="unknown_parameter")] for name in unknown})
        if not filterset.is_valid() and self.raise_exception:
            raise ValidationError(_split_errors(filterset))
        return filterset.qs
