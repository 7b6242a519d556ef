from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        # receivers: each stage's answers to signals of earlier stages and lower apps; checks: the
        # deployment check that refuses the placeholder OCID prefix; tasks: registers the Celery
        # tasks that services queue by name (consortium.jobs).
        from contracts import checks, receivers, tasks  # noqa: F401
