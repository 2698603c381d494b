"""Web pages of the classifier: the model versions (activate, roll back) and the intake form's live
category suggestion. They parse, authorise, call the services and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.core.text import MAX_ANALYSED_CHARS
from civicgrid.people.jurisdiction import jurisdiction_for

from . import runtime, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def versions(request):
    jurisdiction = jurisdiction_for(request.user)
    if not selectors.can_view_versions(jurisdiction):
        raise PermissionDenied(_("Only the district command center and administrators see classifier versions."))
    visible = selectors.versions_for(jurisdiction)
    if request.method == "POST" and request.POST.get("action") == "train":
        return _train(request, jurisdiction)
    if request.method == "POST":
        version = visible.filter(pk=request.POST.get("version") or 0).first()
        if version is None:
            raise Http404(_("No such model version."))
        try:
            if request.POST.get("action") == "rollback":
                done = services.rollback(actor=request.user, scope_path=version.scope_path)
                messages.success(request, _("Rolled back: version %(n)d of %(scope)s is active again.")
                                 % {"n": done.number, "scope": done.scope_label})
            else:
                done = services.activate_version(actor=request.user, version=version)
                messages.success(request, _("Version %(n)d of %(scope)s is now active.")
                                 % {"n": done.number, "scope": done.scope_label})
        except services.ClassifyError as exc:
            messages.error(request, str(exc))
        return redirect("classify:versions")
    scopes: dict[str, dict] = {}
    for v in visible.order_by("scope_path", "-number"):
        scope = scopes.setdefault(v.scope_path, {"label": v.scope_label, "path": v.scope_path, "versions": [],
                                                 "can_manage": selectors.can_manage_scope(jurisdiction, v.scope_path)})
        scope["versions"].append(v)
    for scope in scopes.values():
        scope["active"] = next((v for v in scope["versions"] if v.is_active), None)
        # A scope with no active version of its own is served by an enclosing one, not the keyword rules.
        scope["served_by"] = None if scope["active"] else selectors.serving_version(scope["path"])
        scope["can_rollback"] = scope["can_manage"] and scope["active"] is not None and any(
            v.number < scope["active"].number for v in scope["versions"])
    return render(request, "classify/versions.html", {"scopes": list(scopes.values()),
                                                      "train_areas": selectors.trainable_areas(jurisdiction),
                                                      "levels": LEVELS, "page_title": _("Category classifier")})


LEVELS = (1, 2, 3)


def _train(request, jurisdiction):
    """A new, inactive version from the closed orders of one of the reader's areas: what
    `civicgrid classify train --from-orders` does, for a commander who has no shell. It runs while
    the request waits (seconds for a district's months of orders); the commander activates it after
    reading its figures."""
    area = selectors.visible_area(jurisdiction, request.POST.get("area", ""))
    if area is None:
        raise Http404(_("No such area."))
    try:
        level = int(request.POST.get("level", ""))
    except ValueError:
        level = 0
    if level not in LEVELS:
        messages.error(request, _("Choose the category level 1, 2 or 3."))
        return redirect("classify:versions")
    data, names = selectors.training_data_from_orders(area.path, level)
    try:
        done = services.train_version(actor=request.user, data=data, area=area, level=level, names=names).version
    except services.ClassifyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Version %(n)d of %(scope)s is trained on %(rows)d appeals of closed orders and "
                                    "stored; activate it when its figures suit you.")
                         % {"n": done.number, "scope": done.scope_label, "rows": done.rows})
    return redirect("classify:versions")


@login_required
@require_GET
def suggest(request):
    """The live suggestion under the hotline form's text: category, confidence and the top 3."""
    jurisdiction = jurisdiction_for(request.user)
    if not jurisdiction.is_staff:
        raise PermissionDenied(_("Only staff may ask the classifier."))
    text = f"{request.GET.get('title', '')}\n{request.GET.get('text', '')}".strip()
    if not text:
        return render(request, "classify/_suggestion.html", {"empty": True})
    # The place is not known before the form is sent: the operator's own area (a hotline seat
    # serves one district) chooses the model's scope.
    paths = {path for _role, path in jurisdiction.role_paths}
    area_path = paths.pop() if len(paths) == 1 else None
    return render(request, "classify/_suggestion.html", {"s": runtime.explain(text, area_path),
                                                         "max_chars": MAX_ANALYSED_CHARS})
