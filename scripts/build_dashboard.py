#!/usr/bin/env python3
"""Write the "Quality Complaints" spreadsheet dashboard
(quality_complaint/data/files/quality_complaint_dashboard.json).

The JSON is generated so that its data sources (pivots on our models and
fields) are reviewed here in Python rather than in a 2,000-line file; run it
after changing this script and commit both.
"""

import json
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "quality_complaint/data/files/quality_complaint_dashboard.json"
)
TOP = 10

# Styles shared by the cells (same palette as Odoo's own dashboards).
STYLES = {
    "1": {"textColor": "#01666b", "bold": True, "fontSize": 16},
    "2": {"textColor": "#434343", "fontSize": 11, "bold": True},
    "3": {"textColor": "#01666B", "verticalAlign": "middle"},
    "4": {"textColor": "#434343", "verticalAlign": "middle"},
    "5": {"textColor": "#434343", "fontSize": 11, "bold": True, "align": "center"},
}

OPEN_COMPLAINTS = [
    ["is_quality_complaint", "=", True],
    ["quality_phase", "not in", ["done", "rejected"]],
]


def dimension(name):
    """A pivot row: "date:month" is the field date grouped by month."""
    field_name, __, granularity = name.partition(":")
    row = {"fieldName": field_name}
    if granularity:
        row["granularity"] = granularity
    return row


def pivot(pivot_id, name, model, domain, measures, rows=(), sort=None):
    return {
        "type": "ODOO",
        "id": pivot_id,
        "formulaId": pivot_id,
        "name": name,
        "model": model,
        "domain": domain,
        "context": {},
        "measures": [{"id": m, "fieldName": m} for m in measures],
        "rows": [dimension(r) for r in rows],
        "columns": [],
        "fieldMatching": {},
        "sortedColumn": {"groupId": [[], []], "measure": sort, "order": "desc"}
        if sort
        else None,
    }


PIVOTS = {
    "1": pivot(
        "1", "KPI - Open complaints", "helpdesk.ticket", OPEN_COMPLAINTS, ["__count"]
    ),
    "2": pivot(
        "2",
        "KPI - SLA breached",
        "helpdesk.ticket",
        OPEN_COMPLAINTS + [["sla_status", "=", "breached"]],
        ["__count"],
    ),
    "3": pivot(
        "3",
        "KPI - Open batch problems",
        "quality.batch.issue",
        [["state", "not in", ["closed", "dismissed"]]],
        ["__count"],
    ),
    "4": pivot(
        "4",
        "KPI - Overdue actions",
        "quality.action",
        [["is_overdue", "=", True]],
        ["__count"],
    ),
    "5": pivot(
        "5",
        "KPI - Supplier claims by year",
        "quality.supplier.claim",
        [["state", "!=", "cancelled"]],
        ["amount_claimed", "amount_recovered"],
        rows=["date:year"],
    ),
    "6": pivot(
        "6",
        "Top products",
        "quality.complaint.report",
        [],
        ["quantity", "complaint_count"],
        rows=["product_id"],
        sort="quantity",
    ),
    "7": pivot(
        "7",
        "Top defects",
        "quality.complaint.report",
        [],
        ["quantity", "complaint_count"],
        rows=["defect_type_id"],
        sort="quantity",
    ),
    "8": pivot(
        "8",
        "Top vendors",
        "quality.complaint.report",
        [["vendor_id", "!=", False]],
        ["quantity", "complaint_count"],
        rows=["vendor_id"],
        sort="quantity",
    ),
    "9": pivot(
        "9",
        "Units by month and severity",
        "quality.complaint.report",
        [],
        ["quantity"],
        rows=["date:month", "severity"],
    ),
}

# The trend chart's series: one colour per severity, the alarming one red
# (an Odoo pivot chart colours its series by position, critical would be blue).
SEVERITY_SERIES = [
    ("critical", "Critical", "#DC3545"),
    ("major", "Major", "#F4A261"),
    ("minor", "Minor", "#A4A8B6"),
]
TREND_MONTHS = 12

