"""The ESME: a sender library on smpp.twisted's client, and its command line."""
