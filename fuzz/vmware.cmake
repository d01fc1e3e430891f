# orchestrator/vmware: the vim25 SOAP reply reader, the PropertyCollector pages and the inventory
# builder (seeds: replies captured from tests/vmware-sim with --trace, fuzz/corpus/vim25_reply).
mm_add_fuzzer(fuzz_vim25_reply
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vmware_reply_fuzz.cpp LIBS mm_vmware)
