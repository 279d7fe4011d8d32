"""The JSON API under /api/v1/ (django-ninja). See urls.py."""

from ninja import NinjaAPI

api = NinjaAPI(title="spinepath API", version="1", urls_namespace="api-v1")
