"""The proposals API under /api/v1/proposals/: parse, authorise, call the service, serialise.

Campaigns, proposals and projects are public reads (authors masked); every write needs a
signed-in user, and the services decide who may do what in which phase.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.geo.models import Area
from civicgrid.people.models import Unit

from .. import selectors, services
from ..filters import ProjectFilterSet, ProposalFilterSet
from ..models import Milestone, SelectionRun
from . import serializers as s


class PublicReadMixin:
    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]


def _campaign(campaign_id):
    campaign = selectors.campaign(campaign_id)
    if campaign is None:
        raise Http404()
    return campaign


def _proposal(proposal_id):
    proposal = selectors.proposal(proposal_id)
    if proposal is None:
        raise Http404()
    return proposal


def _project(project_id):
    project = selectors.project(project_id)
    if project is None:
        raise Http404()
    return project


class CampaignList(PublicReadMixin, generics.ListAPIView):
    """GET: every campaign (public). POST: a district or street's staff start a campaign."""

    serializer_class = s.CampaignSerializer

    def get_queryset(self):
        return selectors.public_campaigns().prefetch_related("criteria")

    @extend_schema(request=s.CreateCampaignSerializer, responses={201: s.CampaignSerializer})
    def post(self, request):
        data = s.CreateCampaignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        area = Area.objects.filter(code=v.pop("area")).first()
        if area is None:
            raise Http404()
        criteria = _criteria(v.pop("criteria", None))
        campaign = services.create_campaign(actor=request.user, area=area, criteria=criteria, **v)
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class PanelAdd(APIView):
    """POST {username, kind}: put a person of the campaign's area on its panel (人大代表 / 居民代表).
    DELETE ?username=: take them off again (before the selection, if they have not scored)."""

    @extend_schema(request=s.PanelMemberSerializer, responses={201: s.PanelMemberSerializer})
    def post(self, request, pk: int):
        from civicgrid.people.models import User

        campaign = _campaign(pk)
        data = s.PanelMemberSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not services.can_manage(request.user, campaign):
            raise PermissionDenied()
        user = get_object_or_404(User, username=data.validated_data["username"], is_active=True)
        services.add_panel_member(actor=request.user, campaign=campaign, user=user, kind=data.validated_data["kind"])
        return Response(data.validated_data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("username", str, required=True)], request=None,
                   responses={204: None})
    def delete(self, request, pk: int):
        from ..models import PanelMember

        campaign = _campaign(pk)
        if not services.can_manage(request.user, campaign):
            raise PermissionDenied()
        member = get_object_or_404(PanelMember.objects.select_related("user", "campaign"), campaign=campaign,
                                   user__username=request.query_params.get("username", ""))
        services.remove_panel_member(actor=request.user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _criteria(raw):
    if raw is None:
        return None
    try:
        return [(str(c["name"])[:40], int(c.get("weight", 1))) for c in raw]
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"criteria": [_("Each criterion needs a name and a whole-number weight.")]},
                              code="invalid") from None


class CampaignDetail(PublicReadMixin, generics.RetrieveAPIView):
    """GET: one campaign (public). PATCH: its staff correct it (only the fields sent)."""

    serializer_class = s.CampaignSerializer

    def get_queryset(self):
        return selectors.public_campaigns().prefetch_related("criteria")

    @extend_schema(request=s.UpdateCampaignSerializer, responses={200: s.CampaignSerializer})
    def patch(self, request, pk: int):
        campaign = _campaign(pk)
        data = s.UpdateCampaignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        reason = v.pop("reason", "")
        if "criteria" in v:
            v["criteria"] = _criteria(v["criteria"])
        services.update_campaign(actor=request.user, campaign=campaign, reason=reason, **v)
        return Response(s.CampaignSerializer(self.get_queryset().get(pk=pk)).data)


class CampaignPhase(APIView):
    @extend_schema(request=s.PhaseSerializer, responses={200: s.CampaignSerializer})
    def post(self, request, pk: int):
        campaign = _campaign(pk)
        data = s.PhaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.change_phase(actor=request.user, campaign=campaign, **data.validated_data)
        return Response(s.CampaignSerializer(campaign).data)


class Similar(PublicReadMixin, APIView):
    """Open proposals of the campaign similar to ``text`` (what a resident is about to submit)."""

    @extend_schema(parameters=[OpenApiParameter("text", str, required=True)],
                   responses={200: s.SimilarSerializer(many=True)})
    def get(self, request, pk: int):
        campaign = _campaign(pk)
        found = selectors.similar_proposals(campaign, request.query_params.get("text", "")[:3000])
        # Not paged: the few most similar proposals.
        return Response(s.SimilarSerializer([{"proposal": p, "similarity": score} for p, score in found],
                                             many=True).data)


