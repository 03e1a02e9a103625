"""Sign-in, second factor, and the user's own settings (tokens, authenticator)."""

import base64
from io import BytesIO

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from needlecare.accounts import selectors, services
from needlecare.accounts.forms import CodeForm, EmailAuthenticationForm, TokenForm
from needlecare.clinics.access import public, signed_in
from needlecare.clinics.middleware import SESSION_KEY
from needlecare.clinics.selectors import membership_in


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


def _next_url(request, default: str = "patients:list"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


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
    """Ask for the code; or, when the clinic demands a second factor and there is none yet, set one up."""
    if request.user.is_verified():
        return _next_url(request)
    device = selectors.confirmed_totp(request.user)
    form = CodeForm(request.POST or None)
    if device is None:
        return totp_setup(request)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return _next_url(request)
        form.add_error("code", "That code is not right, or has expired. Try the newest one.")
    return render(request, "accounts/two_factor.html", {"form": form}, status=422 if form.errors else 200)


@signed_in
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    device = selectors.pending_totp(request.user)
    if device is None or (request.method == "GET" and not request.GET.get("keep")):
        device = services.start_totp_setup(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp(device=device, code=form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(request, "Two-step sign-in is on. You will be asked for a code each time.")
            return redirect("accounts:settings")
        form.add_error("code", "That code is not right. Check the time on your phone and try the newest one.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "qr": _qr_data_uri(device.config_url), "secret": secret},
        status=422 if form.errors else 200,
    )


@signed_in
@require_POST
def totp_remove(request):
    membership = membership_in(request.user, request.session.get(SESSION_KEY))
    if membership and membership.clinic.require_two_factor:
        messages.error(request, f"{membership.clinic} requires two-step sign-in; it cannot be turned off.")
        return redirect("accounts:settings")
    services.remove_totp(user=request.user)
    messages.success(request, "Two-step sign-in is off.")
    return redirect("accounts:settings")


@signed_in
@require_http_methods(["GET"])
def account_settings(request):
    return render(request, "accounts/settings.html", _settings_context(request, TokenForm()))


def _settings_context(request, form, new_token: str | None = None):
    return {
        "tokens": selectors.tokens_of(request.user),
        "device": selectors.confirmed_totp(request.user),
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
    _, raw = services.issue_token(membership=membership, name=form.cleaned_data["name"], request=request)
    messages.success(request, "Token created. Copy it now: it is not shown again.")
    return render(request, "accounts/settings.html", _settings_context(request, TokenForm(), new_token=raw))


@signed_in
@require_POST
def token_revoke(request, token_id):
    token = selectors.token_of(request.user, token_id)
    services.revoke_token(token=token, request=request)
    messages.success(request, f"Token “{token.name}” is revoked; it no longer works.")
    return redirect("accounts:settings")
