from . import followup_logic