class ProposalList(PublicReadMixin, generics.ListCreateAPIView):
    """GET: proposals (filters shared with the web list). POST: submit one (collect phase)."""

    serializer_class = s.ProposalSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProposalFilterSet

    def get_queryset(self):
        from ..models import Proposal

        return Proposal.objects.select_related("area", "author").order_by("-support_count", "id")

    @extend_schema(request=s.SubmitSerializer, responses={201: s.ProposalSerializer})
    def post(self, request):
        data = s.SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        campaign = _campaign(v.pop("campaign"))
        v["area"] = Area.objects.filter(code=v["area"]).first()
        proposal = services.submit_proposal(actor=request.user, campaign=campaign, **v)
        return Response(s.ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalDetail(PublicReadMixin, generics.RetrieveAPIView):
    serializer_class = s.ProposalSerializer

    def get_queryset(self):
        from ..models import Proposal

        return Proposal.objects.select_related("area", "author")


def _support_state(request, proposal):
    proposal.refresh_from_db()
    return {"proposal": proposal.pk, "support_count": proposal.support_count,
            "supported": proposal.pk in selectors.supported_ids(request.user, proposal.campaign),
            "remaining": selectors.remaining_supports(request.user, proposal.campaign)}


class SupportView(APIView):
    """POST: support the proposal; DELETE: withdraw the support (support phase only)."""

    @extend_schema(request=None, responses={201: s.SupportStateSerializer})
    def post(self, request, pk: int):
        proposal = _proposal(pk)
        services.support(actor=request.user, proposal=proposal)
        return Response(s.SupportStateSerializer(_support_state(request, proposal)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.SupportStateSerializer})
    def delete(self, request, pk: int):
        proposal = _proposal(pk)
        services.withdraw_support(actor=request.user, proposal=proposal)
        return Response(s.SupportStateSerializer(_support_state(request, proposal)).data)


class Screen(APIView):
    @extend_schema(request=s.ScreenSerializer, responses={200: s.ProposalSerializer})
    def post(self, request, pk: int):
        data = s.ScreenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.screen_proposal(actor=request.user, proposal=_proposal(pk), **data.validated_data)
        return Response(s.ProposalSerializer(proposal).data)


class Merge(APIView):
    @extend_schema(request=s.MergeSerializer, responses={200: s.ProposalSerializer})
    def post(self, request, pk: int):
        data = s.MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = _proposal(data.validated_data["into"])
        target = services.merge_proposals(actor=request.user, source=_proposal(pk), target=target,
                                          reason=data.validated_data["reason"])
        return Response(s.ProposalSerializer(target).data)


class Score(APIView):
    @extend_schema(request=s.ScoreSerializer, responses={200: s.ProposalSerializer})
    def post(self, request, pk: int):
        data = s.ScoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {}
        for key, value in data.validated_data["scores"].items():
            try:
                values[int(key)] = value
            except ValueError:
                values[-1] = value
        proposal = services.score_proposal(actor=request.user, proposal=_proposal(pk), values=values)
        return Response(s.ProposalSerializer(proposal).data)


class SelectionRunView(APIView):
    @extend_schema(request=None, responses={201: s.SelectionRunSerializer})
    def post(self, request, pk: int):
        run = services.run_selection(actor=request.user, campaign=_campaign(pk))
        return Response(s.SelectionRunSerializer(run).data, status=status.HTTP_201_CREATED)


class SelectionConfirm(APIView):
    @extend_schema(request=s.ConfirmSerializer, responses={200: s.ProjectSerializer(many=True)})
    def post(self, request, pk: int):
        campaign = _campaign(pk)
        data = s.ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = get_object_or_404(SelectionRun, pk=data.validated_data["run"], campaign=campaign)
        codes = data.validated_data["units"]
        found = Unit.objects.in_bulk(list(codes.values()), field_name="code")
        units = {}
        for key, code in codes.items():
            if key.isdigit() and code in found:
                units[int(key)] = found[code]
        projects = services.confirm_selection(actor=request.user, run=run, units=units)
        return Response(s.ProjectSerializer(projects, many=True).data)


class ProjectList(PublicReadMixin, generics.ListAPIView):
    serializer_class = s.ProjectSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilterSet

    def get_queryset(self):
        return selectors.public_projects().prefetch_related("milestones").order_by("campaign", "id")


class ProjectDetail(PublicReadMixin, generics.RetrieveAPIView):
    serializer_class = s.ProjectSerializer

    def get_queryset(self):
        return selectors.public_projects().prefetch_related("milestones")


class MilestoneCreate(APIView):
    @extend_schema(request=s.MilestoneSerializer, responses={201: s.MilestoneSerializer})
    def post(self, request, pk: int):
        data = s.MilestoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        milestone = services.add_milestone(actor=request.user, project=_project(pk), title=v["title"],
                                           due_date=v["due_date"], weight=v.get("weight", 1))
        return Response(s.MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneProgress(APIView):
    @extend_schema(request=s.MilestoneProgressSerializer, responses={200: s.MilestoneSerializer})
    def post(self, request, pk: int):
        milestone = get_object_or_404(Milestone.objects.select_related("project__campaign"), pk=pk)
        data = s.MilestoneProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.set_milestone_progress(actor=request.user, milestone=milestone,
                                                    progress=data.validated_data["progress"])
        return Response(s.MilestoneSerializer(milestone).data)


class UpdateCreate(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=s.UpdateSerializer, responses={201: s.UpdateSerializer})
    def post(self, request, pk: int):
        data = s.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.post_update(actor=request.user, project=_project(pk), text=data.validated_data["text"],
                                      photo=data.validated_data.get("photo"))
        return Response(s.UpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class Finish(APIView):
    @extend_schema(request=None, responses={200: s.ProjectSerializer})
    def post(self, request, pk: int):
        project = services.finish_project(actor=request.user, project=_project(pk))
        return Response(s.ProjectSerializer(_project(project.pk)).data)


class Rate(APIView):
    @extend_schema(request=s.RateSerializer, responses={201: s.ProjectSerializer})
    def post(self, request, pk: int):
        data = s.RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = _project(pk)
        services.rate_project(actor=request.user, project=project, **data.validated_data)
        return Response(s.ProjectSerializer(_project(pk)).data, status=status.HTTP_201_CREATED)
