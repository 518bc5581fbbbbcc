from . import main
from . import portal
from . import portal_rma
from . import batch_report
from . import portal_tickets
