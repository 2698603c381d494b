"""Who answers for what: users, roles, memberships, units, 包联 chains, grid teams and their lists."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area, Building, Household
from civicgrid.core.masking import mask_phone


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    GRID_LEADER = "grid_leader", _("Grid leader")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    COMMUNITY_SECRETARY = "community_secretary", _("Community secretary")
    STREET_DISPATCHER = "street_dispatcher", _("Street dispatcher")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    DISTRICT_COMMANDER = "district_commander", _("District command center")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer")
    ADMIN = "admin", _("Administrator")


# Roles that act within an area subtree, and the kind of area each is granted on.
AREA_ROLES = {
    Role.GRID_WORKER: "grid",
    Role.GRID_LEADER: "grid",
    Role.COMMUNITY_STAFF: "community",
    Role.COMMUNITY_SECRETARY: "community",
    Role.STREET_DISPATCHER: "street",
    Role.DISTRICT_COMMANDER: "district",
    Role.HOTLINE_OPERATOR: "district",
}
# Roles that act for a unit: they see what was sent to that unit.
UNIT_ROLES = {Role.DEPARTMENT_HANDLER}
# Roles that are staff (need an administrator to create the account).
STAFF_ROLES = set(AREA_ROLES) | UNIT_ROLES | {Role.ADMIN}
# Who works in the field (grid worker pages) and who reads the command center (指挥中心).
FIELD_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER)
CENTER_ROLES = (Role.DISTRICT_COMMANDER, Role.STREET_DISPATCHER, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)
# Participation roles: no jurisdiction, only their own and public data (plus an optional home area).
CITIZEN_ROLES = {Role.RESIDENT, Role.PARTY_MEMBER, Role.VOLUNTEER}


class CivicUserManager(UserManager):
    pass


class User(AbstractUser):
    """A person who signs in. Staff sign in with a password; residents with phone + one-time code."""

    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True, blank=True)
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Demo accounts can sign in only in demo mode.")
    )
    is_party_member = models.BooleanField(_("party member"), default=False)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    objects = CivicUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        # A resident who signed in by phone has a login made from the number (services._resident_username:
        # "r" + phone): shown as it is, it would put their full number on every page that names them.
        if not self.real_name and self.phone and self.username.startswith(f"r{self.phone}"):
            return mask_phone(self.phone)
        return self.real_name or self.username


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("Government department")
    STREET_OFFICE = "street_office", _("Street office")
    COMMUNITY_OFFICE = "community_office", _("Community office")
    ENTERPRISE = "enterprise", _("Enterprise / utility")


class Unit(models.Model):
    """Who can be given work (承办单位): a department, a street or community office, a utility."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    # The area the unit serves: a district for its departments, the street for a street office.
    area = models.ForeignKey(Area, verbose_name=_("serves area"), on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    duty_phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    description = models.TextField(_("duties"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["area__path", "kind", "code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user holds a role in an area (jurisdiction subtree) or a unit."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    title = models.CharField(_("job title"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__username", "role"]

    def __str__(self) -> str:
        where = self.area or self.unit or ""
        return f"{self.user} · {self.get_role_display()} · {where}"


class BaolianLevel(models.TextChoices):
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    BUILDING = "building", _("Building")
    HOUSEHOLD = "household", _("Household")


class BaolianAssignment(models.Model):
    """包联: a district cadre answers for a street, a street cadre for a community, a community
    cadre for a building, a party member for a household."""

    cadre = models.ForeignKey(User, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="baolian")
    level = models.CharField(_("level"), max_length=12, choices=BaolianLevel.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT)
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT)
    household = models.ForeignKey(Household, verbose_name=_("household"), null=True, blank=True, on_delete=models.PROTECT)
    # Path of the target, so that jurisdiction filters are a prefix match.
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("包联 assignment")
        verbose_name_plural = _("包联 assignments")
        ordering = ["area_path", "level"]
        constraints = [
            models.CheckConstraint(
                name="baolian_one_target",
                condition=(
                    Q(level__in=["street", "community"], area__isnull=False, building__isnull=True, household__isnull=True)
                    | Q(level="building", area__isnull=True, building__isnull=False, household__isnull=True)
                    | Q(level="household", area__isnull=True, building__isnull=True, household__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        target = self.area or self.building or self.household
        return f"{self.cadre} → {target}"


class PartyBranch(models.Model):
    """The grid party organisation (网格党支部/党小组)."""

    grid = models.OneToOneField(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="party_branch",
        limit_choices_to={"kind": "grid"},
    )
    name = models.CharField(_("name"), max_length=100)
    secretary = models.ForeignKey(
        User, verbose_name=_("secretary"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members_count = models.PositiveIntegerField(_("party members"), default=0)

    class Meta:
        verbose_name = _("grid party branch")
        verbose_name_plural = _("grid party branches")

    def __str__(self) -> str:
        return self.name


class BuildingLeader(models.Model):
    """楼长 (先锋楼长 when a party member)."""

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="leaders")
    user = models.ForeignKey(User, verbose_name=_("building leader"), on_delete=models.PROTECT, related_name="led_buildings")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    is_pioneer = models.BooleanField(_("pioneer (党员先锋楼长)"), default=False)

    class Meta:
        verbose_name = _("building leader")
        verbose_name_plural = _("building leaders")
        constraints = [models.UniqueConstraint(fields=["building", "user"], name="building_leader_unique")]

    def __str__(self) -> str:
        return f"{self.building} · {self.user}"


class TeamPosition(models.TextChoices):
    """The grid's 五人小组."""

    STREET_SUNK = "street_sunk", _("Street cadre assigned to the grid (街道下沉网格员)")
    COMMUNITY_LIAISON = "community_liaison", _("Community liaison (社区联系网格员)")
    PARTY_SECRETARY = "party_secretary", _("Grid party secretary (网格党组织书记)")
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    PUBLIC_WELFARE = "public_welfare", _("Public-welfare post (公益岗)")


class GridTeamMember(models.Model):
    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="team",
        limit_choices_to={"kind": "grid"},
    )
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    position = models.CharField(_("position"), max_length=20, choices=TeamPosition.choices)
    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="grid_positions")
    work_phone = models.CharField(_("work phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("grid team member (五人小组)")
        verbose_name_plural = _("grid teams (五人小组)")
        ordering = ["area_path", "position"]
        constraints = [models.UniqueConstraint(fields=["grid", "position"], name="grid_team_one_per_position")]

    def __str__(self) -> str:
        return f"{self.grid.name} · {self.get_position_display()} · {self.user}"


class GridListKind(models.TextChoices):
    """The grid's four lists (四张清单)."""

    RESOURCES = "resources", _("Resources (资源清单)")
    MATTERS = "matters", _("Matters (事项清单)")
    PEOPLE = "people", _("People (人员清单)")
    DUTIES = "duties", _("Duties (职责清单)")


class GridListItem(models.Model):
    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="list_items",
        limit_choices_to={"kind": "grid"},
    )
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    list_kind = models.CharField(_("list"), max_length=12, choices=GridListKind.choices)
    title = models.CharField(_("title"), max_length=100)
    detail = models.TextField(_("detail"), blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("grid list item")
        verbose_name_plural = _("grid lists (四张清单)")
        ordering = ["area_path", "list_kind", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()} · {self.title}"


class OneTimeCode(models.Model):
    """A phone sign-in code. Only a hash is stored; a code is used at most once."""

    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=20, default="login")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"
