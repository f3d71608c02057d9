from . import followup_logic
from . import plan_logic
