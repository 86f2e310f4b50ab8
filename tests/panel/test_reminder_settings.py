"""The reseller's renewal-reminder thresholds in the panel (DESIGN.md §4.10): the admins
change them with field-named errors that give the allowed range, everyone else reads them."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Membership, Reseller
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/panel/settings/reminders/"


def test_the_page_is_where_the_nav_says(panel):
    assert reverse("accounts:reminder-settings") == URL
    page = panel.get(reverse("accounts:client-list")).content.decode()
    assert f'href="{URL}"' in page


def test_the_admin_sees_the_default_seven_and_one(panel):
    page = panel.get(URL).content.decode()
    assert 'name="reminder_days"' in page
    assert 'value="7, 1"' in page


def test_the_admin_changes_them_and_the_trail_records_it(panel, reseller):
    response = panel.post(URL, {"reminder_days": "3; 10 3"})
    assert response.status_code == 302
    reseller.refresh_from_db()
    assert reseller.reminder_days == [10, 3]
    event = AuditEvent.objects.get(action=AuditAction.REMINDER_DAYS_CHANGED)
    assert (event.reseller_id, event.object_type, event.object_id) == (
        reseller.pk,
        "reseller",
        reseller.pk,
    )
    assert (event.before, event.after) == ({"reminder_days": "7, 1"}, {"reminder_days": "10, 3"})
    assert 'value="10, 3"' in panel.get(URL).content.decode()
    # The same again changes nothing, and records nothing.
    panel.post(URL, {"reminder_days": "10, 3"})
    assert AuditEvent.objects.filter(action=AuditAction.REMINDER_DAYS_CHANGED).count() == 1


def test_an_empty_field_turns_reminders_off(panel, reseller):
    assert panel.post(URL, {"reminder_days": ""}).status_code == 302
    reseller.refresh_from_db()
    assert reseller.reminder_days == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7, 0", "Напоминать можно за 1–60 дней до окончания периода, не за 0."),
        ("90", "Напоминать можно за 1–60 дней до окончания периода, не за 90."),
        (
            "7,5 дней",
            "«дней» — не целое число дней. Укажите дни от 1 до 60 через запятую, например «7, 1».",
        ),
        ("1 2 3 4 5 6", "Укажите не больше 5 сроков напоминаний, а не 6."),
    ],
)
def test_bad_days_are_refused_beside_the_field_and_nothing_is_written(
    panel, reseller, value, message
):
    response = panel.post(URL, {"reminder_days": value})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reminder_days": [message]}
    reseller.refresh_from_db()
    assert reseller.reminder_days == [7, 1]
    assert not AuditEvent.objects.exists()


def test_a_manager_reads_them_and_may_not_change_them(reseller):
    user = UserFactory(username="manager@reseller.example")
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.MANAGER)
    http = HttpClient()
    http.force_login(user)
    page = http.get(URL).content.decode()
    assert 'name="reminder_days"' not in page
    assert "7, 1" in page
    assert http.post(URL, {"reminder_days": "3"}).status_code == 403
    assert Reseller.objects.get(pk=reseller.pk).reminder_days == [7, 1]


def test_in_english_for_a_person_who_chose_it(reseller):
    user = UserFactory(username="admin-en@reseller.example")
    Membership.objects.create(
        user=user, reseller=reseller, role=Membership.Role.ADMIN, language="en"
    )
    http = HttpClient()
    http.force_login(user)
    response = http.post(URL, {"reminder_days": "61"})
    assert response.context["form"].errors == {
        "reminder_days": ["Reminders can be sent 1–60 days before the period ends, not 61."]
    }
    assert "<h1>Renewal reminders</h1>" in response.content.decode()
