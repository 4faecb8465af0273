"""Content and compliance rules carriers apply to A2P traffic: blocked keywords, message
classes, opt-out, quiet hours, sender ids, number screening and billing."""
