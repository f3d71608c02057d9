from . import controllers
from . import models
from . import report
from . import tools
from . import wizards


def _collection_post_init(env):
    """Give every existing company its default follow-up policy."""
    env["res.company"].search([])._collection_ensure_default_policy()
