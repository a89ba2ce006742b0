"""Each person's language: 语言 / Language in every menu (or /language en), kept on the person, used for every reply and push to them."""

from __future__ import annotations

import unicodedata

from handlers.buttons import LANGUAGE_MENU, LanguagePick, button
from handlers.core import Context, Step, UserError
from handlers.menu import language_button, main_menu
from handlers.messages import Outbound

LANGUAGES = ("zh", "en")
ASK = LANGUAGE_MENU
COMMAND_WORDS = ("/language", "language", "/lang", "语言")


def language_command(text: str) -> str | None:
    """Return what a typed language command asks for: ASK, a language code, or None when it is not one."""
    word, _, rest = unicodedata.normalize("NFKC", text).strip().lower().partition(" ")
    if word not in COMMAND_WORDS:
        return None
    wanted = rest.strip()
    if not wanted:
        return ASK
    aliases = {"zh": "zh", "cn": "zh", "chinese": "zh", "中文": "zh", "en": "en", "english": "en", "英文": "en"}
    return aliases.get(wanted, wanted)


async def ask_language(ctx: Context) -> Step:
    """Offer the languages, each named in itself."""
    buttons = tuple(button(ctx.t(f"language.name.{code}"), LanguagePick(code)) for code in LANGUAGES)
    return ctx.step(Outbound(text=ctx.t("language.prompt"), buttons=buttons), state=ctx.state, data=ctx.data)


async def set_language(ctx: Context, language: str) -> Step:
    """Keep a person's language and answer, and show the menu, in it."""
    if language == ASK:
        return await ask_language(ctx)
    if language not in LANGUAGES:
        raise UserError(ctx.t("language.unknown"), buttons=(language_button(ctx),))
    ctx.person.language = language
    return ctx.step(Outbound(text=ctx.t("language.done")), main_menu(ctx), state=ctx.state, data=ctx.data)


async def pick(ctx: Context, data: LanguagePick) -> Step:
    """Handle a press in the language menu."""
    return await set_language(ctx, data.language)
