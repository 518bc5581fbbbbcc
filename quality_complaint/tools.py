import datetime

from odoo.tools import SQL


def action_open_records(records, xmlid, **context):
    """The window action `xmlid` showing `records`: the form of a single
    record, else the list of them; nothing is created from it.

    :param records: recordset to show
    :param xmlid: XML id of an `ir.actions.act_window` of their model
    :param context: keys added to the action's context
    """
    action = records.env["ir.actions.actions"]._for_xml_id(xmlid)
    if len(records) == 1:
        action.update(views=[(False, "form")], res_id=records.id)
    else:
        action["domain"] = [("id", "in", records.ids)]
    action["context"] = {"create": False, **context}
    return action


def sql_array(values, sql_type):
    """`values` as one SQL array of `sql_type`, sent as a single array literal.

    psycopg2 sends a Python list as ARRAY[v1, v2, ...], one typed expression
    per element, which the server parses one by one: for the tens of
    thousands of rows of a bulk INSERT or UPDATE that is most of its time.
    One literal ('{...}') is read by the array type's own input function.

    :param values: list of None, bool, int, float, str, date or datetime
    :param sql_type: the elements' SQL type, e.g. "int4", "timestamp"
    :return: SQL
    """
    literal = ",".join(map(_array_element, values))
    return SQL("%s::%s[]", f"{{{literal}}}", SQL(sql_type))


def _array_element(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime.date):
        # a datetime's isoformat uses a "T", which timestamp reads as well
        return value.isoformat()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
