from datetime import date
from decimal import Decimal

from django.db import migrations

# 20 % from 2019-01-01 (Federal Law No. 303-FZ), 22 % from 2026-01-01 (No. 425-FZ).
RATES = [(date(2019, 1, 1), Decimal("20.00")), (date(2026, 1, 1), Decimal("22.00"))]


def add_rates(apps, schema_editor):
    VatRate = apps.get_model("documents", "VatRate")
    for valid_from, rate in RATES:
        VatRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate})


def remove_rates(apps, schema_editor):
    VatRate = apps.get_model("documents", "VatRate")
    VatRate.objects.filter(valid_from__in=[d for d, _ in RATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_invoices")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
