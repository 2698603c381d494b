"""The default SLA policies, as editable data (admin: SLA policies).

- Any order: the Shandong rules (handle within 5 working days, an extension normally at most 10
  working days, a misrouted order returned within 2 working days), dispatch within 2 hours and
  contact (签收/联系) within 24 hours, as Beijing's 接诉即办 does; reminders (催办) at half and at
  four fifths of each limit; supervision (督办) climbs one more level each further working day;
  a whistled department reports within 2 hours.
- Urgent orders: dispatch within 1 hour, contact within 2 hours, handle within 24 hours.
- Utilities (water, power, gas, heating: Category.is_utility): dispatch within 2 hours, contact
  within 2 hours.

A jurisdiction overrides any of them by adding a policy on its area (most specific wins, see
civicgrid.sla.deadlines.policy_for). Reversing removes only the rows this migration added.
"""

from django.db import migrations

DEFAULTS = [
    {
        "name": "默认时限（山东省规定）", "priority": "", "utilities_only": False,
        "dispatch_limit": 2, "dispatch_unit": "hours",
        "response_limit": 24, "response_unit": "hours",
        "handle_limit": 5, "handle_unit": "workdays",
        "return_limit": 2, "return_unit": "workdays",
        "extension_max": 10, "extension_unit": "workdays",
        "remind_at": [0.5, 0.8], "escalate_every": 1, "escalate_unit": "workdays",
        "whistle_limit": 2, "whistle_unit": "hours",
    },
    {
        "name": "紧急诉求（1小时派单）", "priority": "urgent", "utilities_only": False,
        "dispatch_limit": 1, "dispatch_unit": "hours",
        "response_limit": 2, "response_unit": "hours",
        "handle_limit": 24, "handle_unit": "hours",
        "return_limit": 2, "return_unit": "hours",
        "extension_max": 10, "extension_unit": "workdays",
        "remind_at": [0.5, 0.8], "escalate_every": 2, "escalate_unit": "hours",
        "whistle_limit": 1, "whistle_unit": "hours",
    },
    {
        "name": "水电气热（2小时派单）", "priority": "", "utilities_only": True,
        "dispatch_limit": 2, "dispatch_unit": "hours",
        "response_limit": 2, "response_unit": "hours",
        "handle_limit": 5, "handle_unit": "workdays",
        "return_limit": 2, "return_unit": "workdays",
        "extension_max": 10, "extension_unit": "workdays",
        "remind_at": [0.5, 0.8], "escalate_every": 1, "escalate_unit": "workdays",
        "whistle_limit": 2, "whistle_unit": "hours",
    },
]


def add_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    for row in DEFAULTS:
        if not SlaPolicy.objects.filter(name=row["name"], area__isnull=True, category__isnull=True).exists():
            SlaPolicy.objects.create(**row)


def remove_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicy.objects.filter(
        name__in=[row["name"] for row in DEFAULTS], area__isnull=True, category__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_pressure_fraction_policy_fields")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
