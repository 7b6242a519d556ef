from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        # Connects the receiver that moves a joint bid when its board ballot is decided.
        from contracts import receivers  # noqa: F401
