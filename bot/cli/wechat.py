"""Channel commands: `qungong wechat menu [--channel NAME]` installs an official account's menu."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.app import build_app
from bot.channels.delivery import DeliveryError
from bot.channels.registry import reply_limiter
from bot.channels.settings import WeChatChannel as WeChatSettings
from bot.channels.wechat.channel import WeChatChannel
from bot.config.schema import Config

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_commands(subparsers: Any) -> None:
    """Add `wechat menu`."""
    wechat = subparsers.add_parser("wechat", help="WeChat official account: install its menu")
    wechat_sub = wechat.add_subparsers(dest="wechat_command", metavar="WECHAT_COMMAND", required=True)
    menu = wechat_sub.add_parser("menu", help="install the account menu (我要反映 / 我的诉求 / 帮助) from the config")
    menu.add_argument("--channel", metavar="NAME", help="which [[channels]] entry (default: the only WeChat one)")
    menu.set_defaults(func=cmd_wechat_menu)


def _choose(config: Config, name: str | None) -> WeChatSettings | str:
    """Return the WeChat channel to use, or why there is none."""
    accounts = [c for c in config.channels if isinstance(c, WeChatSettings)]
    if name is not None:
        accounts = [c for c in accounts if c.name == name]
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        return f"no WeChat channel{f' named {name}' if name else ''} in the configuration ([[channels]] kind = \"wechat\")"
    return f"several WeChat channels ({', '.join(c.name for c in accounts)}): pick one with --channel"


def cmd_wechat_menu(args: argparse.Namespace, config: Config) -> int:
    """Install the configured official account's menu."""
    chosen = _choose(config, args.channel)
    if isinstance(chosen, str):
        print(f"qungong: {chosen}", file=sys.stderr)
        return EXIT_USAGE

    async def work() -> int:
        app = build_app(config)
        try:
            channel = WeChatChannel(chosen, app, reply_limiter(config.outbox))
            menu = await channel.install_menu()
        except DeliveryError as exc:
            print(f"qungong: the menu of {chosen.name} was not installed: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        finally:
            await app.close()
        entries = ", ".join(f"{b['name']} ({b['key']})" for b in menu["button"])
        print(f"installed the menu of {chosen.name}: {entries}")
        return EXIT_OK

    return asyncio.run(work())
