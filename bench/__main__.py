from bench import pdu_codec, smsc_throughput, store_commit

pdu_codec.main()
print()
smsc_throughput.main()
print()
store_commit.main()
