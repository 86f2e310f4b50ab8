"""People (DESIGN.md §3, §8): invitations with a one-time link valid for a week, "forgot
password" on every sign-in page, the profile (password, language), the staff and client
people pages. Failure paths assert that nothing was written."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.invitations import INVITATION_VALID, invitation_token
from accounts.models import AuditEvent, Client, Invitation, Membership
from accounts.services import client_create, person_invite, person_remove
from config.errors import Conflict, ValidationError
from notifications.models import Notification, NotificationKind
from notifications.services import email_drain
from tests.accounts.test_role_walk import snapshot
from tests.factories import ClientFactory, ResellerFactory, UserFactory, msk

pytestmark = pytest.mark.django_db

User = get_user_model()
NOW = msk(2026, 12, 1, 17, 42)
LINK = re.compile(r"https?://[^/\s]+(/invite/\d+/[0-9a-f]+/)")
RESET_LINK = re.compile(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)")
PASSWORD = "Very-long-pass-2026"


def staff_of(reseller, role=Membership.Role.ADMIN, username="admin@reseller.example"):
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=reseller, role=role)
    return user


def signed_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def invitation_path(email: str) -> str:
    """The link of the last e-mail sent to `email`: the e-mail outbox drained (after
    commit, in production) into Django's locmem backend."""
    email_drain(at=NOW)
    bodies = [m.body for m in mail.outbox if m.to == [email]]
    assert bodies, f"no e-mail to {email}"
    match = LINK.search(bodies[-1])
    assert match, bodies[-1]
    return match.group(1)


@pytest.fixture
def reseller():
    return ResellerFactory(name="Реселлер Люди")


@pytest.fixture
def admin(reseller):
    return staff_of(reseller)


# --------------------------------------------------------------------------- invitations


def test_creating_a_client_invites_its_owner_in_the_journal_and_by_email(reseller, admin):
    with time_machine.travel(NOW, tick=False):
        response = signed_in(admin).post(
            reverse("accounts:client-new"),
            {
                "name": "ООО Ромашка",
                "email": "Owner@Romashka.example",
                "address_state": "Москва",
                "address_city": "Москва",
                "address_street": "ул. Тверская, 1",
                "address_zip": "125009",
            },
        )
    client = Client.objects.get(name="ООО Ромашка")
    assert response.status_code == 302
    owner = client.owner
    assert not owner.has_usable_password()
    invitation = Invitation.objects.get(user=owner)
    assert invitation.created_at == NOW
    assert invitation.expires_at == NOW + timedelta(days=7)
    assert invitation.created_by == admin
    assert (invitation.reseller, invitation.client) == (reseller, client)
    note = Notification.objects.get(kind=NotificationKind.INVITATION)
    assert (note.recipient, note.client, note.email_to) == (owner, client, "owner@romashka.example")
    assert note.subject == "Приглашение: ООО Ромашка"
    # The journal keeps the message, never the link (its token is a secret).
    assert "/invite/" not in note.body and invitation_token(invitation) not in note.body
    assert "действует до 08.12.2026 17:42 МСК" in note.body
    path = invitation_path("owner@romashka.example")
    note.refresh_from_db()
    assert note.email_status == "sent"
    assert path == f"/invite/{invitation.pk}/{invitation_token(invitation)}/"
    assert "в портале клиента «ООО Ромашка»" in mail.outbox[-1].body


def test_the_link_sets_the_password_once_and_the_owner_signs_in_to_the_portal(reseller):
    client = client_create(reseller=reseller, name="ООО Лес", email="owner@les.example", at=NOW)
    path = invitation_path("owner@les.example")
    browser = HttpClient()
    with time_machine.travel(NOW + timedelta(days=6), tick=False):
        assert "Пароль для входа" in browser.get(path).content.decode()
        response = browser.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    client.owner.refresh_from_db()
    assert client.owner.check_password(PASSWORD)
    invitation = Invitation.objects.get(user=client.owner)
    assert invitation.used_at == NOW + timedelta(days=6)
    # One time only: the link is dead now, whatever is posted to it.
    with time_machine.travel(NOW + timedelta(days=6), tick=False):
        again = browser.post(
            path, {"new_password1": "Other-pass-2026!", "new_password2": "Other-pass-2026!"}
        )
    assert again.status_code == 404
    assert "уже использована" in again.content.decode()
    client.owner.refresh_from_db()
    assert client.owner.check_password(PASSWORD)
    login = browser.post(
        reverse("portal:login"), {"username": "owner@les.example", "password": PASSWORD}
    )
    assert login.status_code == 302 and login["Location"] == reverse("portal:home")


