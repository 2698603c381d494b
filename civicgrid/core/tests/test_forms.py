"""A service's refusal lands on the form that called it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from civicgrid.core.forms import add_service_errors


class _Form(forms.Form):
    title = forms.CharField()


def _bound() -> _Form:
    form = _Form({"title": "楼道堆物"})
    assert form.is_valid()
    return form


def test_field_errors_go_to_their_field_and_unknown_fields_above_the_form():
    form = _bound()
    add_service_errors(form, ValidationError({"title": "标题太短。", "budget": "预算必须大于0。"}))
    assert form.errors == {"title": ["标题太短。"], "__all__": ["预算必须大于0。"]}
    assert not form.is_valid()


def test_an_error_without_fields_goes_above_the_form():
    form = _bound()
    add_service_errors(form, ValidationError(["该议题已结束。", "请稍后再试。"]))
    assert form.errors == {"__all__": ["该议题已结束。", "请稍后再试。"]}
