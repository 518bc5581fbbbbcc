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