def test_the_link_works_for_seven_days_and_not_a_second_more(reseller):
    client = client_create(reseller=reseller, name="ООО Срок", email="owner@srok.example", at=NOW)
    path = invitation_path("owner@srok.example")
    with time_machine.travel(NOW + INVITATION_VALID - timedelta(seconds=1), tick=False):
        assert HttpClient().get(path).status_code == 200
    before = snapshot()
    with time_machine.travel(NOW + INVITATION_VALID, tick=False):
        response = HttpClient().post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 409
    assert "Срок действия ссылки истёк" in response.content.decode()
    assert snapshot() == before
    client.owner.refresh_from_db()
    assert not client.owner.has_usable_password()


def test_a_wrong_token_is_not_found_and_writes_nothing(reseller):
    client_create(reseller=reseller, name="ООО Ключ", email="owner@key.example", at=NOW)
    invitation = Invitation.objects.get()
    before = snapshot()
    for path in (
        f"/invite/{invitation.pk}/{'0' * 40}/",
        f"/invite/{invitation.pk + 1}/{invitation_token(invitation)}/",
    ):
        with time_machine.travel(NOW, tick=False):
            response = HttpClient().post(
                path, {"new_password1": PASSWORD, "new_password2": PASSWORD}
            )
        assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("one", "two", "field", "message"),
    [
        ("short", "short", "new_password1", "Введённый пароль слишком короткий"),
        (PASSWORD, PASSWORD + "x", "new_password2", "Пароли не совпадают."),
        ("", "", "new_password1", "Обязательное поле."),
    ],
)
def test_a_bad_password_is_named_and_nothing_is_written(reseller, one, two, field, message):
    client_create(reseller=reseller, name="ООО Пароль", email="owner@pw.example", at=NOW)
    path = invitation_path("owner@pw.example")
    before = snapshot()
    with time_machine.travel(NOW, tick=False):
        response = HttpClient().post(path, {"new_password1": one, "new_password2": two})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert snapshot() == before


def test_a_resend_from_the_client_page_kills_the_previous_link(reseller, admin):
    client = client_create(
        reseller=reseller, name="ООО Повтор", email="owner@again.example", at=NOW
    )
    first = invitation_path("owner@again.example")
    page = (
        signed_in(admin).get(reverse("accounts:client-detail", args=[client.pk])).content.decode()
    )
    assert "Отправить приглашение повторно" in page
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        response = signed_in(admin).post(reverse("accounts:client-invitation", args=[client.pk]))
    assert response.status_code == 302
    second = invitation_path("owner@again.example")
    assert second != first
    old, new = Invitation.objects.filter(user=client.owner).order_by("pk")
    assert old.revoked_at == NOW + timedelta(days=1) and new.revoked_at is None
    assert new.expires_at == NOW + timedelta(days=8)
    assert Notification.objects.filter(kind=NotificationKind.INVITATION).count() == 2
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert HttpClient().get(first).status_code == 404
        assert HttpClient().get(second).status_code == 200
    resent = AuditEvent.objects.get(action="person_invited")
    assert resent.actor == admin and resent.after["resent"] is True


def test_no_resend_once_the_password_is_set(reseller, admin):
    client = ClientFactory(reseller=reseller)
    client.owner.set_password(PASSWORD)
    client.owner.save()
    page = (
        signed_in(admin).get(reverse("accounts:client-detail", args=[client.pk])).content.decode()
    )
    assert "Отправить приглашение повторно" not in page
    http = signed_in(admin)
    before = snapshot()
    response = http.post(reverse("accounts:client-invitation", args=[client.pk]), follow=True)
    assert "Пользователь уже задал пароль" in response.content.decode()
    assert snapshot() == before


def test_the_api_invites_the_owner_of_a_client_it_creates(reseller, admin):
    api = APIClient()
    api.force_authenticate(admin)
    response = api.post(
        "/api/v1/reseller/clients/",
        {"name": "ООО Апи", "email": "owner@api.example"},
        format="json",
    )
    assert response.status_code == 201
    owner = User.objects.get(username="owner@api.example")
    assert Invitation.objects.filter(user=owner, created_by=admin).count() == 1
    assert invitation_path("owner@api.example").startswith("/invite/")


def test_a_client_created_with_a_password_gets_no_invitation(reseller):
    client_create(reseller=reseller, name="ООО Демо", email="demo@x.example", password=PASSWORD)
    assert not Invitation.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.INVITATION).exists()


def test_the_invitation_reads_in_english_for_an_english_reader(reseller):
    client_create(reseller=reseller, name="ООО Англ", email="owner@en.example", at=NOW)
    from notifications.texts import notification_text

    text = notification_text(Notification.objects.get(kind="invitation"), "en")
    assert text.subject == "Invitation: ООО Англ"
    assert "until 08.12.2026 17:42 MSK" in text.body


# --------------------------------------------------------------------------- staff


