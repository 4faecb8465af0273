from bench import compare, engine_memory, instructions, keywords, pdu_codec, store_commit

pdu_codec.main()
print()
keywords.main()
print()
store_commit.main()
print()
engine_memory.main([])
print()
compare.main([])
print()
instructions.main([])
