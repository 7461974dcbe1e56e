"""The JSON API. Versioned under /api/v1; routers are thin and call the domain services."""
