"""Reports, one package for the chat pushes, `qungong report`, the data cockpit and the public page: build.py
assembles a period's figures (from storage.stats), hotspots (nlp), wishes and the love bank (lovebank.py);
dashboard.py the cockpit's headline, map and trends; public.py the public page's month; text.py, chart.py
and export.py present a report as a message, a PNG (with the CJK font in data/fonts) and CSV/XLSX;
leader.py answers 本周报告, 本月报告 and 驾驶舱 in chat; settings.py is [reports] and [cockpit]. It may
import handlers' core and texts, nlp and storage.
"""
