"""The field-work API under /api/v1/field/: parse, authorise, call the service, serialise."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.core.api.filters import filter_errors
from civicgrid.core.api.pagination import PagedAPIView
from civicgrid.people.jurisdiction import Jurisdiction, jurisdiction_for
from civicgrid.workorders.intake import GRID_ROLES, IntakeForbidden

from .. import selectors, services
from ..filters import PatrolFilterSet
from ..periods import parse_month, this_month
from . import serializers as s


class FieldAPIView(APIView):
    pass


def _field(request) -> Jurisdiction:
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.has_role(*GRID_ROLES):
        raise PermissionDenied()
    return jurisdiction


def _patrol(jurisdiction: Jurisdiction, patrol_id: int):
    patrol = selectors.patrol_of(jurisdiction, patrol_id)
    if patrol is None:
        raise Http404()
    return patrol


class PatrolListCreate(PagedAPIView, FieldAPIView):
    """GET: the reader's patrols, newest first. POST {grid}: start a patrol of one of their grids."""

    @extend_schema(responses={200: s.PatrolSerializer(many=True)})
    def get(self, request):
        jurisdiction = _field(request)
        patrols = selectors.patrols_for(jurisdiction).filter(worker_id=request.user.pk)
        return self.paged(request, patrols, lambda page: s.PatrolSerializer(page, many=True).data)

    @extend_schema(request=s.StartPatrolSerializer, responses={201: s.PatrolSerializer})
    def post(self, request):
        jurisdiction = _field(request)
        data = s.StartPatrolSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grid = selectors.my_grid(jurisdiction, data.validated_data["grid"])
        if grid is None:
            raise Http404()
        patrol = services.start_patrol(actor=request.user, grid=grid)
        return Response(s.PatrolSerializer(patrol).data, status=status.HTTP_201_CREATED)


class RoutePoint(FieldAPIView):
    """POST {lon, lat[, at, coord_system]}: one point of the track of the reader's patrol under way."""

    @extend_schema(request=s.RoutePointSerializer, responses={200: s.PatrolSerializer})
    def post(self, request, patrol_id: int):
        patrol = _patrol(_field(request), patrol_id)
        data = s.RoutePointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patrol = services.add_route_point(actor=request.user, patrol=patrol, **data.validated_data)
        return Response(s.PatrolSerializer(patrol).data)


class EndPatrol(FieldAPIView):
    @extend_schema(request=s.EndPatrolSerializer, responses={200: s.PatrolSerializer})
    def post(self, request, patrol_id: int):
        patrol = _patrol(_field(request), patrol_id)
        data = s.EndPatrolSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patrol = services.end_patrol(actor=request.user, patrol=patrol, note=data.validated_data["note"])
        return Response(s.PatrolSerializer(patrol).data)


