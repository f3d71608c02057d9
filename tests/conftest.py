"""pytest setup: import the addon's pure-Python modules without a database.

Puts the Odoo 18.0 source (ODOO_SRC, else the path `make setup` uses) on
sys.path and adds the directory holding collection_followup/ to
odoo.addons.__path__, so tests can `from odoo.addons.collection_followup.tools
import ...`. Run through `make test`, which also sets the CF_E2E_* variables.
"""

import importlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "collection_followup"
ODOO_SRC = Path(os.environ.get("ODOO_SRC") or CACHE / "odoo-18.0")
ADDONS_ROOT = Path(os.environ.get("CF_ADDONS_ROOT") or REPO)

if not (ODOO_SRC / "odoo" / "__init__.py").is_file():
    raise RuntimeError(
        f"Odoo 18.0 source not found at {ODOO_SRC}: set ODOO_SRC or run `make setup`."
    )
sys.path.insert(0, str(ODOO_SRC))
# The addon imports from Odoo's own addons (phone_validation...), so both are on the path.
importlib.import_module("odoo.addons").__path__.extend([str(ODOO_SRC / "addons"), str(ADDONS_ROOT)])
