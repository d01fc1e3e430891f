# Disk inspection: partition tables, superblocks, NTFS labels, os-release (inspect/).
mm_add_fuzzer(fuzz_disk_inspect
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/disk_inspect_fuzz.cpp LIBS mm_inspect)
