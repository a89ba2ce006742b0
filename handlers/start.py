"""The greeting: the start menu for everyone, and the staff menu for staff."""

from __future__ import annotations

from handlers.core import Context, Step
from handlers.menu import main_menu
from handlers.staff import staff_menu


async def show_menu(ctx: Context) -> Step:
    """Greet and show the start menu, and the staff menu to staff."""
    staff = await staff_menu(ctx)
    return ctx.step(main_menu(ctx, "menu.welcome"), *((staff,) if staff else ()))
