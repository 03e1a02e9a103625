"""Sign-in, second factor, and the user's own settings (tokens, authenticator)."""

import base64
from io import BytesIO

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from needlecare.accounts import selectors, services
from needlecare.accounts.forms import (
    EmailAuthenticationForm,
    EnrolForm,
    RemoveSecondFactorForm,
    SecondFactorForm,
    TokenForm,
)
from needlecare.clinics.access import public, signed_in
from needlecare.clinics.middleware import SESSION_KEY
from needlecare.clinics.selectors import membership_in, memberships_of


class SignInView(LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login_view = public(SignInView.as_view())


@public
@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


def _safe_next(request) -> str:  # type: ignore[no-untyped-def]
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _next_url(request, default: str = "patients:list"):  # type: ignore[no-untyped-def]
    return redirect(_safe_next(request) or default)


def _qr_data_uri(config_url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@signed_in
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Ask for the second factor (a code from the app, or a recovery code). A user with no device at
    all sets one up here: the one enrolment a session that gave only its password may make, since
    SecondFactorMiddleware lets such a session reach nothing but this page and sign-out."""
    if request.user.is_verified():
        return _next_url(request)
    if not user_has_device(request.user):
        return _enrol(request, action=reverse("accounts:two_factor"))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(
            user=request.user, code=form.cleaned_data["code"], request=request
        )
        if device is not None:
            otp_login(request, device)
            return _next_url(request)
        form.add_error("code", "That code is not right, or has expired. Try the newest one.")
    return render(request, "accounts/two_factor.html", {"form": form}, status=422 if form.errors else 200)


def _enrol(request, *, action: str):  # type: ignore[no-untyped-def]
    """Set up an authenticator app. A user who has a second factor already proves it again with a
    current code (or a recovery code): a session left open is not enough to swap the device."""
    needs_current = user_has_device(request.user)
    device = selectors.pending_totp(request.user)
    if device is None or (request.method == "GET" and not request.GET.get("keep")):
        device = services.start_totp_setup(user=request.user)
    form = EnrolForm(request.POST or None, needs_current=needs_current)
    if request.method == "POST" and form.is_valid():
        if not device.verify_token(form.cleaned_data["code"]):
            form.add_error(
                "code", "That code is not right. Check the time on your phone and try the newest one."
            )
        elif needs_current and not services.verify_second_factor(
            user=request.user, code=form.cleaned_data["current_code"], request=request
        ):
            form.add_error("current_code", "That is not a current code of your second factor.")
        else:
            codes = services.enrol_totp(device=device, request=request)
            otp_login(request, device)
            messages.success(request, "Two-step sign-in is on. You will be asked for a code each time.")
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request) or reverse("accounts:settings")},
            )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": secret,
            "action": action,
            "replacing": needs_current,
        },
        status=422 if form.errors else 200,
    )


@signed_in
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    return _enrol(request, action=reverse("accounts:totp_setup"))


def _requiring_clinic(user):  # type: ignore[no-untyped-def]
    return memberships_of(user).filter(clinic__require_two_factor=True).first()


@signed_in
@require_POST
def totp_remove(request):
    requiring = _requiring_clinic(request.user)
    if requiring is not None:
        messages.error(request, f"{requiring.clinic} requires two-step sign-in; it cannot be turned off.")
        return redirect("accounts:settings")
    form = RemoveSecondFactorForm(request.POST)
    if not form.is_valid() or not services.verify_second_factor(
        user=request.user, code=form.cleaned_data["code"], request=request
    ):
        messages.error(request, "To turn off two-step sign-in, enter a current code or a recovery code.")
        return render(
            request,
            "accounts/settings.html",
            _settings_context(request, TokenForm(), remove_form=form),
            status=422,
        )
    services.remove_second_factor(user=request.user, request=request)
    messages.success(request, "Two-step sign-in is off.")
    return redirect("accounts:settings")


@signed_in
@require_http_methods(["GET"])
def account_settings(request):
    return render(request, "accounts/settings.html", _settings_context(request, TokenForm()))


def _settings_context(request, form, new_token: str | None = None, remove_form=None):  # type: ignore[no-untyped-def]
    return {
        "tokens": selectors.tokens_of(request.user),
        "device": selectors.confirmed_totp(request.user),
        "recovery_left": selectors.recovery_codes_left(request.user),
        "remove_form": remove_form or RemoveSecondFactorForm(),
        "token_form": form,
        "new_token": new_token,
        "membership": membership_in(request.user, request.session.get(SESSION_KEY)),
    }


@signed_in
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    membership = membership_in(request.user, request.session.get(SESSION_KEY))
    if membership is None:
        messages.error(request, "You need to belong to a clinic to use the API.")
        return redirect("accounts:settings")
    if not form.is_valid():
        return render(request, "accounts/settings.html", _settings_context(request, form), status=422)
    _, raw = services.issue_token(
        membership=membership,
        name=form.cleaned_data["name"],
        request=request,
        verified=request.user.is_verified(),
    )
    messages.success(request, "Token created. Copy it now: it is not shown again.")
    return render(request, "accounts/settings.html", _settings_context(request, TokenForm(), new_token=raw))


@signed_in
@require_POST
def token_revoke(request, token_id):
    token = selectors.token_of(request.user, token_id)
    services.revoke_token(token=token, request=request)
    messages.success(request, f"Token “{token.name}” is revoked; it no longer works.")
    return redirect("accounts:settings")
