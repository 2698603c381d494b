"""Load the default urgency lexicon (textcheck/lexicon.py) as editable UrgencyTerm rows."""

from django.db import migrations


def load(apps, schema_editor):
    from civicgrid.textcheck.lexicon import default_terms

    UrgencyTerm = apps.get_model("textcheck", "UrgencyTerm")
    existing = set(UrgencyTerm.objects.values_list("phrase", "kind", "language"))
    UrgencyTerm.objects.bulk_create([
        UrgencyTerm(**row) for row in default_terms()
        if (row["phrase"], row["kind"], row["language"]) not in existing
    ])


def unload(apps, schema_editor):
    apps.get_model("textcheck", "UrgencyTerm").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("textcheck", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
