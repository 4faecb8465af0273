from bench import compare, pdu_codec

pdu_codec.main()
print()
compare.main([])
