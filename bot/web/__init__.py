"""The HTTP server (aiohttp) that the simulator, the platform webhooks and /healthz are mounted on:
server.py builds it, guard.py bounds what requests may carry and gives every response its security
headers, assets.py serves the pages' files, simulator/ is the web chat simulator.
"""
