"""The media store: photos people send and report charts, kept by QunGong itself.

    images   check what an upload really is (by its content), re-encode it without EXIF, make a thumbnail
    store    keep and read images by the SHA-256 of their bytes, in the `media` table; `media:HASH` references

Images live in the database (not in a folder) so that every process of a deployment — web, sender,
scheduler, on several machines — reads what another stored; 10 MB a file is well within what SQLite and
PostgreSQL hold in a row. Imports storage.models and Pillow only.
"""
