"""Writes of the people app: accounts, memberships, grid teams and lists, 包联, phone sign-in.

Every function validates, checks that the actor may do it, runs in one transaction, writes an
audit row and sends messages only after commit. Refusals raise ``django.core.exceptions.
ValidationError`` (code ``forbidden`` when the actor lacks the right) and change nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import context
from civicgrid.core.masking import mask_phone
from civicgrid.core.models import AuditEvent
from civicgrid.core.services import diff_fields, record_event
from civicgrid.core.sms import get_gateway
from civicgrid.geo.models import Area, AreaKind, Building, Household

from .jurisdiction import forget_jurisdiction, jurisdiction_for
from .models import (
    AREA_ROLES,
    CITIZEN_ROLES,
    STAFF_ROLES,
    UNIT_ROLES,
    BaolianAssignment,
    BaolianLevel,
    BuildingLeader,
    GridListItem,
    GridListKind,
    GridTeamMember,
    Membership,
    OneTimeCode,
    PartyBranch,
    Role,
    TeamPosition,
    Unit,
    User,
)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
WORK_PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")
LOGIN_PURPOSE = "login"

# Area roles whose holders may manage people and grids strictly below the area they hold.
MANAGER_ROLES = {
    Role.DISTRICT_COMMANDER,
    Role.STREET_DISPATCHER,
    Role.COMMUNITY_SECRETARY,
    Role.COMMUNITY_STAFF,
}


# --- helpers ------------------------------------------------------------------------------------
def _field_error(field: str, message: str, code: str) -> ValidationError:
    # A dict with a bare message would drop the code; tests and the API rely on it.
    return ValidationError({field: ValidationError(message, code=code)})


def _forbidden(message: str) -> ValidationError:
    return ValidationError(message, code="forbidden")


def _is_global(actor) -> bool:
    return jurisdiction_for(actor).is_global


def _managed_paths(actor, roles=MANAGER_ROLES) -> list[str]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    return list(
        Membership.objects.filter(user=actor, is_active=True, role__in=[str(r) for r in roles], area__isnull=False)
        .values_list("area__path", flat=True)
    )


def can_manage_path(actor, path: str, *, strictly_below: bool = False, roles=MANAGER_ROLES) -> bool:
    """Global administrators manage everything; a manager manages the subtree of the area they
    hold (strictly below it when granting roles, so nobody can hand out their own rank)."""
    if _is_global(actor):
        return True
    for own in _managed_paths(actor, roles):
        if path.startswith(own) and not (strictly_below and path == own):
            return True
    return False


def _require_manage(actor, path: str, *, strictly_below: bool = False, roles=MANAGER_ROLES) -> None:
    if not can_manage_path(actor, path, strictly_below=strictly_below, roles=roles):
        raise _forbidden(_("You may only manage areas inside your own jurisdiction."))


def normalize_mobile(phone: str) -> str:
    """'+86 138-1234-5678' -> '13812345678'; the result may still be invalid."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def validate_mobile(phone: str, field: str = "phone") -> str:
    normalized = normalize_mobile(phone)
    if not MOBILE_RE.fullmatch(normalized):
        raise _field_error(
            field, _("Enter a mainland China mobile number of 11 digits, such as 13812345678."), "invalid_phone"
        )
    return normalized


def _validate_work_phone(work_phone: str) -> str:
    work_phone = (work_phone or "").strip()
    if work_phone and not WORK_PHONE_RE.fullmatch(work_phone):
        raise _field_error("work_phone", _("Enter a phone number of digits, optionally with dashes, such as 0532-88881234."), "invalid_phone")
    return work_phone


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc


