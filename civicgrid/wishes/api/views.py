"""The wishes API under /api/v1/wishes/: parse, authorise, call the service, serialise.

Lists use the same ``WishFilterSet`` as the web pages. A wish or problem the reader may not see
answers 404 exactly like a missing one; refusals of the services come back as
``{"error": {"code", "message", "fields"}}`` with their status (403, 409, 429, 400).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.core.api.filters import filter_errors
from civicgrid.core.api.pagination import PagedAPIView
from civicgrid.people.jurisdiction import jurisdiction_for

from .. import rules, selectors, services
from ..filters import ProblemFilterSet, WishFilterSet
from ..models import ProblemSource, ProblemState
from . import serializers as s

SCOPES = ("staff", "mine", "claims", "near", "wall")


class WishList(ListAPIView):
    """GET: wishes, filtered (``state``, ``area``, ``q``, ``overdue``, ``on_behalf``, ``team``,
    ``branch``). ``scope``: ``wall`` (open wishes, masked; anyone), ``near`` (open wishes where a
    volunteer lives or serves), ``mine`` (the reader's household's), ``claims`` (the reader's
    claims), ``staff`` (the reader's areas; the default for staff). POST: post a wish (a resident
    for their household; with ``household``, a grid worker on its behalf)."""

    serializer_class = s.WishSerializer
    filterset_class = WishFilterSet
    parser_classes = (JSONParser, FormParser)

    def get_permissions(self):
        if self.request.method == "GET" and self.request.query_params.get("scope") == "wall":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        user = self.request.user
        j = jurisdiction_for(user)
        scope = self.request.query_params.get("scope") or ("staff" if selectors.is_wish_staff(j) else "mine")
        if scope not in SCOPES:
            raise PermissionDenied(_("Unknown scope."))
        if scope == "staff":
            if not selectors.is_wish_staff(j):
                raise PermissionDenied(_("Only community staff and above see the wishes of an area."))
            return selectors.wishes_for(j).order_by("-created_at", "-id")
        if scope == "mine":
            return selectors.my_wishes(user)
        if scope == "claims":
            return selectors.my_claims(user)
        if scope == "near":
            return selectors.near(user)
        return selectors.wall()

    @extend_schema(parameters=[OpenApiParameter("scope", str, enum=list(SCOPES))])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.WishInputSerializer, responses={201: s.WishDetailSerializer})
    def post(self, request):
        data = s.WishInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        household = fields.pop("household")
        if household is not None:
            wish = services.post_wish_on_behalf(actor=request.user, household=household, **fields)
        else:
            wish = services.post_wish(actor=request.user, **fields)
        return Response(s.WishDetailSerializer(wish, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _wish(request, pk):
    wish = selectors.wish_for(request.user, pk)
    if wish is None:
        raise Http404(_("No such wish."))
    return wish


class WishDetail(APIView):
    permission_classes = (permissions.AllowAny,)

    @extend_schema(responses={200: s.WishDetailSerializer})
    def get(self, request, pk: int):
        """One wish. The household's name, phone and room are shown only to the claimer and to
        staff of the area (an audited read); everyone else gets the masked summary."""
        return Response(s.WishDetailSerializer(_wish(request, pk), context={"request": request}).data)


class WishMoves(APIView):
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    @extend_schema(request=s.MoveInputSerializer, responses={200: s.WishDetailSerializer})
    def post(self, request, pk: int):
        """One move of the wish (approve, reject, claim, release, fulfil, confirm, dispute,
        cancel). ``fulfil`` is multipart with ``note`` and one or more ``photos``."""
        wish = selectors.wish_for_move(request.user, pk)
        if wish is None:
            raise Http404(_("No such wish."))
        data = s.MoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        wish = services.move_wish(wish.pk, v["action"], request.user, reason=v["reason"], note=v["note"],
                                  photos=photos, team=v["team"], expected_version=v["version"])
        return Response(s.WishDetailSerializer(wish, context={"request": request}).data)


def _staff(request):
    j = jurisdiction_for(request.user)
    if not selectors.is_wish_staff(j):
        raise PermissionDenied(_("Rankings and figures are for community staff and above."))
    return j


class Rankings(APIView):
    @extend_schema(parameters=[s.RankingsQuerySerializer], responses={200: s.RankingsSerializer})
    def get(self, request):
        """Completion rates per party branch and volunteer team (wishes claimed, fulfilled,
        confirmed, confirmation rate, mean days from claim to confirmation), and hard problems
        claimed and solved per secretary and branch, over the reader's areas: over the claims
        made in ``month`` (YYYY-MM), or over every claim when it is left out."""
        j = _staff(request)
        query = s.RankingsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data.get("month")
        data = selectors.rankings(j, month.bounds() if month else None)
        return Response({"month": month.code if month else None, **data})


class Figures(APIView):
    @extend_schema(responses={200: s.FiguresSerializer})
    def get(self, request):
        """The command-center figures of wishes and hard problems over the reader's areas."""
        figures = selectors.center_figures(_staff(request))
        figures.pop("wish_states", None)
        return Response(figures)


