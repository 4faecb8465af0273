from bench import pdu_codec

pdu_codec.main()
