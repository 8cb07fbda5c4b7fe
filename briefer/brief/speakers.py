from ..attribution import article_names, names_in  # noqa: F401 -- TEMPORARY while the module is being written at the top level
