from . import followup_logic
from . import plan_logic
from . import late_fee_logic
from . import qr
from . import factoring_logic
from . import factoring_formats
from . import log_redaction
from . import portal_input
