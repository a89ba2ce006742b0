"""The web chat simulator: a channel adapter for the browser and a JSON API for scripts.

    access   who may use it and as whom (demo browsers own their new residents; trainers' sessions)
    api      the page and its JSON API: people, send, inbox, charts
    login    a trainer's one-time link, then a session
    routes   where each of these answers

The simulator is a pull channel: its pushes wait in the outbox until its inbox is read. It may import
anything below bot/, and bot.app; nothing but bot.web.server mounts it.
"""
