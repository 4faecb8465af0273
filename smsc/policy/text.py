"""A submitted message's text as the rules read it: decoded from its data_coding, without
the UDH of a long message's part, from message_payload when it has one."""

from pdu import segments
from pdu import text as textcodec
from pdu.wire import SubmitSm


def message_text(message: SubmitSm) -> str:
    """The text; "" for binary or undecodable data, which content rules cannot read."""
    try:
        encoding = textcodec.encoding_for_data_coding(message.data_coding)
        body = message.tlvs.get("message_payload") or message.short_message
        if message.udhi and "message_payload" not in message.tlvs:
            _, body = segments.parse_udh(body)
        return textcodec.decode(body, encoding)
    except (ValueError, TypeError):
        return ""
