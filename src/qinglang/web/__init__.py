"""The HTTP front: the JSON API under /api/v1, the console under /console, the demo site."""
