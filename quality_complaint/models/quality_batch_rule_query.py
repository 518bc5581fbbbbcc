# The aggregate query of a batch rule: the groups of complaint lines over its
# threshold, with their installed base, all of them or those touched since.
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import SQL

# Columns of the group key of each scope, in quality_complaint_line. A region
# is the pair (state, country): the state, or the country alone (state empty)
# for customers without a state.
SCOPE_KEYS = {
    "lot": ("product_id", "lot_id"),
    "product": ("product_id",),
    "product_defect": ("product_id", "defect_type_id"),
    "customer_product_defect": ("partner_id", "product_id", "defect_type_id"),
    "component_defect": ("component_id", "defect_type_id"),
    "region_product_defect": ("state_id", "country_id", "product_id", "defect_type_id"),
    "region_component_defect": (
        "state_id",
        "country_id",
        "component_id",
        "defect_type_id",
    ),
}
# Column of quality_complaint_line holding each key field.
LINE_COLUMNS = {
    "product_id": "product_id",
    "lot_id": "lot_id",
    "defect_type_id": "defect_type_id",
    "partner_id": "commercial_partner_id",
    "component_id": "component_id",
    "state_id": "state_id",
    "country_id": "country_id",
}
# Key fields a group may have empty (a region without a state).
OPTIONAL_KEYS = ("state_id",)
# Key fields the installed base is counted by (after the lot, which wins), in
# this order: the first one filters the deliveries read.
BASE_KEYS = ("component_id", "product_id", "partner_id", "state_id", "country_id")
COMPARISONS = {">=": SQL(">="), ">": SQL(">")}


