from ..speakers import *  # noqa: F403 -- TEMPORARY while the module is being written at the top level
from ..speakers import article_names, names_in  # noqa: F401
