"""Who hears about what happens to an order. Called inside the transaction of the change, so the
outbox rows commit (or roll back) with it; delivery happens later (notifications.services).

- intake: the reporter gets the tracking number (SMS to the phone given, inbox with an account);
- dispatch, redispatch, reopen: the handlers of the unit, in their inbox;
- acceptance, closing (with the link to rate), merge, rejection, reopen: every reporter concerned;
- pressure (reminders, supervision): the unit's handlers and the staff of the supervising level;
- whistles: the departments called, and the calling street when they report or run late;
- every event also goes to the webhooks subscribed to it.

Messages are short and rendered in the platform's language (Chinese by default), whatever the
language of the request that caused them.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.geo.models import PATH_SEPARATOR, Area
from civicgrid.people.models import Membership, Role, UnitKind, User

# Roles that answer for an office unit (a community or street office has no unit memberships:
# its staff hold area roles on the office's area).
OFFICE_ROLES = {
    UnitKind.COMMUNITY_OFFICE: (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY),
    UnitKind.STREET_OFFICE: (Role.STREET_DISPATCHER,),
}
# Who watches an order for each level of the chain (督办).
LEVEL_ROLES = {
    "grid": (Role.GRID_LEADER,),
    "community": (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY),
    "street": (Role.STREET_DISPATCHER,),
    "district": (Role.DISTRICT_COMMANDER,),
}
# The reporter hears about these moves.
REPORTER_MOVES = {"accept", "close", "close_on_spot", "merge", "reject", "reopen"}
# The unit's handlers hear about these.
HANDLER_MOVES = {"dispatch", "redispatch", "reopen"}


# --- recipients -------------------------------------------------------------------------------
def handlers_of(unit) -> list[User]:
    """The active users who act for ``unit``."""
    if unit is None:
        return []
    q = Q(unit=unit, role=Role.DEPARTMENT_HANDLER)
    if unit.kind in OFFICE_ROLES:
        q |= Q(area_id=unit.area_id, role__in=OFFICE_ROLES[unit.kind])
    return _users(q)


def staff_at(area: Area | None, roles) -> list[User]:
    if area is None:
        return []
    return _users(Q(area=area, role__in=roles))


def _users(q: Q) -> list[User]:
    ids = Membership.objects.filter(q, is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def ancestor_of_kind(area_path: str, kind: str) -> Area | None:
    codes = [c for c in area_path.split(PATH_SEPARATOR) if c]
    return Area.objects.filter(code__in=codes, kind=kind).first()


def _reporters(appeals) -> list[tuple]:
    """(account or None, phone) for each reporter; an account is preferred, the phone otherwise."""
    seen, found = set(), []
    for appeal in appeals:
        key = appeal.reporter_id or appeal.reporter_phone
        if not key or key in seen:
            continue
        seen.add(key)
        found.append((appeal.reporter, appeal.reporter_phone, appeal))
    return found


# --- links ------------------------------------------------------------------------------------
def _url(name: str, args, fallback: str) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def order_link(order) -> str:
    return _url("workorders:detail", [order.number], f"/orders/{order.number}/")


def track_link(appeal) -> str:
    return _url("workorders:track", [appeal.tracking_number], f"/orders/track/{appeal.tracking_number}/")


def rate_link(order) -> str:
    return _url("notifications:rate", [order.number], f"/inbox/rate/{order.number}/")


# --- sending ----------------------------------------------------------------------------------
def _outbox():
    from civicgrid.notifications import services

    return services


def _tell_reporter(user, phone: str, *, event: str, title: str, body: str, link: str) -> None:
    outbox = _outbox()
    if user is not None and user.is_active:
        outbox.notify_user(user, event=event, title=title, body=body, link=link)
    elif phone:
        outbox.send_sms(phone, body, event=event)


def order_payload(order, event=None) -> dict:
    """What a webhook receives: no personal data (names and phones never leave)."""
    data = {
        "number": order.number,
        "status": order.status,
        "category": order.category.code if order.category_id else None,
        "area": order.area_path.rstrip(PATH_SEPARATOR).rsplit(PATH_SEPARATOR, 1)[-1],
        "unit": order.unit.code if order.unit_id else None,
        "level": order.level,
        "handle_due": order.handle_due.isoformat() if order.handle_due else None,
        "closed_at": order.closed_at.isoformat() if order.closed_at else None,
    }
    if event is not None:
        data.update({"action": event.action, "from_status": event.from_status, "to_status": event.to_status,
                     "at": event.created_at.isoformat() if event.created_at else None})
    return data


def _intake_message(appeal) -> tuple[str, str]:
    title = _("Your appeal was received")
    body = _("Your appeal “%(title)s” was received. Tracking number: %(tracking)s.") % {
        "title": appeal.title[:30], "tracking": appeal.tracking_number}
    return title, body


def on_intake(appeal, order=None, **kwargs) -> None:
    """A new appeal was taken in (any channel): the reporter gets the tracking number."""
    on_intake_many([(appeal, order or appeal.order)])


def on_intake_many(pairs) -> None:
    """``on_intake`` for a batch of (appeal, order): a fixed number of queries, whatever its size
    (batch import and the intake benchmark take thousands at once)."""
    from civicgrid.notifications.models import OutboxChannel, WebhookEndpoint, WechatBinding

    pairs = list(pairs)
    if not pairs:
        return
    outbox = _outbox()
    reporter_ids = {a.reporter_id for a, _o in pairs if a.reporter_id}
    users = {u.pk: u for u in User.objects.filter(pk__in=reporter_ids, is_active=True)} if reporter_ids else {}
    openids = dict(WechatBinding.objects.filter(user_id__in=users).values_list("user_id", "openid")) if users else {}
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).select_related("area"))
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for appeal, order in pairs:
            title, body = _intake_message(appeal)
            user = users.get(appeal.reporter_id)
            if user is not None:
                link = track_link(appeal)
                rows.append(outbox.build(OutboxChannel.INBOX, event="appeal.received", recipient=user, subject=title,
                                         body=body, link=link))
                if user.pk in openids:
                    rows.append(outbox.build(OutboxChannel.WECHAT, event="appeal.received", recipient=user,
                                             address=openids[user.pk], subject=title, body=body, link=link))
            phone = appeal.reporter_phone or (user.phone if user is not None else "")
            if phone:
                rows.append(outbox.build(OutboxChannel.SMS, event="appeal.received", recipient=user, address=phone,
                                         body=body))
            if endpoints:
                rows += outbox.webhook_rows(
                    "appeal.received", {"tracking_number": appeal.tracking_number, "channel": appeal.channel,
                                        "order": order_payload(order)},
                    area_path=order.area_path, endpoints=endpoints)
    outbox.enqueue_many(rows)


def on_transition(order, event) -> None:
    action = event.action
    with translation.override(settings.LANGUAGE_CODE):
        if action in HANDLER_MOVES and order.unit_id:
            _tell_handlers(order, event)
        if action in REPORTER_MOVES:
            _tell_reporters(order, event)
        _outbox().emit_webhooks(f"order.{action}", order_payload(order, event), area_path=order.area_path)


def _tell_handlers(order, event) -> None:
    if event.action == "reopen":
        title = _("Order %(n)s reopened") % {"n": order.number}
        body = _("The resident was not satisfied: %(reason)s Resolve by %(due)s.")
    else:
        title = _("New order %(n)s") % {"n": order.number}
        body = _("“%(title)s” was dispatched to %(unit)s. Accept it and resolve by %(due)s.")
    body = body % {"title": order.title[:40], "unit": order.unit.name, "reason": event.reason,
                   "due": _when(order.handle_due)}
    _outbox().notify_users(handlers_of(order.unit), event=f"order.{event.action}", title=title, body=body,
                           link=order_link(order))


def _tell_reporters(order, event) -> None:
    action = event.action
    n = order.number
    if action == "merge":
        # The appeals already moved to the target order; the move recorded which ones.
        from .models import Appeal

        target = order.merged_into
        appeals = Appeal.objects.filter(pk__in=event.data.get("appeals", [])).select_related("reporter").order_by("pk")
        title = _("Your appeal joined order %(n)s") % {"n": target.number}
        body = _("Your appeal is handled together with the same problem reported by others, in order %(n)s.") % {
            "n": target.number}
        for user, phone, appeal in _reporters(appeals):
            _tell_reporter(user, phone, event="order.merge", title=title, body=body, link=track_link(appeal))
        return
    appeals = order.appeals.select_related("reporter").order_by("pk")
    link_for = track_link
    if action == "accept":
        title = _("Your appeal is being handled")
        body = _("%(unit)s accepted your appeal (order %(n)s).") % {"unit": order.unit.name if order.unit_id else "", "n": n}
    elif action in ("close", "close_on_spot"):
        title = _("Your appeal was answered")
        body = _("Order %(n)s is closed. Answer: %(answer)s Please rate how it was handled.") % {
            "n": n, "answer": order.answer[:120]}
        link_for = lambda appeal: rate_link(order)  # noqa: E731
    elif action == "reject":
        title = _("Your appeal was not accepted")
        body = _("Order %(n)s was not accepted: %(reason)s") % {"n": n, "reason": event.reason}
    else:  # reopen
        title = _("Your appeal is handled again")
        body = _("Order %(n)s was reopened and sent to %(unit)s again.") % {
            "n": n, "unit": order.unit.name if order.unit_id else ""}
    for user, phone, appeal in _reporters(appeals):
        _tell_reporter(user, phone, event=f"order.{action}", title=title, body=body, link=link_for(appeal))


def _when(moment) -> str:
    if moment is None:
        return "—"
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def on_pressure(pressure) -> None:
    """A reminder, overdue notice, escalation or supervision was recorded by the sweep (sla app)."""
    on_pressures([pressure])


def on_pressures(pressures) -> None:
    """The sweep's batch form of ``on_pressure``: the same messages, written with one insert.

    Recipients are looked up once per distinct unit and supervising area of the batch (a sweep
    batch touches a few dozen of them for hundreds of orders), WeChat bindings and webhook
    endpoints once per batch.
    """
    from civicgrid.notifications.models import OutboxChannel, WebhookEndpoint, WechatBinding

    pressures = list(pressures)
    if not pressures:
        return
    outbox = _outbox()
    handlers: dict[int, list[User]] = {}
    staff: dict[tuple[int, str], list[User]] = {}
    ancestors: dict[tuple[str, str], Area | None] = {}

    def unit_handlers(unit):
        if unit is None:
            return []
        if unit.pk not in handlers:
            handlers[unit.pk] = handlers_of(unit)
        return handlers[unit.pk]

    def supervisors(order, pressure):
        level = pressure.level or order.supervision_level
        area = pressure.target_area
        if area is None and level:
            key = (order.area_path, level)
            if key not in ancestors:
                ancestors[key] = ancestor_of_kind(order.area_path, level)
            area = ancestors[key]
        if area is None:
            return []
        key = (area.pk, area.kind)
        if key not in staff:
            staff[key] = staff_at(area, LEVEL_ROLES.get(area.kind, ()))
        return staff[key]

    planned: list[tuple] = []
    for pressure in pressures:
        order = pressure.order
        recipients: list[User] = []
        # A late whistle report is told by on_whistle("overdue"); one message per event is enough.
        if pressure.stage != "whistle":
            recipients += unit_handlers(order.unit)
            if pressure.target_unit_id and pressure.target_unit_id != order.unit_id:
                recipients += unit_handlers(pressure.target_unit)
            if pressure.kind in ("escalate", "supervise"):
                recipients += supervisors(order, pressure)
        planned.append((pressure, recipients))

    user_ids = {u.pk for _p, users in planned for u in users}
    openids = dict(WechatBinding.objects.filter(user_id__in=user_ids).values_list("user_id", "openid"))
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).select_related("area"))
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for pressure, recipients in planned:
            order = pressure.order
            title = _("%(kind)s: order %(n)s") % {"kind": pressure.get_kind_display(), "n": order.number}
            body = pressure.note or _("“%(title)s” is due %(due)s.") % {
                "title": order.title[:40], "due": _when(pressure.due_at)}
            link = order_link(order)
            event = f"order.{pressure.kind}"
            seen: set[int] = set()
            for user in recipients:
                if user.pk in seen or not user.is_active:
                    continue
                seen.add(user.pk)
                rows.append(outbox.build(OutboxChannel.INBOX, event=event, recipient=user, subject=title,
                                         body=body, link=link))
                if user.pk in openids:
                    rows.append(outbox.build(OutboxChannel.WECHAT, event=event, recipient=user,
                                             address=openids[user.pk], subject=title, body=body, link=link))
            if endpoints:
                data = order_payload(order)
                data.update({"kind": pressure.kind, "stage": pressure.stage, "level": pressure.level,
                             "due_at": pressure.due_at.isoformat() if pressure.due_at else None})
                rows += outbox.webhook_rows(event, data, area_path=order.area_path, endpoints=endpoints)
    outbox.enqueue_many(rows)


# Whistle events as the sla app names them; each tells someone else.
WHISTLE_CALLED = {"blown", "called", "created", "whistle"}
WHISTLE_REPORTED = {"reported", "report"}
WHISTLE_OVERDUE = {"overdue", "late"}
WHISTLE_DONE = {"done"}


def on_whistle(whistle, event: str) -> None:
    """A whistle was blown, a department reported, or a report went overdue (sla app)."""
    order = whistle.order
    responses = list(whistle.responses.select_related("unit", "unit__area"))
    with translation.override(settings.LANGUAGE_CODE):
        recipients: list[User] = []
        if event in WHISTLE_CALLED:
            title = _("Whistle: report to order %(n)s") % {"n": order.number}
            body = _("%(street)s calls your department to “%(title)s”: %(reason)s Report by %(due)s.") % {
                "street": whistle.street.name, "title": order.title[:40], "reason": whistle.reason,
                "due": _when(whistle.report_due)}
            for response in responses:
                recipients += handlers_of(response.unit)
        elif event in WHISTLE_REPORTED:
            done = sum(1 for r in responses if r.reported_at)
            title = _("Department reported on order %(n)s") % {"n": order.number}
            body = _("%(done)d of %(all)d departments reported.") % {"done": done, "all": len(responses)}
            recipients = [whistle.called_by, *staff_at(whistle.street, LEVEL_ROLES["street"])]
        elif event in WHISTLE_OVERDUE:
            late = [r for r in responses if not r.reported_at]
            title = _("Whistle report overdue: order %(n)s") % {"n": order.number}
            body = _("Not reported by %(due)s: %(units)s.") % {
                "due": _when(whistle.report_due), "units": "、".join(r.unit.name for r in late)}
            for response in late:
                recipients += handlers_of(response.unit)
            recipients += [whistle.called_by, *staff_at(whistle.street, LEVEL_ROLES["street"])]
        elif event in WHISTLE_DONE:
            title = _("All departments reported on order %(n)s") % {"n": order.number}
            body = _("Every department called by the whistle reported.")
            recipients = [whistle.called_by, *staff_at(whistle.street, LEVEL_ROLES["street"])]
        else:
            title = body = ""
        if recipients:
            _outbox().notify_users(recipients, event=f"whistle.{event}", title=title, body=body,
                                   link=order_link(order))
        data = order_payload(order)
        data.update({"whistle": whistle.pk, "street": whistle.street.code, "status": whistle.status,
                     "departments": [{"unit": r.unit.code, "reported": r.reported_at is not None} for r in responses]})
        _outbox().emit_webhooks(f"whistle.{event}", data, area_path=order.area_path)


def on_callback(callback, *, reopened: bool = False) -> None:
    """A callback was recorded: the unit judged hears a poor verdict; webhooks hear every one."""
    order = callback.order
    with translation.override(settings.LANGUAGE_CODE):
        poor = callback.reached and (callback.resolution == "unresolved" or callback.satisfaction == "unsatisfied")
        # A reopen already told the handlers (on_transition); one message is enough.
        if poor and callback.unit_id and not reopened:
            title = _("Unsatisfied callback on order %(n)s") % {"n": order.number}
            body = _("The resident said: %(res)s, %(sat)s.") % {
                "res": callback.get_resolution_display(), "sat": callback.get_satisfaction_display()}
            _outbox().notify_users(handlers_of(callback.unit), event="order.callback", title=title, body=body,
                                   link=order_link(order))
        data = order_payload(order)
        data.update({"round": callback.round, "reached": callback.reached, "resolution": callback.resolution,
                     "satisfaction": callback.satisfaction, "channel": callback.channel})
        _outbox().emit_webhooks("order.callback", data, area_path=order.area_path)
