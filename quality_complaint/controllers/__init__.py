from . import main
from . import portal
from . import batch_report
