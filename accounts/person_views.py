"""What every person has, whichever face they use: the invitation link (set a password),
"forgot password" (Django's password reset, by e-mail, throttled, never saying whether an
address is known), the profile (password and language) and the language switch."""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from config.errors import ApplicationError
from config.forms import apply_domain_error, report_domain_error

from .forms import InviteForm, LanguageForm, PasswordChangeForm, PasswordsForm
from .invitations import invitation_accept, invitation_open
from .models import Membership
from .selectors import membership_for, people_with_invitations
from .services import (
    invitation_resend,
    password_change,
    person_invite,
    person_remove,
    person_set_language,
)

# "Forgot password": this many requests per e-mail, and per address, per hour; beyond
# that nothing is sent, and the page says the same as ever.
RESET_PER_EMAIL = 3
RESET_PER_ADDRESS = 20
RESET_WINDOW = 3600


def login_url_for(user) -> str:
    """Where a person signs in: the portal for a client's people, the panel for a reseller's
    staff, the operator admin for the distributor's staff."""
    membership = membership_for(user=user)
    if membership is not None and membership.client_id:
        return reverse("portal:login")
    if membership is None and user.is_staff:
        return reverse("admin:login")
    return reverse("accounts:login")


# --------------------------------------------------------------------------- invitation


def invitation_page(request: HttpRequest, invitation_id: int, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        invitation = invitation_open(invitation_id=invitation_id, token=token, at=now)
    except ApplicationError as exc:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"message": exc.message},
            status=exc.http_status,
        )
    form = PasswordsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation_id=invitation.pk,
                token=token,
                password=form.cleaned_data["new_password1"],
                at=now,
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc, aliases={"password": "new_password1"})
        else:
            messages.success(request, _("Пароль задан. Войдите с ним."))
            return redirect(login_url_for(user))
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "invitation": invitation, "login": invitation.user.get_username()},
    )


# --------------------------------------------------------------------------- password reset


class PeoplePasswordResetForm(PasswordResetForm):
    """Django's form, for every active person with that e-mail: one invited but not yet
    signed in (no usable password) may also get in this way."""

    def get_users(self, email):
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (u for u in users if Membership.objects.filter(user=u).exists() or u.is_staff)


def _reset_allowed(request: HttpRequest, email: str) -> bool:
    keys = (
        (
            f"reset:email:{hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]}",
            RESET_PER_EMAIL,
        ),
        (f"reset:ip:{request.META.get('REMOTE_ADDR', '-')}", RESET_PER_ADDRESS),
    )
    allowed = True
    for key, limit in keys:
        cache.add(key, 0, RESET_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, RESET_WINDOW)
            count = 1
        allowed = allowed and count <= limit
    return allowed


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = PeoplePasswordResetForm
    success_url = reverse_lazy("password_reset_done")
    title = gettext_lazy("Восстановление пароля")

    def form_valid(self, form):
        if not _reset_allowed(self.request, form.cleaned_data["email"]):
            # The same answer as ever: a guesser learns nothing, and no mail goes out.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    post_reset_login = False
    success_url = reverse_lazy("accounts:login")  # form_valid sends each face to its own

    def form_valid(self, form):
        super().form_valid(form)
        messages.success(self.request, _("Пароль изменён. Войдите с новым паролем."))
        return HttpResponseRedirect(login_url_for(form.user))


# --------------------------------------------------------------------------- profile


def profile_page(request: HttpRequest, *, template: str, section: str = "profile") -> HttpResponse:
    """The panel's and the portal's profile: the password and the language."""
    membership = membership_for(user=request.user)
    password_form = PasswordChangeForm(
        request.POST if request.POST.get("form") == "password" else None
    )
    language_form = LanguageForm(
        request.POST if request.POST.get("form") == "language" else None,
        initial={"language": (membership.language if membership else "") or "ru"},
    )
    if request.method == "POST" and password_form.is_bound and password_form.is_valid():
        try:
            user = password_change(
                user=request.user,
                old_password=password_form.cleaned_data["old_password"],
                new_password=password_form.cleaned_data["new_password1"],
            )
        except ApplicationError as exc:
            apply_domain_error(password_form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Пароль изменён."))
            return redirect(request.path)
    if request.method == "POST" and language_form.is_bound and language_form.is_valid():
        try:
            language = person_set_language(
                user=request.user, language=language_form.cleaned_data["language"]
            )
        except ApplicationError as exc:
            apply_domain_error(language_form, exc)
        else:
            response = redirect(request.path)
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language)
            messages.success(request, _("Язык сохранён."))
            return response
    return render(
        request,
        template,
        {
            "password_form": password_form,
            "language_form": language_form,
            "membership": membership,
            "section": section,
        },
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The sidebar's language switch: Django's set_language (the cookie), and for a signed-in
    person also their stored choice."""
    if request.user.is_authenticated and membership_for(user=request.user) is not None:
        # An unknown language: set_language ignores it the same way.
        with contextlib.suppress(ApplicationError):
            person_set_language(user=request.user, language=request.POST.get("language", ""))
    return set_language(request)


# --------------------------------------------------------------------------- people pages
# The panel's «Сотрудники» and the portal's «Пользователи» are one page over two tenants:
# the faces pass who the people belong to (`tenant`: reseller= or client=), the roles that
# may be given and where to go back.


def people_page(
    request: HttpRequest,
    *,
    tenant: dict,
    roles,
    people,
    template: str,
    section: str,
    back: str,
) -> HttpResponse:
    """Everyone reads the list; whom the role table allows invites (the face checks)."""
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            membership = person_invite(
                **tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                at=timezone.now(),
                by=request.user,
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Приглашение отправлено на %(email)s.") % {"email": membership.user.email},
            )
            return redirect(back)
    context = {"people": people_with_invitations(people), "form": form, "section": section}
    return render(request, template, context)


def person_remove_action(
    request: HttpRequest, membership: Membership, *, back: str, done: str
) -> HttpResponse:
    """Removes a person; `done` is the success message with %(email)s."""
    email = membership.user.email
    try:
        person_remove(membership=membership, at=timezone.now(), by=request.user)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, done % {"email": email})
    return redirect(back)


def invitation_resend_action(
    request: HttpRequest, membership: Membership, *, back: str
) -> HttpResponse:
    try:
        invitation_resend(membership=membership, at=timezone.now(), by=request.user)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("Приглашение отправлено повторно на %(email)s.") % {"email": membership.user.email},
        )
    return redirect(back)
