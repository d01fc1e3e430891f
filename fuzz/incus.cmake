# orchestrator/incus: Incus REST replies (envelopes, operations, objects) and Go durations.
mm_add_fuzzer(fuzz_incus_reply SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/incus_reply_fuzz.cpp LIBS mm_incus)