# --- staff accounts -----------------------------------------------------------------------------
def validate_staff_user(
    actor, username: str, password: str, real_name: str, phone: str | None = None, is_staff_site: bool = False
) -> User:
    """Everything create_staff_user checks, without writing; returns the unsaved account."""
    if not _is_global(actor):
        raise _forbidden(_("Only administrators may create staff accounts."))
    username = (username or "").strip()
    real_name = (real_name or "").strip()
    errors: dict[str, list] = {}
    user = User(username=username, real_name=real_name, is_staff=bool(is_staff_site))
    if not username:
        errors["username"] = [ValidationError(_("Enter a username."), code="required")]
    else:
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as exc:
            errors["username"] = exc.error_list
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [ValidationError(_("A user with that username already exists."), code="unique")]
    if not real_name:
        errors["real_name"] = [ValidationError(_("Enter the person's real name."), code="required")]
    if phone:
        try:
            user.phone = validate_mobile(phone)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        else:
            if User.objects.filter(phone=user.phone).exists():
                errors["phone"] = [ValidationError(_("Another account already uses this mobile number."), code="unique")]
    try:
        _validate_password(password, user)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return user


def create_staff_user(
    actor, username: str, password: str, real_name: str, phone: str | None = None, is_staff_site: bool = False
) -> User:
    """A staff account. There is no open sign-up for staff: only administrators create them.
    ``is_staff_site`` opens the administration site to the account."""
    user = validate_staff_user(actor, username, password, real_name, phone, is_staff_site)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    with transaction.atomic():
        user.save()
        record_event(
            actor=actor,
            action="user.create",
            obj=user,
            changes={
                "username": user.username,
                "real_name": user.real_name,
                "phone": mask_phone(user.phone or ""),
                "is_staff": user.is_staff,
            },
        )
    return user


def update_user(actor, user: User, **fields) -> User:
    """Change an account's profile. Allowed fields: real_name, phone, email, is_active, is_staff,
    is_party_member. Only administrators may do it."""
    allowed = {"real_name", "phone", "email", "is_active", "is_staff", "is_party_member", "first_name", "last_name"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"update_user cannot change {sorted(unknown)}")
    if not _is_global(actor):
        raise _forbidden(_("Only administrators may change accounts."))
    if "phone" in fields:
        phone = fields["phone"] or None
        if phone:
            phone = validate_mobile(phone)
            if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
                raise _field_error("phone", _("Another account already uses this mobile number."), "unique")
        fields["phone"] = phone
    if fields.get("is_active") is False and user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    with transaction.atomic():
        changed = diff_fields(user, fields)
        if not changed:
            return user
        user.save(update_fields=list(changed))
        if "phone" in changed:
            changed["phone"] = [mask_phone(v or "") for v in changed["phone"]]
        record_event(actor=actor, action="user.update", obj=user, changes=changed)
    return user


def set_user_password(actor, user: User, new_password: str) -> None:
    """An administrator sets someone's password (a reset); the rules still apply."""
    if not _is_global(actor):
        raise _forbidden(_("Only administrators may reset passwords."))
    _validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        record_event(actor=actor, action="user.password_reset", obj=user, kind=AuditEvent.Kind.AUTH)


def change_password(user: User, old_password: str, new_password: str) -> None:
    """The user changes their own password; the old one must be right."""
    if not user.has_usable_password() or not user.check_password(old_password):
        raise _field_error("old_password", _("Your current password was entered incorrectly."), "password_incorrect")
    if old_password == new_password:
        raise _field_error("new_password", _("The new password must differ from the current one."), "password_unchanged")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.error_list}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        record_event(actor=user, action="user.password_change", obj=user, kind=AuditEvent.Kind.AUTH)


def record_sign_in(user: User, method: str) -> None:
    record_event(actor=user, action="auth.login", obj=user, changes={"method": method}, kind=AuditEvent.Kind.AUTH)


def record_sign_out(user: User) -> None:
    record_event(actor=user, action="auth.logout", obj=user, kind=AuditEvent.Kind.AUTH)


