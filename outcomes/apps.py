from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes and benchmarks")

    def ready(self):
        # receivers: a contract made from an awarded bid gets its tracked commitments.
        from outcomes import receivers  # noqa: F401
