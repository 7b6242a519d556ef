"""Policies of the core routes: sign-in and out, home, language switch, the admin's
front door, the OpenAPI document and docs, the token endpoint and the reference data API."""

from tests.policies import Policy, personas

POLICIES = [
    # Home sends everyone on: signed-in users to their dashboard, visitors to the login page.
    Policy("home", personas(302)),
    # The login page is for visitors; a signed-in user is sent to the dashboard.
    Policy("login", personas(302, anonymous=200)),
    Policy("login", personas(302, anonymous=200), method="POST",
           note="empty form: the visitor sees the errors, nothing is written"),
    # Logout is POST only, so a link from another site cannot sign anyone out.
    Policy("logout", personas(405), note="GET is refused"),
    Policy("logout", personas(302), method="POST"),
    Policy("set-password", personas(200), kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
           note="an invitation's link that does not work says so, to anyone"),
    Policy("set_language", personas(302), method="POST", data=lambda w: {"language": "cy"}),
    # The admin is staff only: every persona here is sent to the admin's own login page.
    Policy("admin:index", personas(302)),
    # The API's description is public, as its data is not.
    Policy("api-schema", personas(200)),
    Policy("api-docs", personas(200)),
    # API: the token endpoint is open to all; the empty payload fails validation (nothing written).
    Policy("POST /api/v1/auth/token/", personas(400), method="POST"),
    # Reference data: any signed-in user; anonymous 401.
    Policy("GET /api/v1/councils/", personas(200, anonymous=401)),
    Policy("GET /api/v1/councils/{id}/", personas(200, anonymous=401),
           kwargs=lambda w: {"id": w.council.pk}),
    Policy("GET /api/v1/service-types/", personas(200, anonymous=401)),
    Policy("GET /api/v1/service-types/{id}/", personas(200, anonymous=401),
           kwargs=lambda w: {"id": w.coop_a.service_types.first().pk}),
]