# --- memberships --------------------------------------------------------------------------------
def validate_membership_grant(actor, user: User, role: str, area: Area | None = None, unit: Unit | None = None) -> None:
    """Everything grant_membership checks, without writing (the admin uses it in form validation)."""
    if role not in Role.values:
        raise _field_error("role", _("Unknown role."), "invalid")
    role = Role(role)
    if role in AREA_ROLES:
        expected = AREA_ROLES[role]
        if area is None:
            raise _field_error("area", _("This role needs an area."), "required")
        if area.kind != expected:
            raise _field_error("area", _("The role %(role)s is granted on a %(expected)s, not on a %(kind)s.")
                    % {
                        "role": role.label,
                        "expected": AreaKind(expected).label,
                        "kind": AreaKind(area.kind).label if area.kind in AreaKind.values else area.kind,
                    }, "wrong_area_kind")
        if unit is not None:
            raise _field_error("unit", _("An area role does not take a unit."), "invalid")
    elif role in UNIT_ROLES:
        if unit is None:
            raise _field_error("unit", _("This role needs a unit."), "required")
        if area is not None:
            raise _field_error("area", _("A unit role does not take an area."), "invalid")
        if not unit.is_active:
            raise _field_error("unit", _("This unit is no longer active."), "invalid")
    elif role == Role.ADMIN:
        if area is not None or unit is not None:
            raise ValidationError(_("The administrator role takes neither an area nor a unit."), code="invalid")
    elif role in CITIZEN_ROLES:
        if unit is not None:
            raise _field_error("unit", _("This role does not take a unit."), "invalid")

    if not user.is_active:
        raise ValidationError(_("This account is deactivated."), code="inactive")

    # Authorisation: administrators grant anything; a manager grants area roles and citizen roles
    # only strictly below the area they hold, never unit or administrator roles.
    if not _is_global(actor):
        if role == Role.ADMIN or role in UNIT_ROLES:
            raise _forbidden(_("Only administrators may grant this role."))
        if area is None:
            raise _forbidden(_("Only administrators may grant a role without an area."))
        _require_manage(actor, area.path, strictly_below=True)

    if Membership.objects.filter(user=user, role=role, area=area, unit=unit, is_active=True).exists():
        raise ValidationError(_("This person already holds this role there."), code="duplicate")


def grant_membership(actor, user: User, role: str, area: Area | None = None, unit: Unit | None = None, title: str = "") -> Membership:
    validate_membership_grant(actor, user, role, area, unit)
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user, role=role, area=area, unit=unit, title=(title or "").strip()[:50]
        )
        record_event(
            actor=actor,
            action="membership.grant",
            obj=membership,
            changes={
                "user": str(user.pk),
                "role": str(role),
                "area": area.code if area else None,
                "unit": unit.code if unit else None,
            },
        )
    forget_jurisdiction(user)
    return membership


def _require_manage_membership(actor, membership: Membership) -> None:
    if _is_global(actor):
        return
    if membership.area is None or membership.role in (set(UNIT_ROLES) | {Role.ADMIN}):
        raise _forbidden(_("Only administrators may change this membership."))
    _require_manage(actor, membership.area.path, strictly_below=True)


def revoke_membership(actor, membership: Membership, reason: str = "") -> Membership:
    """Memberships are ended, not deleted, so that history keeps who held a role when."""
    _require_manage_membership(actor, membership)
    if not membership.is_active:
        raise ValidationError(_("This membership has already been revoked."), code="inactive")
    if membership.user_id == getattr(actor, "pk", None) and membership.role == Role.ADMIN:
        raise ValidationError(_("You cannot revoke your own administrator role."), code="self")
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        record_event(
            actor=actor, action="membership.revoke", obj=membership, changes={"is_active": [True, False]}, reason=reason
        )
    forget_jurisdiction(membership.user)
    return membership


def update_membership_title(actor, membership: Membership, title: str) -> Membership:
    _require_manage_membership(actor, membership)
    with transaction.atomic():
        changed = diff_fields(membership, {"title": (title or "").strip()[:50]})
        if changed:
            membership.save(update_fields=["title"])
            record_event(actor=actor, action="membership.update", obj=membership, changes=changed)
    return membership


