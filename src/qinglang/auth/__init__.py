"""Users, roles, API tokens and the permission check ``can(actor, permission, resource)``."""
