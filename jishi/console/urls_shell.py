"""The front door, sign-in and sign-out, at the site's root (not under ``/console/``)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path

from jishi.common.auth import LoginForm
from jishi.console import views_shell

urlpatterns: list[URLPattern] = [
    path("", views_shell.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    # Django's LogoutView only accepts POST, so a prefetching browser cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
