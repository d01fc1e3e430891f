# The mmt:// stream's frame decoder: what a receiver reads from the network.
mm_add_fuzzer(fuzz_stream_frame
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/transfer_stream_frame_fuzz.cpp LIBS mm_stream_frame)
