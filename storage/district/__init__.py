"""A real district's own files: its units and boundaries, gazetteer, departments and staff roster.

    options      the datums, tolerance and code lifetime the commands offer (no geometry libraries)
    geometry     boundary files (GeoJSON, Shapefile), WGS-84 / GCJ-02, validity, containment, overlaps, gaps
    changes      what an import would change (or did), line by line, with warnings
    units        streets, communities and grids from a boundary file
    places       the gazetteer (compounds, building ranges, road sections, landmarks) from a CSV file
    departments  the department list (TOML or CSV), checked against the routing taxonomy
    roster       staff from a CSV or XLSX roster: people, their roles, one invite code each
    export       all of the above back in the same formats
    check        what a district still lacks: heads, grid members, department staff, places outside the grids

Every import is idempotent (the same file again changes nothing) and retires what left the file instead of
deleting it. Imports only storage (models, invites) and shapely, prcoords, pyshp, openpyxl; never nlp/.
"""
