"""Architecture rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"telegram", "aiogram", "wechatpy"}
CHANNEL_AGNOSTIC = ["handlers", "nlp", "storage", "scheduler"]


# The layers, bottom (0) to top: a package may import its own layer and those below it, never above.
# storage/ and nlp/ are both at the bottom and do not import each other.
LAYERS = {"storage": 0, "nlp": 0, "handlers": 1, "scheduler": 2, "bot": 3}
# The message contract every flow speaks sits at the bottom of handlers/: it imports no flow.
CONTRACT = {"handlers.messages", "handlers.codec"}


def _modules(path: Path) -> set[str]:
    """Return the dotted names of the modules a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    """Return the top-level packages a file imports."""
    return {name.split(".")[0] for name in _modules(path)}


@pytest.mark.parametrize("package", CHANNEL_AGNOSTIC)
def test_only_bot_imports_platform_libraries(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & PLATFORM_LIBRARIES)
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_layers_run_one_way(package: str) -> None:
    """A module imports only its own layer and the layers below (storage and nlp: not each other)."""
    own = LAYERS[package]
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        imported = {m.split(".")[0] for m in _modules(path)} & set(LAYERS)
        upward = {top for top in imported if LAYERS[top] > own or (LAYERS[top] == own and top != package)}
        if upward:
            offenders[str(path.relative_to(ROOT))] = sorted(upward)
    assert offenders == {}


@pytest.mark.parametrize("module", sorted(CONTRACT))
def test_the_message_contract_imports_no_flow(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    assert {m for m in _modules(path) if m.split(".")[0] in LAYERS} == set()


# User-facing copy lives in handlers/locales/*.toml, not in code: Chinese string literals (other than
# docstrings) are refused in these modules, except the few below, each with its reason.
COPY_FREE = ["scheduler/**/*.py", "bot/**/*.py", "handlers/**/*.py", "storage/stats/*.py"]
CJK_CHARACTERS = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CLI_MODULES = ("bot/cli/*.py",)  # argparse help= and description= strings are exempt
CLI_HELP_KEYWORDS = {"help", "description", "epilog"}
CJK_LITERALS_ALLOWED: dict[str, dict[str, str]] = {
    "handlers/router.py": {
        **dict.fromkeys(
            ("菜单", "开始", "你好", "帮助", "取消", "我要反映", "我的诉求", "我是谁", "我的任务", "微心愿", "本周报告", "本月报告", "驾驶舱", "网格员上报", "代为登记"),
            "a command word the bot recognises (COMMANDS)",
        ),
        "。.!！?？~～ ": "punctuation stripped from a typed command before it is matched",
    },
    "handlers/language.py": {
        "语言": "the language command word the bot recognises (COMMAND_WORDS)",
        **dict.fromkeys(("中文", "英文"), "a language name typed after the language command (language_command)"),
    },
    "handlers/resident/my_cases.py": dict.fromkeys(
        ("评价", "满意", "不满意", "基本满意", "已解决", "未解决", "没解决", "部分解决"),
        "a rating word a resident may type instead of pressing a revisit button (RATING_WORDS)",
    ),
    "handlers/staff/binding.py": {
        "绑定": "the bind command word (BIND_WORDS)",
        " ：:": "separators stripped between the bind word and the code",
    },
    "handlers/wishes/post.py": {
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?": "a regex that reads a typed date (TYPED_DATE)",
    },
    "handlers/lovebank/commands.py": {
        **dict.fromkeys(("我的积分", "爱心银行", "兑换", "志愿活动"), "a command word the bot recognises (COMMANDS)"),
        **dict.fromkeys(("签到", "核销"), "a command word alone (COMMANDS: it asks for the code) or followed by a code (CODE_WORDS)"),
        "加入帮帮团": "a command word followed by a code (CODE_WORDS)",
        " ：:": "separators stripped between a code word and its code",
    },
    "handlers/lovebank/parse.py": {
        r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?\s*(\d{1,2})\s*(?:[:：点时]\s*(\d{1,2})?)?": "a regex that reads a typed date and time (TYPED_TIME)",
        r"(今天|明天|后天)\s*(\d{1,2})\s*(?:[:：点时]\s*(\d{1,2})?)?": "a regex that reads a typed relative day and time (RELATIVE_TIME)",
        **dict.fromkeys(("今天", "明天", "后天"), "a relative day word TYPED_TIME recognises (RELATIVE_DAYS)"),
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})": "a regex that reads a typed date (TYPED_DATE)",
    },
    "bot/cli/people.py": {
        "\n(one use; send 绑定 ": "operator CLI output naming the bind command word the bot recognises",
    },
    "bot/cli/district_commands.py": dict.fromkeys(
        (": each person sends 绑定 CODE to the bot once", "invite codes (each shown once; the person sends 绑定 CODE to the bot):"),
        "operator CLI output naming the bind command word the bot recognises",
    ),
}


def _docstrings(tree: ast.AST) -> set[int]:
    """Return the ids of the docstring nodes of a module, its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _cli_help(tree: ast.AST) -> set[int]:
    """Return the ids of the strings given as argparse help, description or epilog."""
    return {
        id(node)
        for keyword in ast.walk(tree)
        if isinstance(keyword, ast.keyword) and keyword.arg in CLI_HELP_KEYWORDS
        for node in ast.walk(keyword.value)
    }


def _chinese_literals(path: Path) -> list[str]:
    """Return the Chinese string literals of a module that are neither docstrings nor (in CLIs) help text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(ROOT)
    skipped = _docstrings(tree)
    if any(relative.match(pattern) for pattern in CLI_MODULES):
        skipped |= _cli_help(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and CJK_CHARACTERS.search(node.value)
    ]


def test_no_chinese_copy_in_code() -> None:
    offenders: dict[str, list[str]] = {}
    for pattern in COPY_FREE:
        for path in sorted(ROOT.glob(pattern)):
            name = path.relative_to(ROOT).as_posix()
            allowed = CJK_LITERALS_ALLOWED.get(name, {})
            found = [literal for literal in _chinese_literals(path) if literal not in allowed]
            if found:
                offenders[name] = found
    assert offenders == {}, "move user-facing text to handlers/locales/*.toml"


def test_the_chinese_allow_list_is_still_needed() -> None:
    unused = {
        name: sorted(set(allowed) - set(_chinese_literals(ROOT / name)))
        for name, allowed in CJK_LITERALS_ALLOWED.items()
        if set(allowed) - set(_chinese_literals(ROOT / name))
    }
    assert unused == {}
