"""Values for the operations on messages the SMSC already holds: query_sm and cancel_sm
(SMPP 3.4 sections 4.8 and 4.9). replace_sm is not here: smpp.pdu cannot decode it.
"""

import attrs
from smpp.pdu import constants, operations, pdu_types

from pdu.fields import Address, address_from, address_params, library_field, library_status, plain_field


@attrs.frozen
class QuerySm:
    message_id: str
    source: Address = Address()

    @classmethod
    def from_pdu(cls, pdu) -> "QuerySm":
        params = pdu.params
        return cls(plain_field("message_id", params["message_id"]), address_from(params, "source_addr", "source_addr"))

    def to_pdu(self, sequence_number: int = 1):
        return operations.QuerySM(
            sequence_number,
            message_id=self.message_id.encode("latin-1"),
            **address_params(self.source, "source_addr", "source_addr"),
        )


@attrs.frozen
class QuerySmResp:
    """What the SMSC knows of a message: its state, when it became final and the error."""

    message_id: str
    message_state: int
    final_date: str = ""  # SMPP absolute time, "" while not final
    error_code: int = 0  # the network error (GSM MAP) that ended it, 0 for none

    @classmethod
    def from_pdu(cls, pdu) -> "QuerySmResp":
        params = pdu.params
        state = params.get("message_state")
        return cls(
            plain_field("message_id", params.get("message_id") or b""),
            constants.message_state_name_map[state.name] if state is not None else 0,
            plain_field("validity_period", params.get("final_date")),
            params.get("error_code") or 0,
        )

    def to_pdu(self, sequence_number: int, status: int = 0):
        state = None
        if self.message_state:
            state = getattr(pdu_types.MessageState, constants.message_state_value_map[self.message_state])
        return operations.QuerySMResp(
            sequence_number,
            library_status(status),
            message_id=self.message_id.encode("latin-1"),
            final_date=library_field("validity_period", self.final_date),
            message_state=state,
            error_code=self.error_code,
        )


@attrs.frozen
class CancelSm:
    """Cancel one message by id, or (with an empty id) every pending one from source to destination."""

    message_id: str
    source: Address = Address()
    destination: Address = Address()
    service_type: str = ""

    @classmethod
    def from_pdu(cls, pdu) -> "CancelSm":
        params = pdu.params
        return cls(
            plain_field("message_id", params["message_id"]),
            address_from(params, "source_addr", "source_addr"),
            address_from(params, "dest_addr", "destination_addr"),
            plain_field("service_type", params["service_type"]),
        )

    def to_pdu(self, sequence_number: int = 1):
        return operations.CancelSM(
            sequence_number,
            service_type=self.service_type.encode("latin-1"),
            message_id=self.message_id.encode("latin-1"),
            **address_params(self.source, "source_addr", "source_addr"),
            **address_params(self.destination, "dest_addr", "destination_addr"),
        )
