"""Just the admin, so these tests do not depend on the rest of the site's URLs."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
