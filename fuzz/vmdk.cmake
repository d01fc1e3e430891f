# The VMDK descriptor parser of the datastore HTTPS source (transfer/vmdk_descriptor.h).
mm_add_fuzzer(fuzz_vmdk_descriptor
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vmdk_descriptor_fuzz.cpp LIBS mm_transfer)
