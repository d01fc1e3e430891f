# transfer/ parsers that read input from outside the process: endpoint URIs and checkpoint files.
mm_add_fuzzer(fuzz_uri SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/transfer_uri_fuzz.cpp LIBS mm_transfer)
mm_add_fuzzer(fuzz_checkpoint
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/transfer_checkpoint_fuzz.cpp LIBS mm_transfer)
