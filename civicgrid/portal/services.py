"""Writes of the resident portal: community notices, tracking codes, withdrawing one's appeal.

Every function validates, checks the actor's right, runs in one transaction, writes an audit row
and sends messages only after commit. Refusals raise ``ValidationError`` and change nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import context
from civicgrid.core.masking import mask_phone
from civicgrid.core.models import AuditEvent
from civicgrid.core.services import record_event
from civicgrid.geo.models import Area, AreaKind
from civicgrid.people import services as people_services
from civicgrid.workorders import selectors as order_selectors
from civicgrid.workorders import services as order_services
from civicgrid.workorders.models import Appeal, WorkOrder

from .models import Notice

logger = logging.getLogger("civicgrid.portal")

TRACK_PURPOSE = "track"
# Fewer guesses than sign-in: a tracking code opens one appeal, and a stairwell is no place for
# a long lockout, so the resident simply asks for a new code.
TRACK_MAX_ATTEMPTS = 3
NOTICE_KINDS = (AreaKind.DISTRICT, AreaKind.STREET, AreaKind.COMMUNITY)


# --- community notices ----------------------------------------------------------------------------
def can_publish_for(actor, area: Area) -> bool:
    """Community, street and district staff publish for areas inside their own jurisdiction."""
    return area.kind in NOTICE_KINDS and people_services.can_manage_path(actor, area.path)


def publish_notice(actor, *, area: Area, title: str, body: str, published_at: datetime | None = None) -> Notice:
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, list] = {}
    if not title:
        errors["title"] = [ValidationError(_("Give the notice a title."), code="required")]
    elif len(title) > 200:
        errors["title"] = [ValidationError(_("The title may have at most 200 characters."), code="max_length")]
    if not body:
        errors["body"] = [ValidationError(_("Write the text of the notice."), code="required")]
    if area is None or area.kind not in NOTICE_KINDS:
        errors["area"] = [ValidationError(_("Notices go to a district, a street or a community."), code="invalid")]
    if errors:
        raise ValidationError(errors)
    if not can_publish_for(actor, area):
        raise ValidationError(_("You may only publish notices for areas in your own jurisdiction."), code="forbidden")
    with transaction.atomic():
        notice = Notice.objects.create(area=area, area_path=area.path, title=title, body=body,
                                       published_at=published_at or timezone.now(), is_published=True,
                                       created_by=actor)
        record_event(actor=actor, action="notice.publish", obj=notice,
                     changes={"area": area.code, "title": title})
    return notice


def update_notice(actor, notice: Notice, *, fields: list[str]) -> Notice:
    """Save edits made in the admin (title, text, area) under the same rules as publishing."""
    if not can_publish_for(actor, notice.area):
        raise ValidationError(_("You may only publish notices for areas in your own jurisdiction."), code="forbidden")
    with transaction.atomic():
        notice.area_path = notice.area.path
        notice.save()
        record_event(actor=actor, action="notice.update", obj=notice,
                     changes={f: str(getattr(notice, f, "")) for f in fields})
    return notice


def withdraw_notice(actor, notice: Notice) -> Notice:
    if not can_publish_for(actor, notice.area):
        raise ValidationError(_("You may only publish notices for areas in your own jurisdiction."), code="forbidden")
    with transaction.atomic():
        notice.is_published = False
        notice.save(update_fields=["is_published"])
        record_event(actor=actor, action="notice.withdraw", obj=notice, changes={"is_published": [True, False]})
    return notice


# --- tracking by number and a code sent to the phone on record -------------------------------------
def _asked_too_often() -> bool:
    ip = context.current().ip_address
    if not ip:
        return False
    since = timezone.now() - timedelta(hours=1)
    return AuditEvent.objects.filter(action="portal.track_code_asked", ip_address=ip,
                                     created_at__gte=since).count() >= settings.OTP_IP_HOURLY_LIMIT


def request_track_code(tracking_number: str, phone: str) -> None:
    """Text a tracking code to the phone on record when ``phone`` is it. The caller learns nothing
    either way: a wrong number, a wrong phone, a landline on record and a code asked for too soon
    all return alike. Only the per-address budget refuses, and it counts every request, matched or
    not, so that nobody can probe tracking numbers by the thousand."""
    tracking_number = (tracking_number or "").strip()
    people_services.validate_mobile(phone)
    if _asked_too_often():
        raise ValidationError({"phone": ValidationError(
            _("Too many codes were asked for from this network. Please try again later."), code="ip_limit")})
    appeal = order_selectors.track_appeal(tracking_number, phone)
    with transaction.atomic():
        record_event(actor=None, action="portal.track_code_asked", obj=appeal,
                     changes={"tracking_number": tracking_number, "phone": mask_phone(people_services.normalize_mobile(phone))},
                     kind=AuditEvent.Kind.AUTH)
    if appeal is None:
        return
    try:
        people_services.request_code(
            people_services.normalize_mobile(appeal.reporter_phone), purpose=TRACK_PURPOSE,
            message=_("Your civicgrid code to follow appeal %(tracking)s is %(code)s. It expires in %(minutes)d "
                      "minutes. Never tell it to anyone."), params={"tracking": appeal.tracking_number})
    except ValidationError as exc:
        # Saying "wait a minute" here would tell a stranger that this number and phone match.
        logger.info("no tracking code sent for %s: %s", appeal.tracking_number, "; ".join(exc.messages))


def verify_track_code(tracking_number: str, code: str) -> tuple[Appeal | None, str]:
    """(the appeal, "") for the right code sent for it; (None, reason) otherwise, reason being
    "wrong_code" or "locked" alike for unknown and known numbers."""
    appeal = Appeal.objects.select_related("order").filter(tracking_number=(tracking_number or "").strip()).first()
    phone = people_services.normalize_mobile(appeal.reporter_phone) if appeal else ""
    if appeal is None or not people_services.MOBILE_RE.fullmatch(phone):
        return None, "wrong_code"
    with transaction.atomic():
        otc, failure = people_services.check_code(phone, code, purpose=TRACK_PURPOSE, max_attempts=TRACK_MAX_ATTEMPTS)
        if failure:
            locked = failure == "too_many_attempts" or (otc is not None and otc.attempts >= TRACK_MAX_ATTEMPTS)
            return None, "locked" if locked else "wrong_code"
        record_event(actor=None, action="otp.verify", obj=otc, kind=AuditEvent.Kind.AUTH,
                     changes={"phone": mask_phone(phone), "purpose": TRACK_PURPOSE,
                              "tracking_number": appeal.tracking_number})
    return appeal, ""


# --- the resident's own appeals -------------------------------------------------------------------
def withdraw_appeal(actor, order: WorkOrder, *, reason: str = "") -> WorkOrder:
    """The reporter withdraws (撤回); the transitions table decides whether that is still possible.
    The reason is the resident's own words, shown back to them: none when they gave none (the status
    already says who withdrew it)."""
    return order_services.transition(order, "withdraw", actor, reason=(reason or "").strip())
