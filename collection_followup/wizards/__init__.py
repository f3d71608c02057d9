from . import collection_followup_preview
from . import collection_followup_send
from . import collection_agency_handover