# --- units --------------------------------------------------------------------------------------
UNIT_FIELDS = ("code", "name", "short_name", "kind", "area", "parent", "duty_phone", "description", "is_active")


def _plain_value(value):
    return str(value.pk) if hasattr(value, "pk") else value


def save_unit(actor, unit: Unit, **fields) -> Unit:
    """Create (unit.pk is None) or change a unit; units are district configuration, so only
    administrators may do it."""
    if not _is_global(actor):
        raise _forbidden(_("Only administrators may change units."))
    unknown = set(fields) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"save_unit cannot change {sorted(unknown)}")
    creating = unit.pk is None
    with transaction.atomic():
        if creating:
            for name, value in fields.items():
                setattr(unit, name, value)
            unit.full_clean()
            unit.save()
            changed = {name: _plain_value(value) for name, value in fields.items()}
            record_event(actor=actor, action="unit.create", obj=unit, changes=changed)
            return unit
        changed = diff_fields(unit, fields)
        unit.full_clean()
        if changed:
            unit.save(update_fields=list(changed))
            record_event(actor=actor, action="unit.update", obj=unit, changes=changed)
    return unit


# --- grid team, lists, party branch, building leaders ---------------------------------------------
def _require_grid(grid: Area) -> None:
    if grid is None or grid.kind != AreaKind.GRID:
        raise _field_error("grid", _("Choose a grid."), "not_a_grid")


def set_grid_team_member(actor, grid: Area, position: str, user: User, work_phone: str = "") -> GridTeamMember:
    """Put a person on the grid's 五人小组: one person per position per grid."""
    _require_grid(grid)
    if position not in TeamPosition.values:
        raise _field_error("position", _("Unknown position."), "invalid")
    if user is None or not user.is_active:
        raise _field_error("user", _("Choose an active account."), "invalid")
    work_phone = _validate_work_phone(work_phone)
    _require_manage(actor, grid.path)
    with transaction.atomic():
        member = GridTeamMember.objects.select_for_update().filter(grid=grid, position=position).first()
        if member is None:
            member = GridTeamMember.objects.create(
                grid=grid, area_path=grid.path, position=position, user=user, work_phone=work_phone
            )
            record_event(
                actor=actor,
                action="grid_team.set",
                obj=member,
                changes={"grid": grid.code, "position": position, "user": [None, str(user.pk)], "work_phone": [None, work_phone]},
            )
            return member
        changed = diff_fields(member, {"user": user, "work_phone": work_phone, "area_path": grid.path})
        if changed:
            member.save(update_fields=list(changed))
            record_event(
                actor=actor, action="grid_team.set", obj=member, changes={"grid": grid.code, "position": position, **changed}
            )
    return member


def remove_grid_team_member(actor, member: GridTeamMember) -> None:
    _require_manage(actor, member.grid.path)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="grid_team.remove",
            obj=member,
            changes={"grid": member.grid.code, "position": member.position, "user": str(member.user_id)},
        )
        member.delete()


GRID_LIST_MANAGERS = MANAGER_ROLES | {Role.GRID_LEADER}
GRID_LIST_FIELDS = ("list_kind", "title", "detail", "contact", "position")


def _clean_list_fields(fields: dict) -> dict:
    if "list_kind" in fields and fields["list_kind"] not in GridListKind.values:
        raise _field_error("list_kind", _("Unknown list."), "invalid")
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise _field_error("title", _("Enter a title."), "required")
        if len(fields["title"]) > 100:
            raise _field_error("title", _("The title is at most 100 characters."), "max_length")
    if "contact" in fields:
        fields["contact"] = (fields["contact"] or "").strip()
        if len(fields["contact"]) > 50:
            raise _field_error("contact", _("The contact is at most 50 characters."), "max_length")
    return fields


