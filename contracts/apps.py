from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        # receivers: moves a joint bid when its board ballot is decided; checks: the deployment
        # check that refuses the placeholder OCID prefix.
        from contracts import checks, receivers  # noqa: F401
