from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = _("Pricing")

    def ready(self):
        # Connects the receiver that moves a negotiation round when its board ballot is decided.
        from pricing.services import negotiations  # noqa: F401
