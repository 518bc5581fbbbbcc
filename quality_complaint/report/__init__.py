from . import quality_complaint_report
