"""The deliberation API under /api/v1/deliberation/: parse, authorise, call the service, serialise.
Reads go through the selectors (a topic outside the reader's reach answers 404)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from civicgrid.core.api.pagination import PagedAPIView
from civicgrid.geo.models import Area
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit
from civicgrid.workorders import selectors as order_selectors

from .. import selectors, services
from ..filters import TopicFilterSet
from ..models import PostReport as PostReportModel
from ..models import Topic
from . import serializers as s


def _topic(request, topic_id: int) -> Topic:
    topic = selectors.topic_for(request.user, topic_id)
    if topic is None:
        raise Http404()
    return topic


def _user(username: str, field: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({field: [_("Unknown user %(name)s.") % {"name": username}]})
    return user


def _unit(code: str, field: str):
    if not code:
        return None
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise ValidationError({field: [_("Unknown unit %(code)s.") % {"code": code}]})
    return unit


class TopicList(generics.ListAPIView):
    """GET: topics the reader may see, filtered like the web list. POST: raise a topic (说), or
    with ``order`` turn a work order into one."""

    serializer_class = s.DelibTopicSerializer
    filterset_class = TopicFilterSet

    def get_queryset(self):
        return selectors.topics_for(self.request.user).select_related("source_order")

    @extend_schema(request=s.DelibRaiseTopicSerializer, responses={201: s.DelibTopicSerializer})
    def post(self, request):
        data = s.DelibRaiseTopicSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        order = None
        if v["order"]:
            order = order_selectors.orders_for(jurisdiction_for(request.user)).filter(number=v["order"]).first()
            if order is None:
                raise Http404()
        area = Area.objects.filter(code=v["area"]).first() if v["area"] else (order.area if order else None)
        if area is None:
            raise ValidationError({"area": [_("Unknown area.")]})
        topic = services.raise_topic(actor=request.user, area=area, title=v["title"], description=v["description"],
                                     source_order=order)
        return Response(s.DelibTopicSerializer(topic).data, status=status.HTTP_201_CREATED)


class TopicDetail(APIView):
    @extend_schema(responses={200: s.DelibTopicSerializer})
    def get(self, request, topic_id: int):
        return Response(s.DelibTopicSerializer(_topic(request, topic_id)).data)


class TopicMove(APIView):
    @extend_schema(request=s.DelibMoveSerializer, responses={200: s.DelibTopicSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic = services.move_topic(actor=request.user, topic=topic, **data.validated_data)
        return Response(s.DelibTopicSerializer(topic).data)


class Participants(APIView):
    @extend_schema(responses={200: s.DelibParticipantSerializer(many=True)})
    def get(self, request, topic_id: int):
        # Not paged: the parties at one table (四方议事), added one by one by staff — a handful.
        topic = _topic(request, topic_id)
        return Response(s.DelibParticipantSerializer(topic.participants.select_related("user", "unit"), many=True).data)

    @extend_schema(request=s.DelibAddParticipantSerializer, responses={201: s.DelibParticipantSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibAddParticipantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        participant = services.add_participant(actor=request.user, topic=topic, party=v["party"],
                                               user=_user(v["user"], "user"), unit=_unit(v["unit"], "unit"),
                                               name=v["name"])
        return Response(s.DelibParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)


class Posts(PagedAPIView, APIView):
    @extend_schema(responses={200: s.DelibPostSerializer(many=True)})
    def get(self, request, topic_id: int):
        """The discussion, oldest first, in pages: every resident may post, so it has no bound."""
        topic = _topic(request, topic_id)
        return self.paged(request, selectors.posts_of(request.user, topic),
                          lambda page: s.DelibPostSerializer(page, many=True).data)

    @extend_schema(request=s.DelibNewPostSerializer, responses={201: s.DelibPostSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibNewPostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        parent = None
        if v["parent"]:
            parent = topic.posts.filter(pk=v["parent"]).first()
            if parent is None:
                raise ValidationError({"parent": [_("Unknown post.")]})
        post = services.create_post(actor=request.user, topic=topic, body=v["body"], position=v["position"],
                                    parent=parent)
        return Response(s.DelibPostSerializer(post).data, status=status.HTTP_201_CREATED)


def _post(request, post_id: int):
    post = selectors.post_for(request.user, post_id)
    if post is None:
        raise Http404()
    return post


class PostReport(APIView):
    @extend_schema(request=s.DelibReasonSerializer, responses={201: s.DelibPostSerializer})
    def post(self, request, post_id: int):
        post = _post(request, post_id)
        data = s.DelibReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.report_post(actor=request.user, post=post, reason=data.validated_data["reason"])
        post.shown_body = post.body if services.may_manage(request.user, post.topic) or not post.is_hidden else None
        return Response(s.DelibPostSerializer(post).data, status=status.HTTP_201_CREATED)


class PostModerate(APIView):
    hide = True

    @extend_schema(request=s.DelibReasonSerializer, responses={200: s.DelibPostSerializer})
    def post(self, request, post_id: int):
        post = _post(request, post_id)
        data = s.DelibReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = services.hide_post if self.hide else services.unhide_post
        post = service(actor=request.user, post=post, reason=data.validated_data["reason"])
        return Response(s.DelibPostSerializer(post).data)


class Reports(generics.ListAPIView):
    """The moderation queue: reports on posts of the reader's jurisdiction (staff only)."""

    serializer_class = s.DelibReportSerializer
    filterset_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PostReportModel.objects.none()
        if not jurisdiction_for(self.request.user).is_staff:
            raise PermissionDenied()
        return selectors.reports_for(self.request.user).order_by("-created_at", "-id")


