"""URLs of the UI shell: the front door, sign-in and sign-out, the two home pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from jishi.cases import views_console
from jishi.common import views
from jishi.common.auth import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="common/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    # Django's LogoutView only accepts POST, so a prefetching browser cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", views_console.my_work, name="console_home"),
    path("console/ui/", views.ui_components, name="ui_components"),
    path("portal/", views.portal_home, name="portal_home"),
]
