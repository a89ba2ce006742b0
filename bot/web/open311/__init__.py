"""The Open311 GeoReport v2 API at /open311/v2/: services, requests (JSON and XML), discovery, API keys, rate limits."""