def add_grid_list_item(
    actor, grid: Area, list_kind: str, title: str, detail: str = "", contact: str = "", position: int | None = None
) -> GridListItem:
    """An entry of one of the grid's four lists (四张清单)."""
    _require_grid(grid)
    fields = _clean_list_fields({"list_kind": list_kind, "title": title, "contact": contact})
    _require_manage(actor, grid.path, roles=GRID_LIST_MANAGERS)
    with transaction.atomic():
        if position is None:
            last = GridListItem.objects.filter(grid=grid, list_kind=list_kind).order_by("-position").first()
            position = last.position + 1 if last else 0
        item = GridListItem.objects.create(
            grid=grid, area_path=grid.path, detail=detail or "", position=position, **fields
        )
        record_event(
            actor=actor,
            action="grid_list.add",
            obj=item,
            changes={"grid": grid.code, "list_kind": list_kind, "title": fields["title"]},
        )
    return item


def update_grid_list_item(actor, item: GridListItem, **fields) -> GridListItem:
    unknown = set(fields) - set(GRID_LIST_FIELDS)
    if unknown:
        raise ValueError(f"update_grid_list_item cannot change {sorted(unknown)}")
    fields = _clean_list_fields(dict(fields))
    _require_manage(actor, item.grid.path, roles=GRID_LIST_MANAGERS)
    with transaction.atomic():
        changed = diff_fields(item, fields)
        if changed:
            item.save(update_fields=list(changed))
            record_event(actor=actor, action="grid_list.update", obj=item, changes=changed)
    return item


def remove_grid_list_item(actor, item: GridListItem) -> None:
    _require_manage(actor, item.grid.path, roles=GRID_LIST_MANAGERS)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="grid_list.remove",
            obj=item,
            changes={"grid": item.grid.code, "list_kind": item.list_kind, "title": item.title},
        )
        item.delete()


def set_party_branch(actor, grid: Area, name: str, secretary: User | None = None, members_count: int = 0) -> PartyBranch:
    _require_grid(grid)
    name = (name or "").strip()
    if not name:
        raise _field_error("name", _("Enter the name of the party branch."), "required")
    if members_count is None or int(members_count) < 0:
        raise _field_error("members_count", _("The number of party members cannot be negative."), "invalid")
    _require_manage(actor, grid.path)
    with transaction.atomic():
        branch = PartyBranch.objects.select_for_update().filter(grid=grid).first()
        if branch is None:
            branch = PartyBranch.objects.create(grid=grid, name=name, secretary=secretary, members_count=int(members_count))
            record_event(
                actor=actor,
                action="party_branch.create",
                obj=branch,
                changes={"grid": grid.code, "name": name, "secretary": secretary.pk if secretary else None,
                         "members_count": int(members_count)},
            )
            return branch
        changed = diff_fields(branch, {"name": name, "secretary": secretary, "members_count": int(members_count)})
        if changed:
            branch.save(update_fields=list(changed))
            record_event(actor=actor, action="party_branch.update", obj=branch, changes=changed)
    return branch


def remove_party_branch(actor, branch: PartyBranch) -> None:
    _require_manage(actor, branch.grid.path)
    with transaction.atomic():
        record_event(actor=actor, action="party_branch.remove", obj=branch, changes={"grid": branch.grid.code, "name": branch.name})
        branch.delete()


def set_building_leader(actor, building: Building, user: User, is_pioneer: bool = False) -> BuildingLeader:
    """楼长 of a building (先锋楼长 when a party member leads it)."""
    if user is None or not user.is_active:
        raise _field_error("user", _("Choose an active account."), "invalid")
    _require_manage(actor, building.area_path)
    with transaction.atomic():
        leader = BuildingLeader.objects.select_for_update().filter(building=building, user=user).first()
        if leader is None:
            leader = BuildingLeader.objects.create(
                building=building, user=user, area_path=building.area_path, is_pioneer=bool(is_pioneer)
            )
            record_event(
                actor=actor,
                action="building_leader.set",
                obj=leader,
                changes={"building": building.code, "user": str(user.pk), "is_pioneer": bool(is_pioneer)},
            )
            return leader
        changed = diff_fields(leader, {"is_pioneer": bool(is_pioneer), "area_path": building.area_path})
        if changed:
            leader.save(update_fields=list(changed))
            record_event(actor=actor, action="building_leader.update", obj=leader, changes=changed)
    return leader