# KPI values live on the Data sheet; the scorecards show them.
KPIS = [
    ("Open complaints", '=PIVOT.VALUE(1,"__count")', "#EFF6FF"),
    ("SLA breached", '=PIVOT.VALUE(2,"__count")', "#FEF2F2"),
    ("Open batch problems", '=PIVOT.VALUE(3,"__count")', "#FFF7ED"),
    ("Overdue actions", '=PIVOT.VALUE(4,"__count")', "#FFF7ED"),
    (
        "Claimed this year",
        '=PIVOT.VALUE(5,"amount_claimed","date:year",YEAR(TODAY()))',
        "#EFF6FF",
    ),
    (
        "Recovered this year",
        '=PIVOT.VALUE(5,"amount_recovered","date:year",YEAR(TODAY()))',
        "#ECFDF5",
    ),
]


# Data sheet rows of the trend: a header, then the last months, oldest first.
TREND_HEADER_ROW = len(KPIS) + 4
TREND_LAST_ROW = TREND_HEADER_ROW + TREND_MONTHS
MONTH_FORMAT_ID = "1"


def trend_column(index):
    return chr(ord("B") + index)


def data_sheet():
    cells, formats = {}, {}
    for row, (label, formula, _color) in enumerate(KPIS, start=1):
        cells[f"A{row}"] = {"content": f'=_t("{label}")'}
        cells[f"B{row}"] = {"content": formula}
        cells[f"C{row}"] = {"content": f"=FORMAT.LARGE.NUMBER(B{row})"}
    # units complained per month (first day of the month) and severity
    cells[f"A{TREND_HEADER_ROW}"] = {"content": '=_t("Month")'}
    for index, (_severity, label, _color) in enumerate(SEVERITY_SERIES):
        cells[f"{trend_column(index)}{TREND_HEADER_ROW}"] = {
            "content": f'=_t("{label}")'
        }
    for offset in range(TREND_MONTHS):
        row = TREND_HEADER_ROW + 1 + offset
        months_back = TREND_MONTHS - offset
        cells[f"A{row}"] = {"content": f"=EOMONTH(TODAY(),-{months_back})+1"}
        formats[f"A{row}"] = MONTH_FORMAT_ID
        for index, (severity, _label, _color) in enumerate(SEVERITY_SERIES):
            cells[f"{trend_column(index)}{row}"] = {
                "content": f'=PIVOT.VALUE(9,"quantity","date:month",$A{row},'
                f'"severity","{severity}")'
            }
    return {
        "id": "data",
        "name": "Data",
        "colNumber": 4,
        "rowNumber": TREND_LAST_ROW + 1,
        "rows": {},
        "cols": {},
        "merges": [],
        "cells": cells,
        "styles": {},
        "formats": formats,
        "borders": {},
        "conditionalFormats": [],
        "figures": [],
        "tables": [],
        "areGridLinesVisible": True,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "dataValidationRules": [],
        "comments": {},
    }


