from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from madoguchi.core.municipality_data import load_municipalities

    load_municipalities(apps.get_model("core", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
