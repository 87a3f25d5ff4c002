from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import services
from portal.accounts.forms import EmailAuthenticationForm
from portal.audit.models import AuditAction
from portal.audit.services import audit_record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        services.user_sign_in(request=self.request, user=form.get_user())
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        email = self.request.POST.get("username", "")
        if email:
            services.user_sign_in_failed(email=email)
        return super().form_invalid(form)


# Before the view, so a signed-in visitor's PUT is refused too, not sent on (FormView would treat PUT as POST).
login_view = require_http_methods(["GET", "POST"])(LoginView.as_view())


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit_record(action=AuditAction.LOGOUT, actor=request.user, target=request.user)
    logout(request)
    response = redirect("accounts:login")
    # The browser drops what it kept of the session: cached pages, cookies, storage (ASVS 3.3.1).
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