def dashboard_sheet():
    cells, styles, figures = {}, {}, []
    for index, (label, _formula, color) in enumerate(KPIS):
        figures.append(
            {
                "id": f"kpi-{index + 1}",
                "x": 10 + (index % 3) * 315,
                "y": 12 + (index // 3) * 118,
                "width": 300,
                "height": 106,
                "tag": "chart",
                "data": {
                    "type": "scorecard",
                    "title": {"text": label, "bold": True, "color": "#434343"},
                    "background": color,
                    "keyValue": f"Data!C{index + 1}",
                    "baselineMode": "difference",
                    "baselineColorUp": "#00A04A",
                    "baselineColorDown": "#DC6965",
                    "humanize": False,
                },
            }
        )
    # Trend: complaints and units by month
    cells["A12"] = {"content": '=_t("Units complained by month")'}
    styles["A12"] = 1
    figures.append(
        {
            "id": "trend",
            "x": 0,
            "y": 296,
            "width": 1000,
            "height": 330,
            "tag": "chart",
            "data": {
                "type": "bar",
                "title": {"text": ""},
                "background": "#FFFFFF",
                "legendPosition": "top",
                "stacked": True,
                "aggregated": False,
                "dataSetsHaveTitle": True,
                "dataSets": [
                    {
                        "dataRange": f"Data!{trend_column(index)}{TREND_HEADER_ROW}"
                        f":{trend_column(index)}{TREND_LAST_ROW}",
                        "backgroundColor": color,
                    }
                    for index, (_severity, _label, color) in enumerate(SEVERITY_SERIES)
                ],
                "labelRange": f"Data!A{TREND_HEADER_ROW + 1}:A{TREND_LAST_ROW}",
                "axesDesign": {},
            },
        }
    )
    # Top lists: products (A-C), defects (E-G), vendors (A-C below)
    tables = [
        ("A", 29, "6", "product_id", "Top products", "Product"),
        ("E", 29, "7", "defect_type_id", "Top defects", "Defect"),
        ("A", 43, "8", "vendor_id", "Top vendors", "Vendor"),
    ]
    for column, row, pivot_id, field, title, header in tables:
        col = ord(column)
        first, second, third = chr(col), chr(col + 1), chr(col + 2)
        cells[f"{first}{row}"] = {"content": f'=_t("{title}")'}
        styles[f"{first}{row}"] = 1
        cells[f"{first}{row + 1}"] = {"content": f'=_t("{header}")'}
        cells[f"{second}{row + 1}"] = {"content": '=_t("Units")'}
        cells[f"{third}{row + 1}"] = {"content": '=_t("Complaints")'}
        for cell in (first, second, third):
            styles[f"{cell}{row + 1}"] = 2 if cell == first else 5
        for rank in range(1, TOP + 1):
            line = row + 1 + rank
            cells[f"{first}{line}"] = {
                "content": f'=PIVOT.HEADER({pivot_id},"#{field}",{rank})'
            }
            cells[f"{second}{line}"] = {
                "content": f'=PIVOT.VALUE({pivot_id},"quantity","#{field}",{rank})'
            }
            count = f'"complaint_count","#{field}",{rank}'
            cells[f"{third}{line}"] = {"content": f"=PIVOT.VALUE({pivot_id},{count})"}
            styles[f"{first}{line}"] = 3
            styles[f"{second}{line}"] = 4
            styles[f"{third}{line}"] = 4
    return {
        "id": "dashboard",
        "name": "Dashboard",
        "colNumber": 7,
        "rowNumber": 56,
        "rows": {"11": {"size": 40}, "28": {"size": 40}, "42": {"size": 40}},
        "cols": {
            "0": {"size": 260},
            "1": {"size": 90},
            "2": {"size": 100},
            "3": {"size": 50},
            "4": {"size": 260},
            "5": {"size": 90},
            "6": {"size": 100},
        },
        "merges": [],
        "cells": cells,
        "styles": styles,
        "formats": {},
        "borders": {},
        "conditionalFormats": [],
        "figures": figures,
        "tables": [],
        "areGridLinesVisible": False,
        "isVisible": True,
        "headerGroups": {"ROW": [], "COL": []},
        "dataValidationRules": [],
        "comments": {},
    }


def main():
    dashboard = {
        "version": "21",
        "sheets": [dashboard_sheet(), data_sheet()],
        "styles": STYLES,
        "formats": {MONTH_FORMAT_ID: "mmm yyyy"},
        "borders": {},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {
            "locale": {
                "name": "English (US)",
                "code": "en_US",
                "thousandsSeparator": ",",
                "decimalSeparator": ".",
                "dateFormat": "mm/dd/yyyy",
                "timeFormat": "hh:mm:ss",
                "formulaArgSeparator": ",",
                "weekStart": 1,
            }
        },
        "pivots": PIVOTS,
        "pivotNextId": len(PIVOTS) + 1,
        "customTableStyles": {},
        "odooVersion": 12,
        "globalFilters": [],
        "lists": {},
        "listNextId": 1,
        "chartOdooMenusReferences": {
            "trend": "quality_complaint.quality_complaint_report_menu",
            "kpi-1": "quality_complaint.helpdesk_ticket_quality_menu",
            "kpi-2": "quality_complaint.helpdesk_ticket_quality_menu",
            "kpi-3": "quality_complaint.quality_batch_issue_menu",
            "kpi-4": "quality_complaint.quality_action_menu",
            "kpi-5": "quality_complaint.quality_supplier_claim_menu",
            "kpi-6": "quality_complaint.quality_supplier_claim_menu",
        },
    }
    OUT.write_text(json.dumps(dashboard, indent=4, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
