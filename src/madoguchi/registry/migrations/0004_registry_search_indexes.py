# Search indexes for registry.selectors.search_residents (prefix ranges, covering for the id-ordering step).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_registry_event_details"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="resident",
            name="registry_re_municip_fa6c58_idx",
        ),
        migrations.RemoveIndex(
            model_name="resident",
            name="registry_re_municip_29f6e0_idx",
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                fields=["municipality", "name_search_key", "status", "kana_search_key", "birth_date", "id"],
                name="resident_name_key_idx",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "date_ops",
                    "int8_ops",
                ],
            ),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                fields=["municipality", "kana_search_key", "birth_date", "status", "id"],
                name="resident_kana_key_idx",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "date_ops",
                    "varchar_pattern_ops",
                    "int8_ops",
                ],
            ),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                fields=[
                    "municipality",
                    "machiaza",
                    "block_number",
                    "status",
                    "kana_search_key",
                    "birth_date",
                    "id",
                ],
                name="resident_address_idx",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "date_ops",
                    "int8_ops",
                ],
            ),
        ),
    ]