class Meetings(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: s.DelibMeetingSerializer(many=True)})
    def get(self, request, topic_id: int):
        # Not paged: the meetings staff hold on one topic — a few.
        topic = _topic(request, topic_id)
        return Response(s.DelibMeetingSerializer(topic.meetings.prefetch_related("attendees", "photos"), many=True).data)

    @extend_schema(request=s.DelibNewMeetingSerializer, responses={201: s.DelibMeetingSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibNewMeetingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        meeting = services.create_meeting(actor=request.user, topic=topic, title=v["title"], agenda=v["agenda"],
                                          starts_at=v["starts_at"], place=v["place"], minutes=v["minutes"],
                                          attendee_ids=v["attendees"], photos=v["photos"])
        return Response(s.DelibMeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetail(APIView):
    """GET one meeting; PATCH (staff of the topic's area, while the topic is at 聚, 议 or 办)
    changes its title, agenda, time or place before it starts, or adds or corrects its record
    after the fact (minutes, attendance, photos)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: s.DelibMeetingDetailSerializer})
    def get(self, request, meeting_id: int):
        return Response(s.DelibMeetingDetailSerializer(_meeting(request, meeting_id)).data)

    @extend_schema(request=s.DelibRecordMeetingSerializer, responses={200: s.DelibMeetingDetailSerializer})
    def patch(self, request, meeting_id: int):
        meeting = _meeting(request, meeting_id)
        data = s.DelibRecordMeetingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if any(k in v for k in data.ARRANGEMENT):
            meeting = services.change_meeting(actor=request.user, meeting=meeting, title=v.get("title"),
                                              agenda=v.get("agenda"), starts_at=v.get("starts_at"),
                                              place=v.get("place"))
            return Response(s.DelibMeetingDetailSerializer(meeting).data)
        meeting = services.record_meeting(actor=request.user, meeting=meeting, minutes=v.get("minutes"),
                                          attendee_ids=v.get("attendees"), photos=v.get("photos", ()),
                                          remove_photo_ids=v.get("remove_photos", ()))
        return Response(s.DelibMeetingDetailSerializer(meeting).data)


class MeetingCancel(APIView):
    """Cancel a meeting not yet held, with a reason: it is kept, marked cancelled."""

    @extend_schema(request=s.DelibCancelMeetingSerializer, responses={200: s.DelibMeetingDetailSerializer})
    def post(self, request, meeting_id: int):
        meeting = _meeting(request, meeting_id)
        data = s.DelibCancelMeetingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.cancel_meeting(actor=request.user, meeting=meeting, reason=data.validated_data["reason"])
        return Response(s.DelibMeetingDetailSerializer(meeting).data)


def _meeting(request, meeting_id: int):
    meeting = selectors.meeting_for(request.user, meeting_id)
    if meeting is None:
        raise Http404()
    return meeting


class Polls(APIView):
    @extend_schema(responses={200: s.DelibPollSerializer(many=True)})
    def get(self, request, topic_id: int):
        # Not paged: the polls staff open on one topic — a few.
        topic = _topic(request, topic_id)
        return Response(s.DelibPollSerializer(selectors.polls_of(topic), many=True).data)

    @extend_schema(request=s.DelibNewPollSerializer, responses={201: s.DelibPollSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibNewPollSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        poll = services.create_poll(actor=request.user, topic=topic, **data.validated_data)
        return Response(s.DelibPollSerializer(poll).data, status=status.HTTP_201_CREATED)


def _poll(request, poll_id: int):
    poll = selectors.poll_for(request.user, poll_id)
    if poll is None:
        raise Http404()
    return poll


class PollAction(APIView):
    action = "open"

    @extend_schema(request=None, responses={200: s.DelibPollSerializer})
    def post(self, request, poll_id: int):
        poll = _poll(request, poll_id)
        service = services.open_poll if self.action == "open" else services.close_poll
        poll = service(actor=request.user, poll=poll)
        return Response(s.DelibPollSerializer(poll).data)


class Votes(APIView):
    @extend_schema(request=s.DelibVoteSerializer, responses={201: s.DelibPollSerializer})
    def post(self, request, poll_id: int):
        poll = _poll(request, poll_id)
        data = s.DelibVoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote = services.cast_vote(actor=request.user, poll=poll, option=data.validated_data["option"])
        return Response({"poll": poll.pk, "option": vote.option_id, "household_voted": True},
                        status=status.HTTP_201_CREATED)


class Tasks(APIView):
    @extend_schema(responses={200: s.DelibTaskSerializer(many=True)})
    def get(self, request, topic_id: int):
        # Not paged: the resolution tasks staff set for one topic — a few.
        topic = _topic(request, topic_id)
        return Response(s.DelibTaskSerializer(topic.tasks.select_related("work_order", "owner_unit"), many=True).data)

    @extend_schema(request=s.DelibNewTaskSerializer, responses={201: s.DelibTaskSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibNewTaskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["as_order"]:
            task = services.file_task_order(actor=request.user, topic=topic, title=v["title"], text=v["text"],
                                            building_code=v["building_code"], address=v["address"],
                                            category_code=v["category_code"])
        else:
            task = services.create_task(actor=request.user, topic=topic, title=v["title"],
                                        owner_user=_user(v["owner_user"], "owner_user"),
                                        owner_unit=_unit(v["owner_unit"], "owner_unit"), deadline=v["deadline"])
        return Response(s.DelibTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskProgress(APIView):
    @extend_schema(request=s.DelibTaskProgressSerializer, responses={200: s.DelibTaskSerializer})
    def post(self, request, task_id: int):
        task = selectors.task_for(request.user, task_id)
        if task is None:
            raise Http404()
        data = s.DelibTaskProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.update_task(actor=request.user, task=task, **data.validated_data)
        return Response(s.DelibTaskSerializer(task).data)


class Ratings(PagedAPIView, APIView):
    @extend_schema(responses={200: s.DelibRatingSerializer(many=True)})
    def get(self, request, topic_id: int):
        """Residents' ratings of the outcome, in pages: one per resident, so no small bound."""
        topic = _topic(request, topic_id)
        return self.paged(request, topic.ratings.order_by("id"),
                          lambda page: s.DelibRatingSerializer(page, many=True).data)

    @extend_schema(request=s.DelibNewRatingSerializer, responses={201: s.DelibRatingSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.DelibNewRatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rate_topic(actor=request.user, topic=topic, **data.validated_data)
        return Response(s.DelibRatingSerializer(rating).data, status=status.HTTP_201_CREATED)
