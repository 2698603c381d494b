"""Every service asks two questions by default: a required description of the problem and an
optional photo link. Administrators edit them, or add questions per service, in the admin."""

from django.db import migrations

DEFAULTS = [
    {"code": "description", "description": "问题描述（时间、地点、现象）", "datatype": "text", "required": True,
     "datatype_description": "至少一句话", "position": 1},
    {"code": "photo", "description": "照片链接（可选）", "datatype": "string", "required": False,
     "datatype_description": "http(s) 链接", "position": 2},
]


def load(apps, schema_editor):
    ServiceAttribute = apps.get_model("open311", "ServiceAttribute")
    for row in DEFAULTS:
        ServiceAttribute.objects.get_or_create(category=None, code=row["code"], defaults=row)


def unload(apps, schema_editor):
    apps.get_model("open311", "ServiceAttribute").objects.filter(
        category=None, code__in=[row["code"] for row in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
