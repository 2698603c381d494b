"""Web pages of micro-wishes and hard problems. They parse, authorise through the selectors and
rules, call the services and render; every refusal is shown with the service's message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core.masking import mask_name
from civicgrid.geo.models import Household
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.workorders.models import WorkOrder
from civicgrid.workorders.selectors import order_visible
from civicgrid.core.forms import add_service_errors

from . import rules, selectors, services
from .filters import ProblemFilterSet, WishFilterSet
from .forms import BehalfForm, MoveForm, WishForm
from .models import WishPhoto, WishState
from .transitions import PROBLEM_MOVES, WISH_MOVES

PAGE = 100


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _rows(user, wishes, *, teams=()) -> list[dict]:
    """List rows; with ``teams`` (the claimer's), a row that may be claimed offers the choice of the
    team credited, preset to the one the service would pick."""
    names: dict = {}
    rows = []
    for w in wishes:
        moves = rules.allowed_wish_moves(user, w)
        row = {"wish": w, "summary": selectors.masked_summary(w, names=names), "overdue": selectors.is_overdue(w),
               "moves": moves}
        if teams and any(m.name == "claim" for m in moves):
            row["teams"], row["team"] = teams, rules.default_claim_team(teams, w)
        rows.append(row)
    return rows


def wall(request):
    """The public wish wall (open wishes, masked), with the shared filters."""
    filterset = WishFilterSet(request.GET, queryset=selectors.wall())
    wishes = list(filterset.qs[:PAGE])
    return render(request, "wishes/wall.html", {
        "rows": _rows(request.user, wishes, teams=rules.claim_teams(request.user)), "filter": filterset,
        "can_claim": rules.may_claim_wishes(request.user),
        "has_household": bool(request.user.is_authenticated and services.household_of(request.user))})


@login_required
def new(request):
    if services.household_of(request.user) is None:
        messages.error(request, _("Your account is not linked to a household; ask your grid worker to link it or to "
                                  "post the wish for you."))
        return redirect("wishes:mine")
    form = WishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wish = services.post_wish(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your wish was posted; the community reviews it before it goes on the "
                                        "wish wall."))
            return redirect("wishes:detail", wish.pk)
    return render(request, "wishes/new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def mine(request):
    wishes = list(selectors.my_wishes(request.user)[:PAGE])
    return render(request, "wishes/mine.html", {
        "rows": _rows(request.user, wishes), "has_household": services.household_of(request.user) is not None})


def detail(request, pk: int):
    wish = selectors.wish_for(request.user, pk)
    if wish is None:
        raise Http404
    contact = selectors.contact_for(request.user, wish)
    show_proof = contact.full or wish.state in (WishState.FULFILLED, WishState.CONFIRMED) and (
        rules.is_owner(request.user, wish))
    moves = rules.allowed_wish_moves(request.user, wish)
    teams = rules.claim_teams(request.user) if any(m.name == "claim" for m in moves) else []
    return render(request, "wishes/detail.html", {
        "wish": wish, "contact": contact, "moves": moves,
        "teams": teams, "default_team": rules.default_claim_team(teams, wish) if teams else None,
        "photos": list(wish.photos.all()) if show_proof else [], "show_proof": show_proof,
        "overdue": selectors.is_overdue(wish)})


@require_POST
@login_required
def move(request, pk: int):
    wish = selectors.wish_for_move(request.user, pk)
    if wish is None:
        raise Http404
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete."))
        return redirect("wishes:detail", pk)
    data = form.cleaned_data
    try:
        services.move_wish(wish.pk, data["action"], request.user, reason=data["reason"], note=data["note"],
                           photos=request.FILES.getlist("photos"), team=data["team"],
                           expected_version=data["version"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        move = WISH_MOVES.get(data["action"])
        messages.success(request, move.done if move and move.done else _("Done."))
    target = request.POST.get("next", "")
    if target.startswith("/wishes/"):
        return redirect(target)
    if selectors.wish_for(request.user, pk) is None:  # e.g. lost a race to claim it
        return redirect("wishes:volunteer")
    return redirect("wishes:detail", pk)


@login_required
def volunteer(request):
    if not rules.may_claim_wishes(request.user):
        raise PermissionDenied
    base = selectors.wall() if request.GET.get("all") else selectors.near(request.user)
    filterset = WishFilterSet(request.GET, queryset=base)
    claims = list(selectors.my_claims(request.user)[:PAGE])
    teams = rules.claim_teams(request.user)
    return render(request, "wishes/volunteer.html", {
        "rows": _rows(request.user, filterset.qs[:PAGE], teams=teams), "claims": _rows(request.user, claims),
        "teams": teams,
        "filter": filterset, "all": bool(request.GET.get("all")), "limit": rules.max_open_claims(),
        "held": sum(1 for w in claims if w.state == WishState.CLAIMED)})


def _behalf_households(user):
    j = jurisdiction_for(user)
    grid_paths = sorted({p for role, p in j.role_paths if role in {"grid_worker", "grid_leader"}})
    if not grid_paths and not j.is_global:
        return []
    qs = Household.objects.select_related("building").order_by("building__code", "entrance", "room")
    q = selectors._prefix_q(grid_paths) if not j.is_global else None
    if q is not None:
        qs = qs.filter(q)
    tags = set(rules.on_behalf_tags())
    # The room tells two households of one entrance apart (as fieldwork's visit form); the name stays masked.
    return [(h.pk, f"{h.building.address} {h.entrance}单元{h.room}室 · {mask_name(h.head_name)} · "
                   f"{'、'.join(selectors.tag_labels(sorted(set(h.tags) & tags)))}")
            for h in qs if set(h.tags or []) & tags]


@login_required
def behalf(request):
    households = _behalf_households(request.user)
    if not households:
        raise PermissionDenied
    form = BehalfForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            wish = services.post_wish_on_behalf(actor=request.user, household=data.pop("household"), **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The wish was posted for the household; the community reviews it."))
            return redirect("wishes:detail", wish.pk)
    posted = selectors.my_wishes(request.user).filter(on_behalf=True)[:PAGE]
    return render(request, "wishes/behalf.html", {"form": form, "rows": _rows(request.user, posted)},
                  status=400 if form.errors else 200)


def _staff(request):
    j = jurisdiction_for(request.user)
    if not selectors.is_wish_staff(j):
        raise PermissionDenied
    return j


@login_required
def staff(request):
    j = _staff(request)
    filterset = WishFilterSet(request.GET, queryset=selectors.wishes_for(j))
    return render(request, "wishes/staff.html", {
        "queue": _rows(request.user, selectors.review_queue(j)[:PAGE]), "filter": filterset,
        "rows": _rows(request.user, filterset.qs.order_by("-created_at", "-id")[:PAGE]),
        "figures": selectors.center_figures(j)})


@login_required
def rankings(request):
    """The rankings over every claim, or over the claims of ``?month=YYYY-MM`` (a month that is not
    one is named back, and every claim is shown)."""
    from civicgrid.dashboard.api.params import month_error, parse_month

    j = _staff(request)
    raw = (request.GET.get("month") or "").strip()
    month = parse_month(raw) if raw else None
    error = month_error(raw) if raw and month is None else ""
    return render(request, "wishes/rankings.html", {
        "rankings": selectors.rankings(j, month.bounds() if month else None), "month": month,
        "month_value": raw if error else (month.code if month else ""), "month_error": error})


@login_required
def problems(request):
    user = request.user
    j = jurisdiction_for(user)
    is_staff = selectors.is_wish_staff(j)
    if not is_staff and not rules.is_secretary(user):
        raise PermissionDenied
    visible = selectors.problems_for(user)
    filterset = ProblemFilterSet(request.GET or None, queryset=visible)
    # A filter that cannot be read shows its error and no rows rather than rows it did not filter.
    valid = filterset.is_valid() if filterset.is_bound else True
    found = filterset.qs.order_by(*selectors.PROBLEM_ORDER)[:PAGE] if valid else []
    rows = [{"problem": p, "moves": rules.allowed_problem_moves(user, p)} for p in found]
    return render(request, "wishes/problems.html", {
        "rows": rows, "is_staff": is_staff, "filter": filterset,
        "places": selectors.problem_filter_places(visible),
        "categories": selectors.problem_filter_categories(visible),
        "orders": selectors.candidate_orders(j)[:50] if is_staff else [],
        "tasks": selectors.candidate_tasks(j)[:50] if is_staff else []}, status=200 if valid else 400)


@require_POST
@login_required
def problem_create(request):
    j = _staff(request)
    order = task = None
    if request.POST.get("order"):
        order = selectors.candidate_orders(j).filter(number=request.POST["order"]).first() or \
            WorkOrder.objects.filter(selectors.staff_q(j), number=request.POST["order"]).first()
        if order is None:
            raise Http404
    elif request.POST.get("task"):
        task = selectors.candidate_tasks(j).filter(pk=request.POST["task"]).first()
        if task is None:
            raise Http404
    try:
        problem = services.create_hard_problem(actor=request.user, order=order, task=task,
                                               title=request.POST.get("title", ""),
                                               description=request.POST.get("description", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("wishes:problems")
    messages.success(request, _("The hard problem is on the list for the party secretaries."))
    return redirect("wishes:problem", problem.pk)


@login_required
def problem(request, pk: int):
    found = selectors.problem_for(request.user, pk)
    if found is None:
        raise Http404
    # The source order is a link for those who may open it; a party secretary outside its area reads
    # the number only (a link would answer 404).
    order_link = bool(found.source_order_id) and order_visible(jurisdiction_for(request.user), found.source_order)
    return render(request, "wishes/problem.html", {
        "problem": found, "moves": rules.allowed_problem_moves(request.user, found), "order_link": order_link,
        "notes": [(n, PROBLEM_MOVES[n.action].label if n.action in PROBLEM_MOVES else n.action)
                  for n in found.notes.select_related("author")]})


@require_POST
@login_required
def problem_move(request, pk: int):
    found = selectors.problem_for(request.user, pk)
    if found is None:
        raise Http404
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete."))
        return redirect("wishes:problem", pk)
    data = form.cleaned_data
    try:
        services.move_problem(found.pk, data["action"], request.user, reason=data["reason"], note=data["note"],
                              progress=data["progress"], expected_version=data["version"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        move = PROBLEM_MOVES.get(data["action"])
        messages.success(request, move.done if move and move.done else _("Done."))
    return redirect("wishes:problem", pk)


@login_required
def photo(request, pk: int):
    """A proof photo, for who may see the proof: the claimer, the household, staff of the area."""
    row = WishPhoto.objects.select_related("wish__household").filter(pk=pk).first()
    if row is None:
        raise Http404
    wish = row.wish
    if not (selectors.may_see_fully(request.user, wish) or rules.is_owner(request.user, wish)):
        raise Http404
    return FileResponse(row.file.open("rb"), content_type=row.content_type)
