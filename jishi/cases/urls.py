"""The staff console's ledger pages, under the ``cases`` namespace."""

from jishi.cases.urls_console import urlpatterns as console_urls
from jishi.cases.urls_ledger import urlpatterns as ledger_urls

app_name = "cases"
urlpatterns = [*console_urls, *ledger_urls]