class Snap(FieldAPIView):
    """随手拍 as multipart: photos, text, lon, lat (WGS-84 unless coord_system says otherwise)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=s.SnapSerializer, responses={201: s.SnapResultSerializer})
    def post(self, request):
        _field(request)
        data = s.SnapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.snap_report(actor=request.user, **data.validated_data)
        return Response(s.SnapResultSerializer(result).data, status=status.HTTP_201_CREATED)


# --- visits -----------------------------------------------------------------------------------------
def _area_reader(request) -> Jurisdiction:
    jurisdiction = jurisdiction_for(request.user)
    if not selectors.may_read_fieldwork(jurisdiction):
        raise PermissionDenied()
    return jurisdiction


class VisitListCreate(PagedAPIView, FieldAPIView):
    """GET: visits in the reader's areas, newest first (``?grid=CODE``, ``?month=YYYY-MM``, ``?mine=1``).
    POST (JSON or multipart): log a visit in one of the reader's grids; with ``finding_text`` (and a
    photo) the finding is filed as a patrol appeal through intake, located at the visited building or
    at ``lon``/``lat``, categorised by ``category_code`` or the suggestion, and linked to the visit —
    all in one transaction."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses={200: s.VisitSerializer(many=True)})
    def get(self, request):
        jurisdiction = _area_reader(request)
        qs = selectors.visits_for(jurisdiction).select_related("appeal__order__category")
        if request.query_params.get("grid"):
            qs = qs.filter(grid__code=request.query_params["grid"])
        if request.query_params.get("mine") in ("1", "true"):
            qs = qs.filter(worker_id=request.user.pk)
        if request.query_params.get("month"):
            month = parse_month(request.query_params["month"])
            if month is None:
                raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2026-03.")]}, code="invalid")
            start, end = month.bounds()
            qs = qs.filter(visited_at__gte=start, visited_at__lt=end)
        return self.paged(request, qs.order_by("-visited_at", "-id"), lambda page: s.VisitSerializer(page, many=True).data)

    @extend_schema(request=s.VisitInputSerializer, responses={201: s.VisitSerializer})
    def post(self, request):
        jurisdiction = _field(request)
        data = s.VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        grid = selectors.my_grid(jurisdiction, v["grid"])
        if grid is None:
            raise Http404()
        household = building = None
        if v["household"] is not None:
            household = selectors.households_for_choice(jurisdiction, [grid]).filter(pk=v["household"]).first()
            if household is None:
                raise ValidationError({"household": [ValidationError(
                    _("There is no such household in %(grid)s.") % {"grid": grid.name}, code="unknown_household")]})
        elif v["building"]:
            building = selectors.building_in_grid(jurisdiction, grid, v["building"])
            if building is None:
                raise ValidationError({"building": [ValidationError(
                    _("There is no such building in %(grid)s.") % {"grid": grid.name}, code="unknown_building")]})
        try:
            visit = services.log_visit(
                actor=request.user, grid=grid, kind=v["kind"], household=household, building=building,
                summary=v["summary"], needs=v["needs"], follow_up=v["follow_up"], visited_at=v["visited_at"],
                finding_text=v["finding_text"], photos=v["photos"], category_code=v["category_code"] or None,
                lon=v["lon"], lat=v["lat"])
        except IntakeForbidden as exc:
            raise PermissionDenied(exc.messages[0]) from exc
        visit = selectors.visits_for(jurisdiction).select_related("appeal__order__category").get(pk=visit.pk)
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class PatrolLog(PagedAPIView, FieldAPIView):
    """GET: the patrol log of the reader's areas, with duration, route length in metres, findings
    and visits; filters ``grid``, ``worker``, ``month`` (YYYY-MM) and ``open`` as on the web page."""

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False) for n in ("grid", "worker", "month", "open")],
                   responses={200: s.PatrolLogSerializer(many=True)})
    def get(self, request):
        jurisdiction = _area_reader(request)
        filterset = PatrolFilterSet(request.query_params, queryset=selectors.patrol_log(jurisdiction))
        if not filterset.is_valid():
            raise filter_errors(filterset)
        now = timezone.now()

        def serialize(page):
            for p in page:
                p.minutes = selectors.patrol_minutes(p, now)
                p.route_metres = selectors.route_metres(p.route)
            return s.PatrolLogSerializer(page, many=True).data

        return self.paged(request, filterset.qs.select_related("grid", "worker"), serialize)


class CoverageView(FieldAPIView):
    """GET ``?area=CODE&month=YYYY-MM&level=street|community|grid``: households with a household
    visit in the month over households registered, for the area and each area of ``level`` under it."""

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False) for n in ("area", "month", "level")],
                   responses={200: s.CoverageSerializer})
    def get(self, request):
        jurisdiction = _area_reader(request)
        area = selectors.area_for(jurisdiction, request.query_params.get("area"))
        if area is None:
            raise Http404()
        raw = request.query_params.get("month", "")
        month = parse_month(raw) if raw else this_month()
        if month is None:
            raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2026-03.")]}, code="invalid")
        level = request.query_params.get("level") or None
        if level is not None and level not in ("street", "community", "grid"):
            raise ValidationError({"level": [_("Give the level as street, community or grid.")]}, code="invalid")
        report = selectors.coverage(jurisdiction, area, month, level)
        if report is None:
            raise Http404()
        return Response(s.CoverageSerializer(report).data)


class CareOverdue(PagedAPIView, FieldAPIView):
    """GET: key-group households overdue for a visit, the most overdue first: a grid worker's own
    grids, or (``?grid=CODE``) one grid of the reader's household scope. Names masked."""

    @extend_schema(parameters=[OpenApiParameter("grid", str, required=False)], responses={200: s.CareRowSerializer(many=True)})
    def get(self, request):
        jurisdiction = _area_reader(request)
        now = timezone.now()
        grid = None
        if request.query_params.get("grid"):
            grid = selectors.area_for(jurisdiction, request.query_params["grid"])
            if grid is None or grid.kind != "grid" or not jurisdiction.covers_household_path(grid.path):
                raise Http404()
        if grid is None and jurisdiction.has_role(*GRID_ROLES) and not jurisdiction.is_global:
            dues = selectors.my_overdue_care(jurisdiction, now=now)
        else:
            dues = selectors.overdue_care(jurisdiction, grid=grid, now=now)
        return self.paged(request, dues, lambda page: s.CareRowSerializer(selectors.care_rows(page, now=now),
                                                                          many=True).data)