def remove_building_leader(actor, leader: BuildingLeader) -> None:
    _require_manage(actor, leader.area_path)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="building_leader.remove",
            obj=leader,
            changes={"building": leader.building.code, "user": str(leader.user_id)},
        )
        leader.delete()


# --- 包联 ----------------------------------------------------------------------------------------
def _baolian_target(level: str, target) -> tuple[dict, str]:
    """The target field and the area path for one 包联 level; refuses a target of the wrong kind."""
    if level in (BaolianLevel.STREET, BaolianLevel.COMMUNITY):
        if not isinstance(target, Area) or target.kind != level:
            raise _field_error("target", _("A %(level)s 包联 assignment needs an area of that kind.") % {"level": BaolianLevel(level).label}, "wrong_target")
        return {"area": target}, target.path
    if level == BaolianLevel.BUILDING:
        if not isinstance(target, Building):
            raise _field_error("target", _("A building 包联 assignment needs a building."), "wrong_target")
        return {"building": target}, target.area_path
    if level == BaolianLevel.HOUSEHOLD:
        if not isinstance(target, Household):
            raise _field_error("target", _("A household 包联 assignment needs a household."), "wrong_target")
        return {"household": target}, target.area_path
    raise _field_error("level", _("Unknown 包联 level."), "invalid")


def assign_baolian(
    actor, cadre: User, level: str, target, since: date | None = None, note: str = ""
) -> BaolianAssignment:
    target_fields, area_path = _baolian_target(level, target)
    if cadre is None or not cadre.is_active:
        raise _field_error("cadre", _("Choose an active account."), "invalid")
    _require_manage(actor, area_path)
    if BaolianAssignment.objects.filter(cadre=cadre, level=level, **target_fields).exists():
        raise ValidationError(_("This cadre already answers for this target."), code="duplicate")
    with transaction.atomic():
        assignment = BaolianAssignment.objects.create(
            cadre=cadre, level=level, area_path=area_path, since=since, note=(note or "")[:200], **target_fields
        )
        record_event(
            actor=actor,
            action="baolian.assign",
            obj=assignment,
            changes={"cadre": str(cadre.pk), "level": level, "target": str(target.pk), "area_path": area_path},
        )
    return assignment


def update_baolian(actor, assignment: BaolianAssignment, *, since=None, note: str = "") -> BaolianAssignment:
    _require_manage(actor, assignment.area_path)
    with transaction.atomic():
        changed = diff_fields(assignment, {"since": since, "note": (note or "")[:200]})
        if changed:
            assignment.save(update_fields=list(changed))
            record_event(actor=actor, action="baolian.update", obj=assignment, changes=changed)
    return assignment


def end_baolian(actor, assignment: BaolianAssignment) -> None:
    _require_manage(actor, assignment.area_path)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="baolian.end",
            obj=assignment,
            changes={"cadre": str(assignment.cadre_id), "level": assignment.level, "area_path": assignment.area_path},
        )
        assignment.delete()


# --- residents: phone and one-time code --------------------------------------------------------
def _code_hash(phone: str, code: str, purpose: str = LOGIN_PURPOSE) -> str:
    # Keyed with SECRET_KEY: a leaked table cannot be brute-forced over the 10^6 codes without it.
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _is_staff_account(user: User) -> bool:
    return (
        user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user, is_active=True, role__in=[str(r) for r in STAFF_ROLES]).exists()
    )


