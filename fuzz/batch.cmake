# Batches: the YAML a user edits with `batch edit` (parse, validate, write back).
mm_add_fuzzer(fuzz_batch_yaml SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/batch_yaml_fuzz.cpp LIBS mm_batch)
