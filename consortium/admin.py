from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from consortium.models import Consortium, Council, ServiceType, User


class ReadOnly:
    """For an admin or an inline whose rows the product's own pages write: seen in the back
    office, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consortium)
class ConsortiumAdmin(admin.ModelAdmin):
    list_display = ["name", "registration_number", "social_coop_share_threshold"]
    search_fields = ["name"]


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_cy", "regional_partnership_board"]
    list_filter = ["regional_partnership_board"]
    search_fields = ["name_en", "name_cy", "code"]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_cy", "unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "consortium", "council", "is_active"]
    list_filter = ["role", "consortium", "is_active"]
    list_select_related = ["consortium", "council"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ["role", "consortium", "council", "preferred_language"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ["role", "consortium", "council"]}),
    ]
