"""Photos added to an order after intake: evidence of handling (能办即办, 办结) by the staff who
handle it, or a further report photo by its reporter. The images are checked and re-encoded by
``attachments`` (no EXIF, GPS included, ever reaches the disk)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.services import record_event
from civicgrid.people.jurisdiction import jurisdiction_for

from . import attachments
from .errors import IllegalTransition, TransitionForbidden
from .models import FINAL_STATUSES, Attachment, WorkOrder
from .services import _acts_for_unit


def add_order_photo(actor, order: WorkOrder | int, photo, *, purpose: str = Attachment.Purpose.EVIDENCE) -> Attachment:
    """Store one photo on the order. Staff of the order's area or of its handling unit may add
    evidence or report photos; the reporter may add report photos. Finished orders take none."""
    if purpose not in Attachment.Purpose.values:
        raise ValidationError({"purpose": [_("Unknown purpose %(value)r.") % {"value": purpose}]})
    prepared = attachments.prepare_photo(photo, _("the photo"))
    order_id = order.pk if isinstance(order, WorkOrder) else order
    with transaction.atomic():
        locked = WorkOrder.objects.select_for_update(of=("self",)).select_related("unit", "unit__area").get(pk=order_id)
        j = jurisdiction_for(actor)
        staff = j.is_global or j.covers_path(locked.area_path) or _acts_for_unit(j, locked)
        reporter = getattr(actor, "is_authenticated", False) and locked.appeals.filter(reporter=actor).exists()
        if not (staff or (reporter and purpose == Attachment.Purpose.REPORT)):
            raise TransitionForbidden(_("You may not add photos to order %(n)s.") % {"n": locked.number})
        if locked.status in FINAL_STATUSES:
            raise IllegalTransition(_("Order %(n)s is finished; it takes no more photos.") % {"n": locked.number})
        (stored,) = attachments.store_photos(order=locked, appeal=None, photos=[prepared], actor=actor, purpose=purpose)
        # A new photo is part of the order's detail: ?updated_after= pulls must see it.
        WorkOrder.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
        record_event(actor=actor, action="order.photo_added", obj=locked,
                     changes={"attachment": stored.pk, "purpose": purpose, "size": stored.size})
    return stored
