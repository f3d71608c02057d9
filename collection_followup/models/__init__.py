from . import collection_followup_policy
from . import collection_followup_level
from . import collection_followup_action
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
from . import account_move_line
