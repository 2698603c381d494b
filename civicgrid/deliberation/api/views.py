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

from civicgrid.geo.models import Area
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Unit
from civicgrid.workorders import selectors as order_selectors

from .. import selectors, services
from ..filters import TopicFilterSet
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

    serializer_class = s.TopicSerializer
    filterset_class = TopicFilterSet

    def get_queryset(self):
        return selectors.topics_for(self.request.user).select_related("source_order")

    @extend_schema(request=s.RaiseTopicSerializer, responses={201: s.TopicSerializer})
    def post(self, request):
        data = s.RaiseTopicSerializer(data=request.data)
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
        return Response(s.TopicSerializer(topic).data, status=status.HTTP_201_CREATED)


class TopicDetail(APIView):
    @extend_schema(responses={200: s.TopicSerializer})
    def get(self, request, topic_id: int):
        return Response(s.TopicSerializer(_topic(request, topic_id)).data)


class TopicMove(APIView):
    @extend_schema(request=s.MoveSerializer, responses={200: s.TopicSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic = services.move_topic(actor=request.user, topic=topic, **data.validated_data)
        return Response(s.TopicSerializer(topic).data)


class Participants(APIView):
    @extend_schema(responses={200: s.ParticipantSerializer(many=True)})
    def get(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        return Response(s.ParticipantSerializer(topic.participants.select_related("user", "unit"), many=True).data)

    @extend_schema(request=s.AddParticipantSerializer, responses={201: s.ParticipantSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.AddParticipantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        participant = services.add_participant(actor=request.user, topic=topic, party=v["party"],
                                               user=_user(v["user"], "user"), unit=_unit(v["unit"], "unit"),
                                               name=v["name"])
        return Response(s.ParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)


class Posts(APIView):
    @extend_schema(responses={200: s.PostSerializer(many=True)})
    def get(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        return Response(s.PostSerializer(selectors.posts_of(request.user, topic), many=True).data)

    @extend_schema(request=s.NewPostSerializer, responses={201: s.PostSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.NewPostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        parent = None
        if v["parent"]:
            parent = topic.posts.filter(pk=v["parent"]).first()
            if parent is None:
                raise ValidationError({"parent": [_("Unknown post.")]})
        post = services.create_post(actor=request.user, topic=topic, body=v["body"], position=v["position"],
                                    parent=parent)
        return Response(s.PostSerializer(post).data, status=status.HTTP_201_CREATED)


def _post(request, post_id: int):
    post = selectors.post_for(request.user, post_id)
    if post is None:
        raise Http404()
    return post


class PostReport(APIView):
    @extend_schema(request=s.ReasonSerializer, responses={201: s.PostSerializer})
    def post(self, request, post_id: int):
        post = _post(request, post_id)
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.report_post(actor=request.user, post=post, reason=data.validated_data["reason"])
        post.shown_body = post.body if services.may_manage(request.user, post.topic) or not post.is_hidden else None
        return Response(s.PostSerializer(post).data, status=status.HTTP_201_CREATED)


class PostModerate(APIView):
    hide = True

    @extend_schema(request=s.ReasonSerializer, responses={200: s.PostSerializer})
    def post(self, request, post_id: int):
        post = _post(request, post_id)
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service = services.hide_post if self.hide else services.unhide_post
        post = service(actor=request.user, post=post, reason=data.validated_data["reason"])
        return Response(s.PostSerializer(post).data)


class Reports(generics.ListAPIView):
    """The moderation queue: reports on posts of the reader's jurisdiction (staff only)."""

    serializer_class = s.ReportSerializer
    filterset_class = None

    def get_queryset(self):
        if not jurisdiction_for(self.request.user).is_staff:
            raise PermissionDenied()
        return selectors.reports_for(self.request.user).order_by("-created_at", "-id")


class Meetings(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: s.MeetingSerializer(many=True)})
    def get(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        return Response(s.MeetingSerializer(topic.meetings.prefetch_related("attendees", "photos"), many=True).data)

    @extend_schema(request=s.NewMeetingSerializer, responses={201: s.MeetingSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.NewMeetingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        meeting = services.create_meeting(actor=request.user, topic=topic, title=v["title"], agenda=v["agenda"],
                                          starts_at=v["starts_at"], place=v["place"], minutes=v["minutes"],
                                          attendee_ids=v["attendees"], photos=v["photos"])
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class Polls(APIView):
    @extend_schema(responses={200: s.PollSerializer(many=True)})
    def get(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        return Response(s.PollSerializer(selectors.polls_of(topic), many=True).data)

    @extend_schema(request=s.NewPollSerializer, responses={201: s.PollSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.NewPollSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        poll = services.create_poll(actor=request.user, topic=topic, **data.validated_data)
        return Response(s.PollSerializer(poll).data, status=status.HTTP_201_CREATED)


def _poll(request, poll_id: int):
    poll = selectors.poll_for(request.user, poll_id)
    if poll is None:
        raise Http404()
    return poll


class PollAction(APIView):
    action = "open"

    @extend_schema(request=None, responses={200: s.PollSerializer})
    def post(self, request, poll_id: int):
        poll = _poll(request, poll_id)
        service = services.open_poll if self.action == "open" else services.close_poll
        poll = service(actor=request.user, poll=poll)
        return Response(s.PollSerializer(poll).data)


class Votes(APIView):
    @extend_schema(request=s.VoteSerializer, responses={201: s.PollSerializer})
    def post(self, request, poll_id: int):
        poll = _poll(request, poll_id)
        data = s.VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote = services.cast_vote(actor=request.user, poll=poll, option=data.validated_data["option"])
        return Response({"poll": poll.pk, "option": vote.option_id, "household_voted": True},
                        status=status.HTTP_201_CREATED)


class Tasks(APIView):
    @extend_schema(responses={200: s.TaskSerializer(many=True)})
    def get(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        return Response(s.TaskSerializer(topic.tasks.select_related("work_order", "owner_unit"), many=True).data)

    @extend_schema(request=s.NewTaskSerializer, responses={201: s.TaskSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.NewTaskSerializer(data=request.data)
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
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskProgress(APIView):
    @extend_schema(request=s.TaskProgressSerializer, responses={200: s.TaskSerializer})
    def post(self, request, task_id: int):
        task = selectors.task_for(request.user, task_id)
        if task is None:
            raise Http404()
        data = s.TaskProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.update_task(actor=request.user, task=task, **data.validated_data)
        return Response(s.TaskSerializer(task).data)


class Ratings(APIView):
    @extend_schema(responses={200: s.RatingSerializer(many=True)})
    def get(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        return Response(s.RatingSerializer(topic.ratings.all(), many=True).data)

    @extend_schema(request=s.NewRatingSerializer, responses={201: s.RatingSerializer})
    def post(self, request, topic_id: int):
        topic = _topic(request, topic_id)
        data = s.NewRatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rate_topic(actor=request.user, topic=topic, **data.validated_data)
        return Response(s.RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
