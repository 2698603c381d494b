"""Reads of the classifier app, always scoped by the user's jurisdiction."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.people.jurisdiction import Jurisdiction
from civicgrid.people.models import Role
from civicgrid.workorders.models import Appeal, Status

from . import textprep
from .datasets import Dataset
from .models import ModelVersion

# Roles that see and manage model versions: the district command center for its district's scopes,
# administrators for every scope including the whole platform.
MANAGER_ROLES = (Role.DISTRICT_COMMANDER,)


def can_view_versions(jurisdiction: Jurisdiction) -> bool:
    return jurisdiction.is_global or jurisdiction.has_role(*MANAGER_ROLES)


def can_manage_scope(jurisdiction: Jurisdiction, scope_path: str) -> bool:
    """Administrators manage every scope; a district commander the scopes inside their areas.
    The whole-platform scope ("") belongs to administrators only."""
    if jurisdiction.is_global:
        return True
    if not scope_path:
        return False
    return jurisdiction.covers_with_role(scope_path, MANAGER_ROLES)


def versions_for(jurisdiction: Jurisdiction) -> QuerySet[ModelVersion]:
    """Versions the user may see: every scope inside their areas, and the whole-platform versions
    (which serve their intake too). Never the serialised model itself."""
    qs = ModelVersion.objects.select_related("scope_area", "created_by").defer("model_data")
    if jurisdiction.is_global:
        return qs
    if not can_view_versions(jurisdiction):
        return qs.none()
    paths = [p for role, p in jurisdiction.role_paths if role in {str(r) for r in MANAGER_ROLES}]
    q = Q(scope_path="")
    for p in paths:
        q |= Q(scope_path__startswith=p)
    return qs.filter(q)


def trainable_areas(jurisdiction: Jurisdiction) -> list:
    """The areas the versions page offers to train a version for: a commander's own districts,
    every district for administrators."""
    from civicgrid.geo.models import Area

    if jurisdiction.is_global:
        return list(Area.objects.filter(kind="district").order_by("code"))
    paths = [p for role, p in jurisdiction.role_paths if role in {str(r) for r in MANAGER_ROLES}]
    return list(Area.objects.filter(path__in=paths).order_by("code"))


def visible_area(jurisdiction: Jurisdiction, code: str):
    from civicgrid.geo.models import Area

    area = Area.objects.filter(code=code).first()
    if area is None or not jurisdiction.covers_path(area.path):
        return None
    return area


def active_version_for(area_path: str | None, active: dict[str, int]) -> tuple[str, int] | None:
    """The (scope path, version id) serving ``area_path``: the deepest active scope containing it,
    else the whole-platform one."""
    best = None
    for scope, pk in active.items():
        if scope and area_path and area_path.startswith(scope):
            if best is None or len(scope) > len(best[0]):
                best = (scope, pk)
    if best is None and "" in active:
        best = ("", active[""])
    return best


def serving_version(area_path: str | None) -> ModelVersion | None:
    """The active version that suggests categories for appeals in ``area_path`` (its own scope's,
    or the nearest enclosing one's), without the serialised model."""
    best = active_version_for(area_path, active_versions())
    return ModelVersion.objects.defer("model_data").select_related("scope_area").filter(pk=best[1]).first() if best else None


def active_versions() -> dict[str, int]:
    return dict(ModelVersion.objects.filter(is_active=True).values_list("scope_path", "pk"))


def training_data_from_orders(scope_path: str, level: int, *, progress=None) -> tuple[Dataset, dict[str, str]]:
    """Appeals of the closed orders in the scope, labelled with the order's final category (the one
    the operator and handlers settled on, never the suggestion), cut to its ancestor at ``level``.
    Returns the dataset (labels are category codes) and {code: name} of the labels."""
    from civicgrid.workorders.models import Category

    qs = (Appeal.objects.filter(order__status=Status.CLOSED)
          .select_related("order__category", "category").only(
              "title", "text", "category__path", "order__category__path").order_by("pk"))
    if scope_path:
        qs = qs.filter(area_path__startswith=scope_path)
    data = Dataset()
    total = qs.count()
    rows = qs.iterator(chunk_size=2000)
    if progress:
        rows = progress(rows, total, _("reading closed orders"))
    for appeal in rows:
        category = appeal.order.category or appeal.category
        text = f"{appeal.title}\n{appeal.text}".strip()
        if category is None:
            data.skip(_("no final category"))
            continue
        codes = [c for c in category.path.split("/") if c]
        if len(codes) < level:
            data.skip(_("category above level %(level)d") % {"level": level})
            continue
        if not appeal.text.strip() and not appeal.title.strip():
            data.skip(_("empty text"))
            continue
        if not textprep.is_chinese(text):
            data.skip(_("no Chinese text"))
            continue
        data.add(text, codes[level - 1])
    return data, category_names(data.labels)


def category_names(labels) -> dict[str, str]:
    """{code: name} from the catalogue for the labels that are category codes (a CSV's labels may
    be names or anything else: those are simply absent)."""
    from civicgrid.workorders.models import Category

    return dict(Category.objects.filter(code__in=set(labels)).values_list("code", "name"))