def request_login_code(phone: str) -> OneTimeCode:
    """Send a sign-in code to a resident's mobile phone. Only the code's hash is stored."""
    phone = validate_mobile(phone)
    existing = User.objects.filter(phone=phone).first()
    if existing is not None and _is_staff_account(existing):
        # Staff sign in with a password; a text message is a weaker second factor than that.
        raise _field_error("phone", _("This number belongs to a staff account: sign in with your username and password."), "staff_account")
    if existing is not None and not existing.is_active:
        raise _field_error("phone", _("This account is deactivated."), "inactive")
    return request_code(phone, purpose=LOGIN_PURPOSE, message=_(
        "Your civicgrid sign-in code is %(code)s. It expires in %(minutes)d minutes. Never tell it to anyone."))


def request_code(phone: str, *, purpose: str, message: str, params: dict | None = None) -> OneTimeCode:
    """Send a one-time code for ``purpose`` ("login", "track", …) by SMS; ``message`` holds
    %(code)s, %(minutes)d and any of ``params``. The same limits hold for every purpose: a pause between codes and a
    daily number per phone and purpose, and one hourly budget per caller address for all of them."""
    phone = validate_mobile(phone)
    now = timezone.now()
    with transaction.atomic():
        recent = OneTimeCode.objects.filter(phone=phone, purpose=purpose)
        # Locking the newest code makes two simultaneous requests for one number queue, so the
        # second sees the first and is refused instead of sending a second text.
        last = recent.select_for_update().order_by("-created_at", "-id").first()
        if last is not None:
            wait = settings.OTP_RESEND_SECONDS - int((now - last.created_at).total_seconds())
            if wait > 0:
                raise _field_error("phone", _("A code was sent a moment ago. Please wait %(seconds)d seconds before asking for another.")
                     % {"seconds": wait}, "too_soon")
        start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if recent.filter(created_at__gte=start_of_day).count() >= settings.OTP_DAILY_LIMIT:
            raise _field_error("phone", _("Too many codes were sent to this number today. Please try again tomorrow."), "daily_limit")
        # One address asking for codes to many numbers is someone spending our SMS budget (or
        # bombing strangers' phones): the audit rows of code requests carry the caller's address.
        ip = context.current().ip_address
        if ip and AuditEvent.objects.filter(
            action="otp.request", ip_address=ip, created_at__gte=now - timedelta(hours=1)
        ).count() >= settings.OTP_IP_HOURLY_LIMIT:
            raise _field_error("phone", _("Too many codes were asked for from this network. Please try again later."), "ip_limit")
        code = f"{secrets.randbelow(10 ** settings.OTP_LENGTH):0{settings.OTP_LENGTH}d}"
        otc = OneTimeCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_code_hash(phone, code, purpose),
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        changes = {"phone": mask_phone(phone)}
        if purpose != LOGIN_PURPOSE:
            changes["purpose"] = purpose
        record_event(actor=None, action="otp.request", obj=otc, changes=changes, kind=AuditEvent.Kind.AUTH)
        text = message % {**(params or {}), "code": code, "minutes": max(1, settings.OTP_TTL_SECONDS // 60)}
        transaction.on_commit(lambda: get_gateway().send(phone, text))
    return otc


def check_code(phone: str, code: str, *, purpose: str, max_attempts: int | None = None) -> tuple[OneTimeCode | None, str]:
    """Check a one-time code of ``purpose``: (the code's row, "") when right, fresh and unused (it is
    then marked used), else (row or None, reason): no_code, used, expired, too_many_attempts or
    wrong_code. Failures are audited; the caller audits the success. Only the newest code of a
    number counts, so asking for a new code retires the old one."""
    phone = normalize_mobile(phone)
    code = (code or "").strip()
    if not MOBILE_RE.fullmatch(phone) or not code:
        return None, "no_code"
    limit = settings.OTP_MAX_ATTEMPTS if max_attempts is None else max_attempts
    now = timezone.now()
    with transaction.atomic():
        # Locked, so that two parallel guesses cannot both slip under the attempt limit.
        otc = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        failure = ""
        if otc is None:
            failure = "no_code"
        elif otc.used_at is not None:
            failure = "used"
        elif otc.expires_at <= now:
            failure = "expired"
        elif otc.attempts >= limit:
            failure = "too_many_attempts"
        if not failure:
            otc.attempts += 1
            if hmac.compare_digest(otc.code_hash, _code_hash(phone, code, purpose)):
                otc.used_at = now
                otc.save(update_fields=["attempts", "used_at"])
            else:
                otc.save(update_fields=["attempts"])
                failure = "wrong_code"
        if failure:
            changes = {"phone": mask_phone(phone), "reason": failure}
            if purpose != LOGIN_PURPOSE:
                changes["purpose"] = purpose
            record_event(actor=None, action="otp.verify_failed", obj=otc, changes=changes, kind=AuditEvent.Kind.AUTH)
    return otc, failure


def _resident_username(phone: str) -> str:
    base = f"r{phone}"
    if not User.objects.filter(username=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


def verify_login_code(phone: str, code: str) -> User | None:
    """The resident for a right, fresh, unused code (created on first sign-in); None otherwise.

    Only the newest code of a number counts, so asking for a new code retires the old one.
    """
    phone = normalize_mobile(phone)
    masked = mask_phone(phone)
    with transaction.atomic():
        otc, failure = check_code(phone, code, purpose=LOGIN_PURPOSE)
        if failure:
            return None

        user = User.objects.select_for_update().filter(phone=phone).first()
        if user is not None and _is_staff_account(user):
            record_event(
                actor=None, action="otp.verify_failed", obj=otc,
                changes={"phone": masked, "reason": "staff_account"}, kind=AuditEvent.Kind.AUTH,
            )
            return None
        if user is None:
            try:
                with transaction.atomic():
                    user = User(username=_resident_username(phone), phone=phone)
                    user.set_unusable_password()
                    user.save()
            except IntegrityError:
                # A parallel first sign-in of the same number created the account first.
                user = User.objects.get(phone=phone)
            else:
                Membership.objects.create(user=user, role=Role.RESIDENT)
                record_event(
                    actor=user,
                    action="user.create",
                    obj=user,
                    changes={"username": user.username, "phone": masked, "role": Role.RESIDENT.value,
                             "via": "phone_code"},
                )
        record_event(
            actor=user, action="otp.verify", obj=otc, changes={"phone": masked}, kind=AuditEvent.Kind.AUTH
        )
    return user


# --- API tokens of integrating systems ---------------------------------------------------------
def api_token_expires_at(token):
    """When ``token`` (rest_framework.authtoken Token) stops working: API_TOKEN_DAYS after it was made."""
    return token.created + timedelta(days=settings.API_TOKEN_DAYS)


def issue_api_token(actor, user, *, reason: str = ""):
    """A new API token for ``user`` (a system's staff account); the previous one, if any, stops
    working at once. Audited (the key itself never enters the audit log). Returns the Token."""
    from rest_framework.authtoken.models import Token

    if not user.is_active:
        raise _field_error("user", _("%(user)s is not active; activate the account first.")
                           % {"user": user.get_username()}, "inactive")
    with transaction.atomic():
        previous = Token.objects.select_for_update().filter(user=user).first()
        previous_prefix = previous.key[:6] if previous is not None else None
        if previous is not None:
            previous.delete()
        token = Token.objects.create(user=user)
        record_event(actor=actor, action="api_token.rotated" if previous else "api_token.created", obj=user,
                     reason=reason,
                     changes={"key_prefix": token.key[:6], "previous_key_prefix": previous_prefix,
                              "expires_at": api_token_expires_at(token).isoformat()})
    return token


def revoke_api_token(actor, user, *, reason: str = "") -> bool:
    """The user's API token stops working at once; False when there was none. Audited."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is None:
            return False
        prefix = token.key[:6]
        token.delete()
        record_event(actor=actor, action="api_token.revoked", obj=user, reason=reason, changes={"key_prefix": prefix})
    return True
