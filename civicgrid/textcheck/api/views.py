"""Urgency and reply-check API: parse, authorise, call, serialise."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.core.api.pagination import PagedAPIView
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.selectors import get_order

from .. import replies, selectors, services, urgency
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description="invalid input: {error: {code, message, fields}}"),
    401: OpenApiResponse(description="not signed in"),
    403: OpenApiResponse(description="not allowed"),
    404: OpenApiResponse(description="no such order or check in your jurisdiction"),
}


class StaffOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return jurisdiction_for(request.user).is_staff


class UrgencyCheckView(APIView):
    permission_classes = [permissions.IsAuthenticated, StaffOnly]

    @extend_schema(request=s.UrgencyInputSerializer, responses={200: s.UrgencyResultSerializer, **ERRORS},
                   summary="Check a text for urgency (紧急诉求识别)")
    def post(self, request):
        data = s.UrgencyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = urgency.assess_appeal(data.validated_data["title"], data.validated_data["text"])
        return Response(s.UrgencyResultSerializer(result.as_dict()).data)


class ReplyCheckView(APIView):
    permission_classes = [permissions.IsAuthenticated, StaffOnly]

    @extend_schema(request=s.ReplyInputSerializer, responses={200: s.ReplyResultSerializer, **ERRORS},
                   summary="Check an answer before sending it (答复质量检查)")
    def post(self, request):
        data = s.ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = replies.check_reply(v["subject"], v["appeal"], v["reply"])
        return Response(s.ReplyResultSerializer(result.as_dict()).data)


def _order_or_404(request, number):
    order = get_order(jurisdiction_for(request.user), number)
    if order is None:
        raise Http404(_("No such work order."))
    return order


def order_checks(order) -> dict:
    flag = selectors.urgency_flag(order)
    return {"order": order.number, "priority": order.priority, "urgent": flag is not None,
            "urgency": flag, "reply": selectors.current_reply_check(order)}


class OrderChecksView(APIView):
    permission_classes = [permissions.IsAuthenticated, StaffOnly]

    @extend_schema(responses={200: s.OrderChecksSerializer, **ERRORS},
                   summary="An order's urgency flag and the check of its answer")
    def get(self, request, number):
        return Response(s.OrderChecksSerializer(order_checks(_order_or_404(request, number))).data)


class OrderAnswerView(APIView):
    permission_classes = [permissions.IsAuthenticated, StaffOnly]

    @extend_schema(request=s.RewriteInputSerializer, responses={200: s.ReplyCheckSerializer, **ERRORS},
                   summary="Rewrite a held answer (the handling unit)")
    def post(self, request, number):
        order = _order_or_404(request, number)
        data = s.RewriteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = services.rewrite_answer(request.user, order, data.validated_data["answer"])
        return Response(s.ReplyCheckSerializer(check).data)


class HeldRepliesView(PagedAPIView, APIView):
    permission_classes = [permissions.IsAuthenticated, StaffOnly]

    @extend_schema(responses={200: s.ReplyCheckSerializer(many=True), **ERRORS},
                   summary="Answers held off the echo wall, waiting for review")
    def get(self, request):
        checks = selectors.reply_checks_for(jurisdiction_for(request.user))
        return self.paged(request, checks, lambda page: s.ReplyCheckSerializer(page, many=True).data)


class ApproveReplyView(APIView):
    permission_classes = [permissions.IsAuthenticated, StaffOnly]

    @extend_schema(request=s.ApproveInputSerializer, responses={200: s.ReplyCheckSerializer, **ERRORS},
                   summary="Approve a held answer (street or district command center)")
    def post(self, request, pk):
        check = selectors.get_reply_check(jurisdiction_for(request.user), pk)
        if check is None:
            raise Http404(_("No such reply check."))
        if not services.can_review(request.user):
            raise PermissionDenied(_("Only the street or district command center may approve answers."))
        data = s.ApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = services.approve_reply(request.user, check, note=data.validated_data["note"])
        return Response(s.ReplyCheckSerializer(check).data)