class ProblemList(PagedAPIView, APIView):
    @extend_schema(parameters=[
        OpenApiParameter("state", str, many=True, enum=[c for c, _label in ProblemState.choices]),
        OpenApiParameter("source", str, enum=[c for c, _label in ProblemSource.choices]),
        *(OpenApiParameter(n, str) for n in ("area", "category", "q")), OpenApiParameter("secretary", int),
    ], responses={200: s.ProblemSerializer(many=True)})
    def get(self, request):
        """Hard problems: staff see their areas', secretaries their streets' and their own; filtered
        by the same ``ProblemFilterSet`` as the web page (``state``, ``source``, ``area``,
        ``secretary``, ``category``, ``q``). A filter value that cannot be read answers 400."""
        user = request.user
        if not selectors.is_wish_staff(jurisdiction_for(user)) and not rules.is_secretary(user):
            raise PermissionDenied(_("Hard problems are for staff and party secretaries."))
        filterset = ProblemFilterSet(request.query_params, queryset=selectors.problems_for(user))
        if not filterset.is_valid():
            raise filter_errors(filterset)
        return self.paged(request, filterset.qs.order_by(*selectors.PROBLEM_ORDER),
                          lambda page: s.ProblemSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=s.ProblemInputSerializer, responses={201: s.ProblemDetailSerializer})
    def post(self, request):
        """Put a stalled, escalated or reopened work order (``order``: its number) or a proactive
        task (``task``) on the hard-problem list."""
        j = _staff(request)
        data = s.ProblemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        from civicgrid.proactive.models import ProactiveTask
        from civicgrid.workorders.models import WorkOrder

        order = task = None
        if v["order"]:
            order = WorkOrder.objects.filter(selectors.staff_q(j), number=v["order"]).first()
            if order is None:
                raise Http404(_("No such work order in your jurisdiction."))
        if v["task"] is not None:
            task = ProactiveTask.objects.filter(selectors.staff_q(j), pk=v["task"]).select_related("order").first()
            if task is None:
                raise Http404(_("No such proactive task in your jurisdiction."))
        problem = services.create_hard_problem(actor=request.user, order=order, task=task, title=v["title"],
                                               description=v["description"])
        return Response(s.ProblemDetailSerializer(problem, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _problem(request, pk):
    found = selectors.problem_for(request.user, pk)
    if found is None:
        raise Http404(_("No such hard problem."))
    return found


class ProblemDetail(APIView):
    @extend_schema(responses={200: s.ProblemDetailSerializer})
    def get(self, request, pk: int):
        return Response(s.ProblemDetailSerializer(_problem(request, pk), context={"request": request}).data)


class ProblemMoves(APIView):
    @extend_schema(request=s.MoveInputSerializer, responses={200: s.ProblemDetailSerializer})
    def post(self, request, pk: int):
        """One move of the hard problem (claim, release, progress, solve, confirm, reopen)."""
        found = _problem(request, pk)
        data = s.MoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        problem = services.move_problem(found.pk, v["action"], request.user, reason=v["reason"], note=v["note"],
                                        progress=v["progress"], expected_version=v["version"])
        return Response(s.ProblemDetailSerializer(problem, context={"request": request}).data)
