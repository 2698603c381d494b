"""Every new database starts with the project's default three-level catalogue
(civicgrid/workorders/data/default_catalogue.csv); a jurisdiction loads its own with
``civicgrid load-catalogue FILE``."""

from django.db import migrations


def load(apps, schema_editor):
    from civicgrid.workorders.catalogue import load_default_catalogue

    load_default_catalogue(apps.get_model("workorders", "Category"))


class Migration(migrations.Migration):
    dependencies = [("workorders", "0002_numbersequence_workorder_suggested_unit")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
