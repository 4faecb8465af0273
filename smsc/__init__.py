"""The SMSC: sessions, policy, network model, engine, store, and the adapters that serve them."""
