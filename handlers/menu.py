"""The start menu, help, cancel and the polite answers that work in every state."""

from __future__ import annotations

from handlers.buttons import LANGUAGE_MENU, LanguagePick, MenuItem, button
from handlers.core import IDLE, Context, Step
from handlers.messages import Button, Outbound
from handlers.texts import texts_for

MENU_ITEMS = ("report", "cases", "wishes", "lovebank", "help")
# The WeChat account menu allows at most three top-level buttons: the start menu minus wishes.
ACCOUNT_MENU_ITEMS = ("report", "cases", "help")


def main_menu(ctx: Context, key: str = "menu.prompt") -> Outbound:
    """Return the start menu with a leading text (a welcome without a name for people we know no name of)."""
    buttons = (*(button(ctx.t(f"menu.{item}"), MenuItem(item)) for item in MENU_ITEMS), language_button(ctx))
    if key == "menu.welcome" and ctx.person.name in {texts_for(code).t("people.new_resident") for code in ("zh", "en")}:
        key = "menu.welcome_new"
    return Outbound(text=ctx.t(key, name=ctx.person.name), buttons=buttons)


def language_button(ctx: Context) -> Button:
    """Return the button that opens the language menu (its label names it in both languages)."""
    return button(ctx.t("language.menu"), LanguagePick(LANGUAGE_MENU))


async def cancel(ctx: Context) -> Step:
    """End whatever flow is running and go back to the menu."""
    key = "cancel.done" if ctx.state != IDLE else "cancel.nothing"
    return ctx.step(main_menu(ctx, key))


async def expired_button(ctx: Context) -> Step:
    """Answer a button from a step that is over, keeping the current state."""
    return ctx.step(Outbound(text=ctx.t("errors.expired_button")), state=ctx.state, data=ctx.data)
