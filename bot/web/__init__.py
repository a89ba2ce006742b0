"""The HTTP server (aiohttp) that the simulator, the data cockpit, the public page, the platform webhooks
and /healthz are mounted on: server.py builds it, guard.py bounds what requests may carry and gives every
response its security headers, assets.py serves the simulator's files, simulator/ is the web chat
simulator, cockpit/ the data cockpit (/cockpit/), public/ the public transparency page (/public/).
"""
