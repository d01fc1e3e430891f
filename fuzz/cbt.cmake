# cbt/ parsers that read input from outside the process.
mm_add_fuzzer(fuzz_extents_file SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cbt_extents_file_fuzz.cpp LIBS mm_cbt)
mm_add_fuzzer(fuzz_changed_areas_reply
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cbt_changed_areas_reply_fuzz.cpp LIBS mm_cbt)
