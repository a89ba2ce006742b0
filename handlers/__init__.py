"""The conversations, channel-agnostic: every flow a resident or staff member has with QunGong.

At the bottom, the message contract every flow and channel speaks: messages.py (Inbound, Outbound,
Button) and codec.py (the strict ≤ 64-byte button payloads). Above it the flow machinery (core.py,
flow.py, router.py, texts.py with locales/, buttons.py, menu.py, start.py), the case use cases the
flows share (casework.py, notices.py, pushes.py, places.py, contact.py), and the flows by who uses
them: resident/, staff/, wishes/, reports/. handlers/ imports storage/ and nlp/ only; it never
imports scheduler/ or bot/, and no platform library.
"""
