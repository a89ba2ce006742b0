"""Cases that come in other than by a resident's own chat: the Open311 API (hotlines, apps)."""
