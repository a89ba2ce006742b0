"""What the supervision jobs say in chat, per language (zh, en)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "sign_overdue": "【签收提醒】案件 {number}（{summary}）已超过签收期限 {due}，请尽快签收。",
        "yellow": "【黄灯提醒】案件 {number}（{summary}）办理期限 {deadline} 将至，请抓紧办结。",
        "red": "【红灯督办】案件 {number}（{summary}）已超过办理期限 {deadline} 仍未办结，已报区指挥中心督办。",
        "explanation_request": "【情况说明】案件 {number} 亮红灯，请于 {due} 前提交书面情况说明（说明未按期办结的原因和下一步措施），点击下方按钮填写。",
        "explanation_button": "提交情况说明",
        "open_card": "查看办理",
        "event_sign_overdue": "签收超时（期限 {due}）",
        "event_yellow": "黄灯：办理期限 {deadline} 将至",
        "event_red": "红灯：已超过办理期限 {deadline}，需提交情况说明（截止 {explain_due}）",
        "calendar_missing": "【系统警告】工作日历缺少 {year} 年的节假日与调休安排，红黄灯计时将按周一至周五估算。请升级 chinesecalendar 或在 calendar_overrides 表中补录 {year} 年的安排。",
        "dead_letter": "【投递失败】消息 #{id}（{kind}）尝试 {attempts} 次后仍未送达：{error}",
    },
    "en": {
        "sign_overdue": "[Sign-for reminder] Case {number} ({summary}) passed its sign-for deadline {due}; please sign for it.",
        "yellow": "[Yellow light] Case {number} ({summary}) is due {deadline}; please complete it soon.",
        "red": "[Red light] Case {number} ({summary}) missed its deadline {deadline}; the command center has been alerted.",
        "explanation_request": "[Explanation] Case {number} has a red light: tap the button below to submit a written explanation by {due}.",
        "explanation_button": "Submit explanation",
        "open_card": "Open case",
        "event_sign_overdue": "not signed for by {due}",
        "event_yellow": "yellow light: due {deadline}",
        "event_red": "red light: deadline {deadline} passed; explanation due {explain_due}",
        "calendar_missing": "[Warning] The working-day calendar does not know {year}; lights count Monday to Friday instead. Upgrade chinesecalendar or add {year} to calendar_overrides.",
        "dead_letter": "[Delivery failed] Message #{id} ({kind}) was not delivered after {attempts} attempts: {error}",
    },
}


def text(language: str, key: str, **params: object) -> str:
    """Return a text in the language (Chinese when unknown), filled in."""
    table = TEXTS.get(language, TEXTS["zh"])
    return table[key].format(**params)


def summary(case_text: str, limit: int = 20) -> str:
    """Return the start of a case's text for a one-line notice."""
    flat = " ".join(case_text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
