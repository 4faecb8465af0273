from bench import compare, pdu_codec, store_commit

pdu_codec.main()
print()
store_commit.main()
print()
compare.main([])
