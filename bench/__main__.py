from bench import pdu_codec, smsc_throughput

pdu_codec.main()
print()
smsc_throughput.main()
