import re

from django.db import migrations

# The sentences earlier versions put in payloads as `reason`, and their codes (§4.11).
SENTENCES = {
    "автопродление выключено": "auto_renew_off",
    "подписка не активна": "subscription_not_active",
    "недостаточно средств на балансе": "insufficient_funds",
    "подписка отменена": "subscription_cancelled",
}
GRACE = re.compile(r"^не оплачена в течение (\d+) дней$")


def forwards(apps, schema_editor):
    notification = apps.get_model("notifications", "Notification")
    for row in notification.objects.filter(kind__in=["cancelled", "seat_change_rejected"]).iterator():
        payload = dict(row.payload or {})
        reason = str(payload.get("reason") or "")
        if not reason:
            continue
        grace = GRACE.match(reason)
        if grace:
            payload["reason"], payload["reason_params"] = "grace_expired", {
                "days": int(grace.group(1))
            }
        elif reason in SENTENCES:
            payload["reason"] = SENTENCES[reason]
        else:
            continue
        notification.objects.filter(pk=row.pk).update(payload=payload)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_license_drift_kind")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
