"""The staff workbench: my queues, the order list with the shared filters, Excel export, bulk
dispatch.

Every list here is ``OrderFilterSet`` over ``selectors.orders_for(jurisdiction)``: the same
FilterSet the API uses, so a query string means the same rows on the page, in the export and at
``/api/v1/orders/``. A queue tab is simply ``?queue=<name>``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicgrid.core import xlsx
from civicgrid.core.services import record_event
from civicgrid.geo.models import Area
from civicgrid.people.jurisdiction import Jurisdiction, jurisdiction_for
from civicgrid.people.models import Unit
from civicgrid.sla.calendar import workdays_between
from civicgrid.sla.models import Priority

from . import bulk, selectors
from .filters import QUEUE_CHOICES, OrderFilterSet
from .intake import GRID_ROLES, HOTLINE_ROLES
from .models import Category, Status, WorkOrder
from .transitions import HANDLERS

PAGE_SIZE = 25
# The most rows one export holds: about 10 MB of .xlsx, written in seconds. A bigger list is cut
# at this size and the file and the page say so; narrow the filters to export the rest.
MAX_EXPORT_ROWS = 50_000
QUEUE_LABELS = dict(QUEUE_CHOICES)
# What to do in each queue, for someone who opens the workbench for the first time.
QUEUE_HELP = {
    "to_dispatch": gettext_lazy("New and returned orders in your area. Tick them and dispatch them to the unit "
                                "that must handle them; the suggested unit comes from the responsibility list."),
    "to_accept": gettext_lazy("Orders sent to your unit. Open one and accept it (签收), or return it (退单) "
                              "with a reason if it is not your unit's job."),
    "in_hand": gettext_lazy("Orders your unit is handling. Resolve each with an answer to the resident before "
                            "its deadline, or ask for an extension."),
    "overdue": gettext_lazy("Open orders past a deadline: deal with these first."),
    "due_soon": gettext_lazy("Open orders whose next deadline is within 24 hours."),
    "pressed": gettext_lazy("Orders escalated to you, under your supervision (督办), or whose whistle (吹哨) "
                            "waits for your unit's report."),
}
# Where each queue's deadline column looks: the deadline of the step the order waits for.
_NEXT_DUE_FIELD = {
    Status.NEW: "dispatch_due", Status.RETURNED: "dispatch_due", Status.DISPATCHED: "response_due",
    Status.ACCEPTED: "handle_due", Status.IN_PROGRESS: "handle_due",
}


# --- shared by the workbench and the order page --------------------------------------------------
def next_deadline(order: WorkOrder) -> datetime | None:
    """The deadline of the step the order waits for now (None once it is with the verifiers)."""
    field_name = _NEXT_DUE_FIELD.get(order.status)
    return getattr(order, field_name) if field_name else None


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    """'3 working days left', '5 hours left' or 'overdue by 2 hours': what a handler needs to
    know at a glance; days count on the working-day calendar."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due < now:
        hours = int((now - due).total_seconds() // 3600)
        if hours < 48:
            return _("overdue by %(n)d hours") % {"n": max(hours, 1)}
        return _("overdue by %(n)d days") % {"n": hours // 24}
    if due - now < timedelta(hours=24):
        return _("%(n)d hours left") % {"n": max(int((due - now).total_seconds() // 3600), 1)}
    days = workdays_between(timezone.localdate(now), timezone.localtime(due).date())
    return _("%(n)d working days left") % {"n": days}


def _require_staff(request) -> Jurisdiction:
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.is_staff:
        raise PermissionDenied(_("The workbench is for staff; residents follow their appeals in the portal."))
    return jurisdiction


def relevant_queues(jurisdiction: Jurisdiction) -> list[str]:
    """The queues of the reader's job, in the order they work them."""
    names = []
    if jurisdiction.has_role(*selectors.DISPATCH_ROLES):
        names.append("to_dispatch")
    if jurisdiction.has_role(*HANDLERS):
        names += ["to_accept", "in_hand"]
    return names + ["overdue", "due_soon", "pressed"]


def _create_links(jurisdiction: Jurisdiction) -> list[tuple[str, str, str]]:
    """(url name, label, help) of the intake pages this user may use."""
    links = []
    if jurisdiction.has_role(*HOTLINE_ROLES):
        links.append(("workorders:hotline", _("Hotline entry"), _("A caller's appeal, typed in while on the phone")))
    if jurisdiction.has_role(*GRID_ROLES):
        links.append(("workorders:patrol", _("Patrol report (随手拍)"), _("A problem you found in your grid")))
    return links


def _decorate(orders, now: datetime) -> list[WorkOrder]:
    rows = list(orders)
    for o in rows:
        o.next_due_at = next_deadline(o)
        o.next_due_late = o.is_overdue or (o.next_due_at is not None and o.next_due_at < now)
        o.next_due_text = time_left(o.next_due_at, now)
    return rows


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list, timezone.now())
    return page


def _query_without(request, *names: str) -> str:
    """The current query string minus ``names`` (for pagination and sort links)."""
    pairs = [(k, v) for k, values in request.GET.lists() if k not in names for v in values if v != ""]
    return urlencode(pairs)


# --- the workbench ------------------------------------------------------------------------------
@login_required
def workbench(request):
    jurisdiction = _require_staff(request)
    counts = selectors.queue_counts(jurisdiction)
    mine = relevant_queues(jurisdiction)
    # Queues outside the user's job still show when something waits in them (a district
    # commander's escalations), after the user's own.
    others = [name for name, _label in QUEUE_CHOICES if name not in mine and counts[name]]
    tabs = [{"name": n, "label": QUEUE_LABELS[n], "count": counts[n]} for n in mine + others]
    current = request.GET.get("queue")
    if current not in {t["name"] for t in tabs}:
        current = tabs[0]["name"]
    data = {"queue": current}
    if request.GET.get("ordering"):
        data["ordering"] = request.GET["ordering"]
    # "Urgent only" narrows any queue with the shared filter (the API's ?priority=urgent).
    urgent_only = request.GET.get("priority") == Priority.URGENT
    urgent_count = OrderFilterSet({**data, "priority": Priority.URGENT}, queryset=selectors.orders_for(jurisdiction),
                                  request=request).qs.count()
    if urgent_only:
        data["priority"] = Priority.URGENT
    filterset = OrderFilterSet(data, queryset=selectors.orders_for(jurisdiction), request=request)
    page = _page(request, filterset.qs.select_related("suggested_unit"))
    can_bulk_dispatch = current == "to_dispatch" and jurisdiction.has_role(*selectors.DISPATCH_ROLES)
    return render(request, "workorders/workbench.html", {
        "tabs": tabs,
        "current": current,
        "current_label": QUEUE_LABELS[current],
        "current_help": QUEUE_HELP[current],
        "page": page,
        "count": page.paginator.count,
        "capped": page.paginator.count > MAX_EXPORT_ROWS,
        "max_export": MAX_EXPORT_ROWS,
        "export_query": urlencode(data),
        "page_query": urlencode({"queue": current, **({"priority": Priority.URGENT} if urgent_only else {})}),
        "urgent_only": urgent_only,
        "urgent_count": urgent_count,
        "can_bulk_dispatch": can_bulk_dispatch,
        "units": selectors.units_for_dispatcher(jurisdiction) if can_bulk_dispatch else [],
        "create_links": _create_links(jurisdiction),
    })


# --- the order list with the shared filters -------------------------------------------------------
def _area_choices(jurisdiction: Jurisdiction) -> list[tuple[str, str]]:
    areas = Area.objects.all()
    if not jurisdiction.is_global:
        if not jurisdiction.area_paths:
            return []
        areas = areas.filter(jurisdiction.area_q("path"))
    return [(a.code, "\u3000" * max(a.depth, 0) + a.name) for a in areas.order_by("path").only("code", "name", "depth")[:2000]]


def _category_choices(current: str) -> list[tuple[str, str]]:
    # The top two levels cover what a desk filters by (a filter takes the whole subtree); a
    # deeper code from a link stays selectable.
    cats = Category.objects.filter(is_active=True, level__lte=2).order_by("path").only("code", "name", "level")
    choices = [(c.code, "\u3000" * (c.level - 1) + c.name) for c in cats]
    if current and current not in {code for code, _n in choices}:
        extra = Category.objects.filter(code=current).first()
        if extra is not None:
            choices.append((extra.code, extra.name))
    return choices


def list_filterset(request, jurisdiction: Jurisdiction) -> OrderFilterSet:
    """The FilterSet of ``/orders/list/`` with friendlier widgets; the parameters stay the API's."""
    filterset = OrderFilterSet(request.GET or None, queryset=selectors.orders_for(jurisdiction), request=request)
    fields = filterset.form.fields
    anything = [("", _("(any)"))]
    fields["category"].widget = forms.Select(choices=anything + _category_choices(request.GET.get("category", "")))
    fields["area"].widget = forms.Select(choices=anything + _area_choices(jurisdiction))
    units = selectors.units_for_choice()
    if not jurisdiction.is_global and not jurisdiction.area_paths:
        units = units.filter(pk__in=jurisdiction.unit_ids)
    fields["unit"].widget = forms.Select(choices=anything + [(u.code, u.name) for u in units.order_by("kind", "code")])
    for name in ("status", "channel"):
        fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
    for name in ("state", "priority", "queue"):
        fields[name].choices = anything + [c for c in fields[name].choices if c[0]]
    fields["overdue"].widget = forms.Select(choices=anything + [("true", _("yes")), ("false", _("no"))])
    fields["ordering"].widget.choices = [("", _("(newest first)"))] + [
        c for c in fields["ordering"].widget.choices if c[0]]
    return filterset


SORTABLE = [("number", gettext_lazy("Order number")), ("status", gettext_lazy("Status")),
            ("handle_due", gettext_lazy("Resolve by")), ("created", gettext_lazy("Created"))]


@login_required
def order_list(request):
    jurisdiction = _require_staff(request)
    filterset = list_filterset(request, jurisdiction)
    valid = filterset.is_valid() if filterset.is_bound else True
    qs = filterset.qs if valid else WorkOrder.objects.none()
    page = _page(request, qs.select_related("suggested_unit"))
    ordering = request.GET.get("ordering", "")
    sort_links = []
    for key, label in SORTABLE:
        direction = "-" + key if ordering == key else key
        state = "ascending" if ordering == key else "descending" if ordering == "-" + key else ""
        sort_links.append({"key": key, "label": label, "query": _query_without(request, "ordering", "page")
                           + ("&" if request.GET else "") + urlencode({"ordering": direction}), "state": state})
    return render(request, "workorders/order_list.html", {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "count": page.paginator.count,
        "capped": page.paginator.count > MAX_EXPORT_ROWS,
        "max_export": MAX_EXPORT_ROWS,
        "export_query": _query_without(request, "page"),
        "page_query": _query_without(request, "page"),
        "sort_links": sort_links,
        "ranges": [
            (filterset.form.fields[name].label, [
                (f"{name}_{end}", request.GET.get(f"{name}_{end}", ""), label)
                for end, label in (("after", _("on or after")), ("before", _("on or before")))])
            for name in ("created", "closed", "updated")
        ],
        "create_links": _create_links(jurisdiction),
    })


# --- Excel export -----------------------------------------------------------------------------
EXPORT_COLUMNS = [
    gettext_lazy("Order number"), gettext_lazy("Title"), gettext_lazy("Status"), gettext_lazy("Category"),
    gettext_lazy("Area"), gettext_lazy("Address"), gettext_lazy("Handling unit"), gettext_lazy("Priority"),
    gettext_lazy("Channel"), gettext_lazy("Appeals (me too)"), gettext_lazy("Created"),
    gettext_lazy("Next deadline"), gettext_lazy("Overdue"), gettext_lazy("Resolved"), gettext_lazy("Closed"),
]


def _export_row(o: WorkOrder) -> list:
    return [
        o.number, o.title, o.get_status_display(), o.category.name if o.category_id else "",
        o.area.name, o.address, o.unit.name if o.unit_id else "", o.get_priority_display(),
        o.get_channel_display(), o.appeals_count, o.created_at, next_deadline(o),
        _("yes") if o.is_overdue else _("no"), o.resolved_at, o.closed_at,
    ]


@login_required
def export(request):
    """The rows of any list (a queue with ``?queue=``, or the search list's filters) as .xlsx."""
    jurisdiction = _require_staff(request)
    filterset = OrderFilterSet(request.GET, queryset=selectors.orders_for(jurisdiction), request=request)
    if not filterset.is_valid():
        messages.error(request, _("The filters are not valid: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())})
        return redirect("workorders:list")
    qs = filterset.qs
    total = qs.count()
    rows = qs[:MAX_EXPORT_ROWS]
    notes = []
    if total > MAX_EXPORT_ROWS:
        notes.append(_("Only the first %(max)d of %(total)d orders were exported; narrow the filters to export the rest.")
                     % {"max": MAX_EXPORT_ROWS, "total": total})
    exported = min(total, MAX_EXPORT_ROWS)
    content = xlsx.write_xlsx([str(c) for c in EXPORT_COLUMNS], (_export_row(o) for o in rows.iterator(chunk_size=2000)),
                              title=str(_("Work orders")), notes=notes,
                              notes_title=str(_("Notes")))
    query = {k: v if len(v) > 1 else v[0] for k, v in request.GET.lists()}
    with transaction.atomic():
        record_event(actor=request.user, action="orders.export",
                     changes={"filters": query, "rows": exported, "total": total, "capped": total > MAX_EXPORT_ROWS})
    response = HttpResponse(content, content_type=xlsx.CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(exported)
    if total > MAX_EXPORT_ROWS:
        response["X-Export-Capped"] = str(total)
    return response


# --- bulk dispatch ------------------------------------------------------------------------------
@login_required
@require_POST
def bulk_dispatch(request):
    """Dispatch the ticked orders to one unit, or one order (the row's button) to its suggested
    unit. Reports how many moved and why each of the others did not."""
    _require_staff(request)
    back = redirect(reverse("workorders:workbench") + "?queue=to_dispatch")
    single = request.POST.get("suggested", "").strip()
    if single:
        numbers, unit = [single], None
    else:
        numbers = request.POST.getlist("order")
        code = request.POST.get("unit", "")
        if not numbers:
            messages.error(request, _("Tick the orders to dispatch first."))
            return back
        if code == "suggested":
            unit = None
        else:
            unit = Unit.objects.filter(code=code, is_active=True).first()
            if unit is None:
                messages.error(request, _("Choose the unit to dispatch the order to."))
                return back
    versions = {}
    for number in numbers:
        raw = request.POST.get(f"version-{number}", "")
        if raw.isdigit():
            versions[number] = int(raw)
    try:
        result = bulk.dispatch_many(request.user, numbers, unit, versions=versions)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    if result.done:
        messages.success(request, _("Dispatched %(n)d orders: %(numbers)s.") % {
            "n": len(result.done), "numbers": ", ".join(result.done)})
    for number, reason in result.failed:
        messages.error(request, _("%(number)s was not dispatched: %(reason)s") % {"number": number, "reason": reason})
    return back