class QualityBatchRule(models.Model):
    _inherit = "quality.batch.rule"

    def _query_groups(self, since=None):
        """The groups of complaint lines over this rule's threshold: one
        aggregate query (the installed base included), then one lookup of the
        lines of the groups over the threshold.

        The quantities are summed over all the lines, as a hand-written
        GROUP BY would; only the few groups over the threshold read their
        lines again, by their keys, for their complaints and line ids.

        :param since: a datetime, for an incremental run: only the groups a
            line created or changed since then (or whose complaint changed),
            and the groups of the rule's open issues
        :return: list of dicts with the key fields, `qty`, `installed_base`,
                 `ratio`, `line_ids`, `ticket_ids`, `last_line_date` and
                 `staff_registered` (a complaint of the group was registered
                 or taken in by staff)
        """
        self.ensure_one()
        keys = SCOPE_KEYS[self.scope]
        today = fields.Date.context_today(self)

        def columns(alias, key_names=keys, coalesce=False):
            return SQL(", ").join(
                SQL(
                    "COALESCE(%s, 0)" if coalesce and key in OPTIONAL_KEYS else "%s",
                    SQL.identifier(alias, LINE_COLUMNS[key] if alias == "l" else key),
                )
                for key in key_names
            )

        line_key = SQL(", ").join(
            SQL("l.%s AS %s", SQL.identifier(LINE_COLUMNS[key]), SQL.identifier(key))
            for key in keys
        )
        conditions = [
            SQL("l.company_id = %s", self.company_id.id),
            SQL("l.date >= %s", today - timedelta(days=self.window_days)),
            SQL("t.is_quality_complaint"),
            SQL("t.active"),
            SQL("t.quality_phase IS DISTINCT FROM 'rejected'"),
        ]
        conditions += [
            SQL("l.%s IS NOT NULL", SQL.identifier(LINE_COLUMNS[key]))
            for key in keys
            if key not in OPTIONAL_KEYS
        ]
        if self.warranty_only:
            conditions.append(
                SQL("l.warranty_state IS DISTINCT FROM 'out_of_warranty'")
            )
        if self.product_ids:
            conditions.append(SQL("l.product_id = ANY(%s)", self.product_ids.ids))
        if self.categ_ids:
            conditions.append(
                SQL(
                    """l.product_id IN (
                        SELECT pp.id FROM product_product pp
                          JOIN product_template pt ON pt.id = pp.product_tmpl_id
                          JOIN product_category pc ON pc.id = pt.categ_id
                         WHERE pc.parent_path LIKE ANY(%s))""",
                    [f"{path}%" for path in self.categ_ids.mapped("parent_path")],
                )
            )
        touched_cte, touched_filter = SQL(), []
        if since:
            # a group can only newly cross a threshold when one of its lines
            # was added or changed, or its complaint (re-activated, no longer
            # rejected); the open issues' groups are refreshed too
            touched_cte = SQL(
                """
                touched AS (
                    SELECT %(line_keys)s
                      FROM quality_complaint_line l
                      JOIN helpdesk_ticket t ON t.id = l.ticket_id
                     WHERE %(conditions)s AND l.write_date >= %(since)s
                     UNION
                    SELECT %(line_keys)s
                      FROM helpdesk_ticket t
                      JOIN quality_complaint_line l ON l.ticket_id = t.id
                     WHERE %(conditions)s AND t.write_date >= %(since)s
                     UNION
                    SELECT %(issue_keys)s
                      FROM quality_batch_issue i
                     WHERE i.rule_id = %(rule)s
                       AND i.state NOT IN ('closed', 'dismissed')
                ),""",
                line_keys=columns("l", coalesce=True),
                issue_keys=columns("i", coalesce=True),
                conditions=SQL(" AND ").join(conditions),
                since=since,
                rule=self.id,
            )
            touched_filter = [
                SQL("(%s) IN (SELECT * FROM touched)", columns("l", coalesce=True))
            ]
        needs_base = (
            self.threshold_type == "ratio"
            or self.min_installed_base
            or self.max_installed_base
        )
        installed = SQL("COALESCE(b.installed, 0)") if needs_base else SQL("NULL")
        where = []
        if needs_base:
            where.append(SQL("COALESCE(b.installed, 0) >= %s", self.min_installed_base))
            if self.max_installed_base:
                where.append(
                    SQL("COALESCE(b.installed, 0) < %s", self.max_installed_base)
                )
        measure = (
            SQL("100.0 * g.qty / NULLIF(b.installed, 0)")
            if self.threshold_type == "ratio"
            else SQL("g.qty")
        )
        where.append(
            SQL("%s %s %s", measure, COMPARISONS[self.comparison], self.threshold)
        )
        base_cte, base_join = (
            self._installed_base_sql(keys) if needs_base else (SQL(), SQL())
        )
        aggregate = SQL(
            """
            WITH %(touched_cte)s groups AS (
                SELECT %(line_key)s, SUM(l.quantity) AS qty
                  FROM quality_complaint_line l
                  JOIN helpdesk_ticket t ON t.id = l.ticket_id
                 WHERE %(conditions)s
              GROUP BY %(group_key)s
            )%(base_cte)s
            SELECT g.*, %(installed)s AS installed_base, %(ratio)s AS ratio
              FROM groups g %(base_join)s
             WHERE %(where)s
            """,
            touched_cte=touched_cte,
            line_key=line_key,
            conditions=SQL(" AND ").join(conditions + touched_filter),
            group_key=columns("l"),
            base_cte=base_cte,
            installed=installed,
            ratio=(
                SQL("100.0 * g.qty / NULLIF(b.installed, 0)")
                if needs_base
                else SQL("NULL::float")
            ),
            base_join=base_join,
            where=SQL(" AND ").join(where),
        )
        self.env["quality.complaint.line"].flush_model()
        self.env["helpdesk.ticket"].flush_model(
            [
                "is_quality_complaint",
                "active",
                "quality_phase",
                "filed_by_customer",
                "has_left_intake",
            ]
        )
        if needs_base:
            self.env["product.template"].flush_model(["complaint_component_ids"])
            self.env["res.partner"].flush_model(
                ["commercial_partner_id", "state_id", "country_id"]
            )
        self.env.cr.execute(aggregate)
        groups = self.env.cr.dictfetchall()
        if not groups:
            return groups
        # the lines of the few groups over the threshold, by their keys given
        # as values: an index lookup (joining the aggregate back, the planner
        # cannot know how few they are and reads every line again)
        self.env.cr.execute(
            SQL(
                """
                SELECT %(key_columns)s,
                       ARRAY_AGG(l.id ORDER BY l.id) AS line_ids,
                       ARRAY_AGG(DISTINCT l.ticket_id) AS ticket_ids,
                       MAX(l.create_date) AS last_line_date,
                       BOOL_OR(NOT COALESCE(t.filed_by_customer, FALSE)
                               OR COALESCE(t.has_left_intake, FALSE))
                           AS staff_registered
                  FROM quality_complaint_line l
                  JOIN helpdesk_ticket t ON t.id = l.ticket_id
                 WHERE %(conditions)s AND (%(coalesced)s) IN (VALUES %(values)s)
              GROUP BY %(group_key)s
                """,
                key_columns=SQL(", ").join(
                    SQL(
                        "%s AS %s",
                        SQL.identifier("l", LINE_COLUMNS[key]),
                        SQL.identifier(key),
                    )
                    for key in keys
                ),
                conditions=SQL(" AND ").join(conditions),
                coalesced=columns("l", coalesce=True),
                values=SQL(", ").join(
                    SQL(
                        "(%s)",
                        SQL(", ").join(
                            SQL("%s::int4", group[key] or 0) for key in keys
                        ),
                    )
                    for group in groups
                ),
                group_key=columns("l"),
            )
        )
        lines_by_key = {
            tuple(row[key] for key in keys): row for row in self.env.cr.dictfetchall()
        }
        for group in groups:
            group.update(lines_by_key[tuple(group[key] for key in keys)])
        return groups

    def _installed_base_sql(self, keys):
        """CTE and join of the installed base: units delivered to customers net of
        returns over the rule's period, per lot, or per product or component
        (the units of the products listing it), for one customer (commercial
        partner) or one region (its state, or its country when it has no state)
        when the scope says so. Done move lines, in the product's unit, are what
        actually moved."""
        if "lot_id" in keys:
            base_keys = ("lot_id",)
        else:
            base_keys = tuple(key for key in BASE_KEYS if key in keys)
        columns = {
            "lot_id": SQL("sml.lot_id"),
            "product_id": SQL("sml.product_id"),
            "component_id": SQL("component.component_id"),
            "partner_id": SQL("partner.commercial_partner_id"),
            "state_id": SQL("customer.state_id"),
            "country_id": SQL(
                "COALESCE(customer.country_id, customer_state.country_id)"
            ),
        }
        joins = []
        if "component_id" in base_keys:
            joins.append(
                SQL(
                    "JOIN product_product product ON product.id = sml.product_id"
                    " JOIN product_template_complaint_component_rel component"
                    " ON component.template_id = product.product_tmpl_id"
                )
            )
        if {"partner_id", "country_id"} & set(base_keys):
            joins.append(
                SQL(
                    "JOIN stock_picking picking ON picking.id = sml.picking_id"
                    " JOIN res_partner partner ON partner.id = picking.partner_id"
                )
            )
        if "country_id" in base_keys:
            joins.append(
                SQL(
                    "JOIN res_partner customer"
                    " ON customer.id = partner.commercial_partner_id"
                    " LEFT JOIN res_country_state customer_state"
                    " ON customer_state.id = customer.state_id"
                )
            )
        cte = SQL(
            """,
            base AS (
                SELECT %(select)s,
                       SUM(CASE WHEN dest.usage = 'customer'
                                THEN sml.quantity_product_uom
                                ELSE -sml.quantity_product_uom END) AS installed
                  FROM stock_move_line sml
                  %(joins)s
                  JOIN stock_location src ON src.id = sml.location_id
                  JOIN stock_location dest ON dest.id = sml.location_dest_id
                 WHERE sml.state = 'done' AND sml.date >= %(since)s
                   AND %(first)s IN (SELECT %(first_key)s FROM groups)
                   AND (dest.usage = 'customer') <> (src.usage = 'customer')
              GROUP BY %(group)s
            )""",
            select=SQL(", ").join(
                SQL("%s AS %s", columns[key], SQL.identifier(key)) for key in base_keys
            ),
            joins=SQL(" ").join(joins),
            since=fields.Datetime.now()
            - relativedelta(months=self.installed_base_months),
            first=columns[base_keys[0]],
            first_key=SQL.identifier(base_keys[0]),
            group=SQL(", ").join(columns[key] for key in base_keys),
        )
        # a region without a state has an empty state on both sides
        join = SQL(" AND ").join(
            SQL(
                "COALESCE(b.%s, 0) = COALESCE(g.%s, 0)"
                if key in OPTIONAL_KEYS
                else "b.%s = g.%s",
                SQL.identifier(key),
                SQL.identifier(key),
            )
            for key in base_keys
        )
        return cte, SQL("LEFT JOIN base b ON %s", join)
