"""The public transparency page at /public/ (公开): no sign-in, cached, nothing personal.

    routes   the page (one month's figures per street, categories, typical cases) and its files
    templates/public.html

The figures come from handlers.reports.public; the page borrows the cockpit's rendering, style sheet
and web font (bot.web.cockpit.render). It may import anything below bot/, bot.app and bot.web.cockpit.
"""
