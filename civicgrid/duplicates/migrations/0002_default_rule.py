"""The default duplicate rule (no category): editable in the admin. The figures come from the
NYC 311 evaluation (docs/adr/010-duplicates.md)."""

from django.db import migrations

DEFAULT = {"radius_m": 50, "window_days": 7, "min_similarity": 0.2}


def forward(apps, schema_editor):
    Rule = apps.get_model("duplicates", "DuplicateRule")
    if not Rule.objects.filter(category__isnull=True).exists():
        Rule.objects.create(category=None, **DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
