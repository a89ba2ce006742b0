"""`qungong wecom menu [--channel NAME]` installs a WeChat Work application's menu (我的任务 / 工作菜单 / 驾驶舱)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.app import build_app
from bot.channels.delivery import DeliveryError
from bot.channels.registry import reply_limiter
from bot.channels.settings import WeComChannel as WeComSettings
from bot.config.schema import Config

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_commands(subparsers: Any) -> None:
    """Add `wecom menu`."""
    wecom = subparsers.add_parser("wecom", help="WeChat Work application: install its menu")
    wecom_sub = wecom.add_subparsers(dest="wecom_command", metavar="WECOM_COMMAND", required=True)
    menu = wecom_sub.add_parser("menu", help="install the application menu (我的任务 / 工作菜单 / 驾驶舱) from the config")
    menu.add_argument("--channel", metavar="NAME", help="which [[channels]] entry (default: the only WeChat Work one)")
    menu.set_defaults(func=cmd_wecom_menu)


def _choose(config: Config, name: str | None) -> WeComSettings | str:
    """Return the WeChat Work channel to use, or why there is none."""
    apps = [c for c in config.channels if isinstance(c, WeComSettings) and (name is None or c.name == name)]
    if len(apps) == 1:
        return apps[0]
    if not apps:
        return f"no WeChat Work channel{f' named {name}' if name else ''} in the configuration ([[channels]] kind = \"wecom\")"
    return f"several WeChat Work channels ({', '.join(c.name for c in apps)}): pick one with --channel"


def _describe(buttons: list[dict[str, Any]]) -> str:
    """Describe installed menu buttons: name (key), sub-menus in brackets."""
    parts = []
    for button in buttons:
        if "sub_button" in button:
            parts.append(f"{button['name']} [{_describe(button['sub_button'])}]")
        else:
            parts.append(f"{button['name']} ({button['key']})")
    return ", ".join(parts)


def cmd_wecom_menu(args: argparse.Namespace, config: Config) -> int:
    """Install the configured WeChat Work application's menu."""
    chosen = _choose(config, args.channel)
    if isinstance(chosen, str):
        print(f"qungong: {chosen}", file=sys.stderr)
        return EXIT_USAGE

    async def work() -> int:
        from bot.channels.wecom.channel import WeComChannel  # noqa: PLC0415 - load wechatpy only when asked

        app = build_app(config)
        try:
            channel = WeComChannel(chosen, app, reply_limiter(config.outbox))
            menu = await channel.install_menu()
        except DeliveryError as exc:
            print(f"qungong: the menu of {chosen.name} was not installed: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        finally:
            await app.close()
        print(f"installed the menu of {chosen.name}: {_describe(menu['button'])}")
        return EXIT_OK

    return asyncio.run(work())
