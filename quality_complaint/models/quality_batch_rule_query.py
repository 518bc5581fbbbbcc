# The aggregate query of a batch rule: the groups of complaint lines over its
# threshold, with their installed base, all of them or those touched since.
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import sql_array

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
        needs_base = (
            self.threshold_type == "ratio"
            or self.min_installed_base
            or self.max_installed_base
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
        groups_sql = SQL(
            """
            SELECT %(line_key)s, SUM(l.quantity) AS qty
              FROM quality_complaint_line l
              JOIN helpdesk_ticket t ON t.id = l.ticket_id
             WHERE %(conditions)s
          GROUP BY %(group_key)s
            """,
            line_key=line_key,
            conditions=SQL(" AND ").join(conditions),
            group_key=columns("l"),
        )
        if since:
            # a group can only newly cross a threshold when one of its lines
            # was added or changed, or its complaint (re-activated, no longer
            # rejected); the open issues' groups are refreshed too. Their keys
            # are read first, then given to the aggregate as arrays.
            self.env.cr.execute(
                SQL(
                    """
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
                    """,
                    line_keys=columns("l", coalesce=True),
                    issue_keys=columns("i", coalesce=True),
                    conditions=SQL(" AND ").join(conditions),
                    since=since,
                    rule=self.id,
                )
            )
            touched = self.env.cr.fetchall()
            if not touched:
                return []
            # the sum of each touched group on its own: an aggregate per key
            # is not merged into the outer query, so each reads its lines
            # through the key's index, not the whole window
            groups_sql = SQL(
                """
                SELECT %(touched_key)s, g.qty
                  FROM %(touched)s AS k(%(key_names)s)
            CROSS JOIN LATERAL (
                    SELECT SUM(l.quantity) AS qty
                      FROM quality_complaint_line l
                      JOIN helpdesk_ticket t ON t.id = l.ticket_id
                     WHERE %(conditions)s AND (%(coalesced)s) = (%(key_columns)s)
                    ) g
                 WHERE g.qty IS NOT NULL
                """,
                touched_key=SQL(", ").join(
                    SQL(
                        "NULLIF(%s, 0) AS %s" if key in OPTIONAL_KEYS else "%s AS %s",
                        SQL.identifier("k", key),
                        SQL.identifier(key),
                    )
                    for key in keys
                ),
                touched=self._key_rows(touched),
                key_names=SQL(", ").join(SQL.identifier(key) for key in keys),
                conditions=SQL(" AND ").join(conditions),
                coalesced=columns("l", coalesce=True),
                key_columns=SQL(", ").join(SQL.identifier("k", key) for key in keys),
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
        # Only the groups whose units can pass need their installed base: a
        # units rule's threshold, or for a ratio the threshold of the least
        # installed base the rule applies to.
        least_units = (
            self.threshold * self.min_installed_base / 100
            if self.threshold_type == "ratio"
            else self.threshold
        )
        base_cte, base_join = (
            self._installed_base_sql(keys) if needs_base else (SQL(), SQL())
        )
        aggregate = SQL(
            """
            WITH groups AS (%(groups)s),
            candidates AS (
                SELECT * FROM groups WHERE qty %(comparison)s %(least_units)s
            )%(base_cte)s
            SELECT g.*, %(installed)s AS installed_base, %(ratio)s AS ratio
              FROM candidates g %(base_join)s
             WHERE %(where)s
            """,
            groups=groups_sql,
            comparison=COMPARISONS[self.comparison],
            least_units=least_units,
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
                 WHERE %(conditions)s
                   AND (%(coalesced)s) IN (SELECT * FROM %(values)s)
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
                values=self._key_rows(
                    [tuple(group[key] or 0 for key in keys) for group in groups]
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

    @api.model
    def _key_rows(self, rows):
        """Group keys as a set of rows, one array per key part (an empty part
        as 0, as the coalesced columns compare it): a few literals however
        many groups, which the planner counts.

        :param rows: non-empty list of key tuples
        """
        return SQL(
            "unnest(%s)",
            SQL(", ").join(
                sql_array([value or 0 for value in part], "int4")
                for part in zip(*rows, strict=True)
            ),
        )

    def _installed_base_sql(self, keys):
        """CTE and join of the installed base: units delivered to customers net of
        returns over the rule's period, per lot, or per product or component
        (the units of the products listing it), for one customer (commercial
        partner) or one region (its state, or its country when it has no state)
        when the scope says so. Done move lines, in the product's unit, are what
        actually moved.

        Only the moves of the groups' lots, products or components, customers
        and regions are read; they are summed per lot or product (and customer
        or region) before a component's products are joined, so that join
        reads a few thousand sums, not every move line."""
        if "lot_id" in keys:
            base_keys = ("lot_id",)
        else:
            base_keys = tuple(key for key in BASE_KEYS if key in keys)
        # what the move lines are summed by, then the components' products
        moved_columns = {
            "lot_id": SQL("sml.lot_id"),
            "product_id": SQL("sml.product_id"),
            "partner_id": SQL("partner.commercial_partner_id"),
            "state_id": SQL("customer.state_id"),
            "country_id": SQL(
                "COALESCE(customer.country_id, customer_state.country_id)"
            ),
        }
        by_address = bool({"partner_id", "country_id"} & set(base_keys))
        moved_keys = [key for key in base_keys if key != "component_id"]
        if "component_id" in base_keys:
            moved_keys.insert(0, "product_id")
        joins, filters = [], []
        if by_address:
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
        if "component_id" in base_keys:
            # the moves of the products listing the groups' components
            filters.append(
                SQL(
                    """sml.product_id IN (
                        SELECT pp.id FROM product_product pp
                          JOIN product_template_complaint_component_rel rel
                            ON rel.template_id = pp.product_tmpl_id
                         WHERE rel.component_id IN (
                            SELECT component_id FROM candidates))"""
                )
            )
        for key in ("lot_id", "product_id", "partner_id"):
            if key in base_keys:
                filters.append(
                    SQL(
                        "%s IN (SELECT %s FROM candidates)",
                        moved_columns[key],
                        SQL.identifier(key),
                    )
                )
        if "country_id" in base_keys:
            filters.append(
                SQL(
                    "(COALESCE(%s, 0), %s) IN"
                    " (SELECT COALESCE(state_id, 0), country_id FROM candidates)",
                    moved_columns["state_id"],
                    moved_columns["country_id"],
                )
            )
        # a move to or from a customer, not between two of them; the customer
        # locations are read once, not joined to every move
        customer_locations = SQL(
            "ARRAY(SELECT id FROM stock_location WHERE usage = 'customer')"
        )
        to_customer = SQL("sml.location_dest_id = ANY(%s)", customer_locations)
        from_customer = SQL("sml.location_id = ANY(%s)", customer_locations)
        columns = {key: SQL.identifier("moved", key) for key in moved_keys}
        component_join = SQL()
        if "component_id" in base_keys:
            columns["component_id"] = SQL("component.component_id")
            component_join = SQL(
                "JOIN product_product product ON product.id = moved.product_id"
                " JOIN product_template_complaint_component_rel component"
                " ON component.template_id = product.product_tmpl_id"
            )
        cte = SQL(
            """,
            base AS (
                SELECT %(select)s, SUM(moved.installed) AS installed
                  FROM (
                    SELECT %(moved_select)s,
                           SUM(CASE WHEN %(to_customer)s
                                    THEN sml.quantity_product_uom
                                    ELSE -sml.quantity_product_uom END) AS installed
                      FROM stock_move_line sml
                      %(joins)s
                     WHERE sml.state = 'done' AND sml.date >= %(since)s
                       AND (%(to_customer)s) <> (%(from_customer)s)
                       AND %(filters)s
                  GROUP BY %(moved_group)s
                  ) moved
                  %(component_join)s
              GROUP BY %(group)s
            )""",
            select=SQL(", ").join(
                SQL("%s AS %s", columns[key], SQL.identifier(key)) for key in base_keys
            ),
            moved_select=SQL(", ").join(
                SQL("%s AS %s", moved_columns[key], SQL.identifier(key))
                for key in moved_keys
            ),
            to_customer=to_customer,
            from_customer=from_customer,
            joins=SQL(" ").join(joins),
            since=fields.Datetime.now()
            - relativedelta(months=self.installed_base_months),
            filters=SQL(" AND ").join(filters),
            moved_group=SQL(", ").join(moved_columns[key] for key in moved_keys),
            component_join=component_join,
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