def _save_policy(request, *, instance=None, values: dict):
    try:
        return services.save_care_policy(request.user, instance=instance, **values)
    except services.FieldworkForbidden as exc:
        raise PermissionDenied(exc.messages[0]) from exc


class CarePolicies(FieldAPIView):
    """GET: the care rules that apply in the reader's areas (everyone with an area reads them).
    POST: a new rule on an area (district command center of the area, or an administrator)."""

    @extend_schema(responses={200: s.CarePolicySerializer(many=True)})
    def get(self, request):
        return Response(s.CarePolicySerializer(selectors.policies_for(_area_reader(request)), many=True).data)

    @extend_schema(request=s.CarePolicyInputSerializer, responses={201: s.CarePolicySerializer})
    def post(self, request):
        jurisdiction = _area_reader(request)
        if not selectors.may_set_care_rules(jurisdiction):
            # Refused before the area is looked up: a grid worker asking for the district's area
            # is told who sets rules, not that the area is outside their reach.
            raise PermissionDenied(_("Only administrators and the district command center set care rules."))
        data = s.CarePolicyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        area = selectors.area_for(jurisdiction, values.pop("area"))
        if area is None:
            raise ValidationError({"area": [ValidationError(_("There is no such area in your jurisdiction."),
                                                            code="unknown_area")]})
        policy = _save_policy(request, values={"area": area, **values})
        return Response(s.CarePolicySerializer(policy).data, status=status.HTTP_201_CREATED)


class CarePolicyDetail(FieldAPIView):
    """GET: one rule. PATCH: change the fields given (not the area: a rule elsewhere is a new rule)."""

    def _policy(self, request):
        policy = selectors.policies_for(_area_reader(request)).filter(pk=self.kwargs["policy_id"]).first()
        if policy is None:
            raise Http404()
        return policy

    @extend_schema(responses={200: s.CarePolicySerializer})
    def get(self, request, policy_id: int):
        return Response(s.CarePolicySerializer(self._policy(request)).data)

    @extend_schema(request=s.CarePolicyInputSerializer(partial=True), responses={200: s.CarePolicySerializer})
    def patch(self, request, policy_id: int):
        policy = self._policy(request)
        data = s.CarePolicyInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if changes.pop("area", policy.area.code) != policy.area.code:
            raise ValidationError({"area": [ValidationError(
                _("A rule stays on its area; set a new rule on the other area instead."), code="area_fixed")]})
        values = {f: getattr(policy, f) for f in ("tag", "period", "days", "starts_on", "is_active", "note")}
        policy = _save_policy(request, instance=policy, values={**values, **changes, "area": policy.area})
        return Response(s.CarePolicySerializer(policy).data)


class BaolianChain(FieldAPIView):
    """GET ``?household=ID`` | ``?building=CODE`` | ``?area=CODE``: who answers for it up the 包联
    chain, bottom first; a level with no cadre is a gap. Household names masked."""

    @extend_schema(parameters=[OpenApiParameter(n, str, required=False) for n in ("household", "building", "area")],
                   responses={200: s.ChainLinkSerializer(many=True)})
    def get(self, request):
        from civicgrid.geo.models import Building, Household
        from civicgrid.people import selectors as people_selectors

        jurisdiction = _area_reader(request)
        q = request.query_params
        household = building = area = None
        if q.get("household"):
            household = Household.objects.select_related("building", "building__grid").filter(
                pk=q["household"] if str(q["household"]).isdigit() else None).first()
            if household is None:
                raise Http404()
        elif q.get("building"):
            building = Building.objects.select_related("grid").filter(code=q["building"]).first()
            if building is None:
                raise Http404()
        else:
            area = selectors.area_for(jurisdiction, q.get("area"))
            if area is None:
                raise Http404()
        chain = people_selectors.baolian_chain(jurisdiction, household=household, building=building, area=area)
        if chain is None:
            raise Http404()
        return Response(s.ChainLinkSerializer(chain, many=True).data)


class BaolianGaps(FieldAPIView):
    """GET ``?area=CODE``: streets, communities, buildings and key-group households under the area
    with no 包联 cadre (lists cut at 500, totals exact)."""

    @extend_schema(parameters=[OpenApiParameter("area", str, required=False)], responses={200: s.GapsSerializer})
    def get(self, request):
        from civicgrid.people import selectors as people_selectors

        jurisdiction = _area_reader(request)
        area = selectors.area_for(jurisdiction, request.query_params.get("area"))
        if area is None:
            raise Http404()
        gaps = people_selectors.baolian_gaps(jurisdiction, area, limit=500)
        if gaps is None:
            raise Http404()
        return Response(s.GapsSerializer(gaps).data)


class CenterFigures(FieldAPIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(selectors.center_figures(_area_reader(request)))
