"""The mock's tables before it followed ESET's documentation: dropped (the mock's data is
its own test world, rebuilt by the new tables of 0004)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("eset_mock", "0002_faults_seed_subject")]

    operations = [
        migrations.DeleteModel(name="MockLicense"),
        migrations.DeleteModel(name="MockCompany"),
        migrations.DeleteModel(name="MockToken"),
        migrations.RemoveField(model_name="mockcontrol", name="refresh_ttl_seconds"),
    ]
