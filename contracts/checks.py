"""System checks of the contracts app.

``ocid_prefix``: every OCID the open contracting export publishes starts with
``settings.OCDS_OCID_PREFIX``, which must be one the Open Contracting Partnership registered for
the publisher ("ocds-" and six letters or digits). The settings' default, ``ocds-xxxxxx``, is a
placeholder that is fine while developing but would publish identifiers that collide with every
other unregistered publisher's; so with DEBUG off, ``manage.py check --deploy`` refuses it (and
a prefix not of the registered form). It is a deployment check only: development, the tests and
``manage.py check`` run with the placeholder.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, Tags, register

# The default of OCDS_OCID_PREFIX in consortium/settings.py.
PLACEHOLDER_PREFIX = "ocds-xxxxxx"
REGISTERED_FORM = re.compile(r"^ocds-[a-z0-9]{6}$")
HINT = ("Set OCDS_OCID_PREFIX in the environment to the prefix the Open Contracting Partnership registered "
        "for you (https://standard.open-contracting.org/1.1/en/schema/identifiers/#contracting-process-identifier-ocid).")


@register(Tags.security, deploy=True)
def ocid_prefix(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    prefix = getattr(settings, "OCDS_OCID_PREFIX", "")
    if prefix == PLACEHOLDER_PREFIX:
        return [Error(f"OCDS_OCID_PREFIX is the placeholder {PLACEHOLDER_PREFIX!r}: published OCIDs would "
                      "not be unique.", hint=HINT, id="contracts.E001")]
    if not REGISTERED_FORM.match(prefix or ""):
        return [Error(f"OCDS_OCID_PREFIX {prefix!r} is not of the registered form 'ocds-' and six letters or "
                      "digits.", hint=HINT, id="contracts.E002")]
    return []
