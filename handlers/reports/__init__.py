"""Reports for leaders, one package for the chat pushes and `qungong report`: build.py assembles a period's
figures (from storage.stats), hotspots (nlp), wishes and the love bank (lovebank.py); text.py, chart.py and export.py present them
as a message, a PNG (with the CJK font in data/fonts) and CSV/XLSX; settings.py is [reports].
"""
