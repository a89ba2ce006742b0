"""The web chat simulator: a channel adapter for the browser and a JSON API for scripts.

    access        who may use it and as whom (demo browsers own their new residents; trainers' sessions)
    api           the page and its JSON API: people, send, inbox, charts
    chats         each chat's transcript read back, the greeting on first opening, unread counts
    media         photo uploads (checked, re-encoded, kept in the media store) and stored images
    district_map  the district drawn as SVG paths for 📍, and which grid a point falls in
    shown         a message as the page shows it (text, buttons, pictures with thumbnails)
    login         a trainer's one-time link, then a session
    routes        where each of these answers

The simulator is a pull channel: its pushes wait in the outbox until its inbox is read. It may import
anything below bot/, and bot.app; nothing but bot.web.server mounts it.
"""
