"""The PDU layer: text encodings, segmentation, receipts, status tables and wire values.

Pure functions and frozen values with no Twisted and no clock; the only package that touches
smpp.pdu's types (in pdu.wire). The SMSC and the ESME both stand on it.
"""