def test_an_admin_invites_staff_who_set_a_password_and_sign_in_to_the_panel(reseller, admin):
    with time_machine.travel(NOW, tick=False):
        response = signed_in(admin).post(
            reverse("accounts:staff"), {"email": "Acc@Reseller.example", "role": "accountant"}
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="acc@reseller.example")
    assert (membership.reseller, membership.role) == (reseller, "accountant")
    event = AuditEvent.objects.get(action="person_invited")
    assert event.after == {"email": "acc@reseller.example", "role": "accountant"}
    path = invitation_path("acc@reseller.example")
    assert "в панели реселлера «Реселлер Люди»" in mail.outbox[-1].body
    with time_machine.travel(NOW, tick=False):
        done = HttpClient().post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done["Location"] == reverse("accounts:login")
    login = HttpClient().post(
        reverse("accounts:login"), {"username": "acc@reseller.example", "password": PASSWORD}
    )
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email", "role": "manager"}, "email", "Укажите корректный e-mail."),
        ({"email": "", "role": "manager"}, "email", "Обязательное поле."),
        ({"email": "x@y.example", "role": "owner"}, "role", "Выберите роль из списка"),
        ({"email": "x@y.example", "role": ""}, "role", "Обязательное поле."),
        ({"email": "admin@reseller.example", "role": "manager"}, "email", "уже существует"),
    ],
)
def test_bad_staff_invitations_are_named_and_write_nothing(admin, data, field, message):
    http = signed_in(admin)
    before = snapshot()
    response = http.post(reverse("accounts:staff"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert snapshot() == before
    assert not mail.outbox


def test_removing_staff_takes_their_access_and_a_reinvite_brings_them_back(reseller, admin):
    manager = staff_of(reseller, Membership.Role.MANAGER, "m@reseller.example")
    response = signed_in(admin).post(reverse("accounts:staff-remove", args=[manager.membership.pk]))
    assert response.status_code == 302
    manager.refresh_from_db()
    assert not manager.is_active and not manager.has_usable_password()
    assert not Membership.objects.filter(user=manager).exists()
    assert AuditEvent.objects.get(action="person_removed").before == {
        "email": "m@reseller.example",
        "role": "manager",
    }
    assert (
        HttpClient()
        .post(reverse("accounts:login"), {"username": "m@reseller.example", "password": PASSWORD})
        .status_code
        == 200
    )
    again = person_invite(reseller=reseller, email="m@reseller.example", role="accountant", at=NOW)
    assert again.user == manager and again.role == "accountant"
    manager.refresh_from_db()
    assert manager.is_active


def test_one_cannot_remove_oneself_the_last_admin_or_a_client_owner(reseller, admin):
    client = ClientFactory(reseller=reseller)
    before = snapshot()
    with pytest.raises(Conflict, match="самого себя"):
        person_remove(membership=admin.membership, at=NOW, by=admin)
    with pytest.raises(Conflict, match="последнего администратора"):
        person_remove(membership=admin.membership, at=NOW, by=None)
    with pytest.raises(Conflict, match="Владельца клиента"):
        person_remove(membership=client.owner.membership, at=NOW, by=admin)
    assert snapshot() == before


def test_another_resellers_staff_is_not_found(admin):
    other = staff_of(ResellerFactory(), Membership.Role.MANAGER, "m@other.example")
    http = signed_in(admin)
    before = snapshot()
    response = http.post(reverse("accounts:staff-remove", args=[other.membership.pk]))
    assert response.status_code == 404
    assert snapshot() == before


# --------------------------------------------------------------------------- client people


def test_the_owner_invites_and_removes_the_clients_people(reseller):
    client = ClientFactory(reseller=reseller, email="owner@people.example")
    owner = signed_in(client.owner)
    with time_machine.travel(NOW, tick=False):
        response = owner.post(
            reverse("portal:people"), {"email": "viewer@people.example", "role": "viewer"}
        )
    assert response.status_code == 302
    person = Membership.objects.get(user__username="viewer@people.example")
    assert (person.client, person.role) == (client, "viewer")
    assert Invitation.objects.get(user=person.user).client == client
    page = owner.get(reverse("portal:people")).content.decode()
    assert "viewer@people.example" in page and "приглашён, ссылка до 08.12.2026" in page
    # No remove button for the owner's own row.
    assert reverse("portal:person-remove", args=[client.owner.membership.pk]) not in page
    response = owner.post(reverse("portal:person-remove", args=[person.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=person.pk).exists()
    assert Invitation.objects.get(user=person.user).revoked_at is not None


def test_a_client_admin_cannot_remove_the_owner(reseller):
    client = ClientFactory(reseller=reseller)
    admin = UserFactory(username="cadmin@x.example")
    Membership.objects.create(user=admin, client=client, role=Membership.Role.ADMIN)
    http = signed_in(admin)
    before = snapshot()
    response = http.post(
        reverse("portal:person-remove", args=[client.owner.membership.pk]), follow=True
    )
    assert "Владельца клиента удалить нельзя" in response.content.decode()
    assert snapshot() == before


def test_a_client_cannot_give_a_staff_role(reseller):
    client = ClientFactory(reseller=reseller)
    http = signed_in(client.owner)
    before = snapshot()
    response = http.post(reverse("portal:people"), {"email": "m@x.example", "role": "manager"})
    assert (
        "Выберите роль из списка: администратор, бухгалтер, наблюдатель."
        in response.content.decode()
    )
    assert snapshot() == before


def test_services_refuse_bad_roles_with_the_field_named(reseller):
    with pytest.raises(ValidationError) as error:
        person_invite(reseller=reseller, email="a@b.example", role="viewer", at=NOW)
    assert error.value.field == "role"


# --------------------------------------------------------------------------- forgot password


@pytest.mark.parametrize("login", ["accounts:login", "portal:login", "admin:login"])
def test_every_sign_in_page_has_forgot_password(login):
    html = HttpClient().get(reverse(login)).content.decode()
    assert reverse("password_reset") in html or reverse("admin_password_reset") in html


def test_forgot_password_mails_a_link_that_sets_a_new_one(reseller):
    client = ClientFactory(reseller=reseller, email="owner@reset.example")
    client.owner.set_password("old-password-123")
    client.owner.save()
    http = HttpClient()
    response = http.post(reverse("password_reset"), {"email": "OWNER@reset.example"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Восстановление пароля"
    assert "Чтобы задать новый пароль, откройте ссылку" in mail.outbox[0].body
    path = RESET_LINK.search(mail.outbox[0].body).group(1)
    form_page = http.get(path, follow=True)
    confirm = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = http.post(confirm, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done["Location"] == reverse("portal:login")
    client.owner.refresh_from_db()
    assert client.owner.check_password(PASSWORD)


def test_forgot_password_tells_nothing_about_unknown_addresses():
    known = HttpClient().post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert known["Location"] == reverse("password_reset_done")
    assert not mail.outbox


def test_an_invited_person_whose_link_expired_can_use_forgot_password(reseller):
    client_create(reseller=reseller, name="ООО Поздно", email="late@x.example", at=NOW)
    mail.outbox.clear()
    HttpClient().post(reverse("password_reset"), {"email": "late@x.example"})
    assert len(mail.outbox) == 1


def test_forgot_password_is_throttled_per_address_without_saying_so(reseller):
    client = ClientFactory(reseller=reseller, email="owner@many.example")
    for _ in range(5):
        response = HttpClient().post(reverse("password_reset"), {"email": "owner@many.example"})
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 3
    assert client.owner.email == "owner@many.example"


# --------------------------------------------------------------------------- profile


def test_the_profile_changes_the_password(reseller, admin):
    http = signed_in(admin)
    before = snapshot()
    wrong = http.post(
        reverse("accounts:profile"),
        {
            "form": "password",
            "old_password": "nope",
            "new_password1": "New-pass-2026!",
            "new_password2": "New-pass-2026!",
        },
    )
    assert wrong.context["password_form"].errors["old_password"] == [
        "Текущий пароль указан неверно."
    ]
    assert snapshot() == before
    done = http.post(
        reverse("accounts:profile"),
        {
            "form": "password",
            "old_password": PASSWORD,
            "new_password1": "New-pass-2026!",
            "new_password2": "New-pass-2026!",
        },
    )
    assert done.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password("New-pass-2026!")
    # The session survives its own password change.
    assert http.get(reverse("accounts:profile")).status_code == 200


def test_the_stored_language_wins_over_the_browser(reseller):
    client = ClientFactory(reseller=reseller)
    http = signed_in(client.owner)
    # A browser asking for English gets Russian until the person chooses (§8).
    html = http.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="ru"' in html
    response = http.post(reverse("portal:profile"), {"form": "language", "language": "en"})
    assert response.status_code == 302
    client.owner.membership.refresh_from_db()
    assert client.owner.membership.language == "en"
    # Another browser, no cookie: the stored choice follows the person.
    other = signed_in(client.owner)
    assert 'lang="en"' in other.get(reverse("portal:home")).content.decode()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert 'lang="en"' in other.get(reverse("portal:home")).content.decode()


def test_the_sidebar_switch_stores_the_language_on_the_person(reseller, admin):
    signed_in(admin).post(reverse("set_language"), {"language": "en", "next": "/panel/"})
    admin.membership.refresh_from_db()
    assert admin.membership.language == "en"


def test_a_bad_language_is_named_and_nothing_is_written(reseller, admin):
    http = signed_in(admin)
    before = snapshot()
    response = http.post(reverse("accounts:profile"), {"form": "language", "language": "de"})
    assert response.context["language_form"].errors["language"] == ["Выберите язык: ru, en."]
    assert snapshot() == before
