"""Web pages of the member register and capacity; each module lists its own routes."""

from members.web import ballots, bank, capacity, imports, register

urlpatterns = [*register.urlpatterns, *capacity.urlpatterns, *imports.urlpatterns, *ballots.urlpatterns,
               *bank.urlpatterns]
