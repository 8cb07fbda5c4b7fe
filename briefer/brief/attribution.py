from ..attribution import *  # noqa: F403 -- TEMPORARY while the module is being written at the top level
from ..attribution import _CLAIM_CUE  # noqa: F401
