"""Places as residents name them: the gazetteer the matcher scores free text against, and the grid map.

    text       folding (width, case, traditional characters, Chinese numerals) and numbered parts
    words      the matcher's own vocabulary (generic name endings, fillers), from nlp/data/place_words.toml
    gazetteer  what a district knows: its units and its named places (plain data, from files or the database)
    matcher    the scored matcher: names, aliases, ending variants, numbers, pinyin, typos → an answer
    spatial    a shared point → its grid, through an STRtree over the boundaries
    evaluate   figures of the matcher over a labelled set of phrasings

Imports only the standard library, rapidfuzz, pypinyin, shapely and `nlp.errors`; never storage/.
"""
